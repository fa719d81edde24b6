/**
 * The search reads on MongoDB (contract: SearchRepository), each bounded by a named index:
 *   keys     keys_added  { meta.keys, meta.added }: `$in` of the keys
 *   domains  keys_added  `$in` of anchored regexes (^domain:, ^url:, ^email:): the index is read
 *                        over the keys of that kind only, never the documents
 *   words    raw_text    a text index on `raw` ($text), when the server has text indexes; FerretDB
 *                        1.24 has none (FerretDB issue #3615), so there the words are
 *                        case-insensitive regexes on `raw`, a scan (FerretDB is a correctness
 *                        stand-in here, never a performance one). Either way search/filters.ts then
 *                        keeps only objects whose name, description, aliases or labels hold the words.
 *   all      col_added / col_type_added
 * Sorted on (meta.added, _id) and cut at `limit` after the cursor.
 */
import type { Collection, Db, Filter } from 'mongodb';
import type { SearchRepository } from '../contract';
import type { ObjectDoc } from '../objects';
import type { SearchQuery } from '../search';
import { afterCursor } from './objects';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Keys naming the domain or a subdomain of it: as a domain, a URL host or an e-mail domain. */
function domainPatterns(d: string): RegExp[] {
  const tail = `(?:[^:/@?#]*\\.)?${escape(d)}`;
  return [new RegExp(`^domain:${tail}$`), new RegExp(`^url:[a-z][a-z0-9+.-]*://(?:[^@/?#]*@)?${tail}(?:[:/?#]|$)`), new RegExp(`^email:[^@]*@${tail}$`)];
}

export async function ensureSearchIndexes(db: Db): Promise<boolean> {
  try {
    await db.collection('objects').createIndex({ raw: 'text' }, { name: 'raw_text', default_language: 'none' });
    return true;
  } catch {
    return false; // a server without text indexes (FerretDB 1.24): the regex fallback
  }
}

export class MongoSearch implements SearchRepository {
  private readonly c: Collection<ObjectDoc>;
  private textIndex: boolean | undefined;
  constructor(db: Db) {
    this.c = db.collection<ObjectDoc>('objects');
  }

  private async hasTextIndex(): Promise<boolean> {
    if (this.textIndex === undefined) {
      const indexes = await this.c.listIndexes().toArray().catch(() => []);
      this.textIndex = indexes.some((i) => i.name === 'raw_text');
    }
    return this.textIndex;
  }

  async find(q: SearchQuery): Promise<ObjectDoc[]> {
    const and: Record<string, unknown>[] = [
      { col: { $in: q.collections } },
      { $or: [{ 'meta.restricted': false }, { 'meta.readers': q.viewer.organisation }] },
    ];
    if (q.types?.length) and.push({ 'meta.type': { $in: q.types } });
    if (q.addedFrom) and.push({ 'meta.added': { $gte: q.addedFrom } });
    if (q.addedTo) and.push({ 'meta.added': { $lte: q.addedTo } });
    if (q.after) and.push(afterCursor(q.after) as Record<string, unknown>);
    const m = q.match;
    if ('keys' in m) and.push({ 'meta.keys': { $in: m.keys } });
    else if ('domains' in m) and.push({ 'meta.keys': { $in: m.domains.flatMap(domainPatterns) } });
    else if ('words' in m) {
      if (await this.hasTextIndex()) and.push({ $text: { $search: m.words.map((w) => `"${w}"`).join(' ') } });
      else for (const w of m.words) and.push({ raw: { $regex: escape(w), $options: 'i' } });
    }
    return this.c.find({ $and: and } as Filter<ObjectDoc>, { sort: { 'meta.added': 1, _id: 1 }, limit: q.limit }).toArray();
  }
}
