/**
 * The correlation engine's reads on MongoDB: each call is a few `$in` queries over a named index
 * (added_key, col_id_ver, links, keys_added), chunked so no query carries more than CHUNK values.
 * Reads only the group's input collections; other groups contribute counts (shareableKeyReports).
 */
import type { Collection, Db, Filter } from 'mongodb';
import type { Checkpoint } from '../jobs';
import type { GraphReader, KeyReport, ObjectGraph, PhaseTimer } from '../contract';
import type { ObjectDoc } from '../objects';
import { afterCursor } from './objects';
import { guarded } from './errors';

const CHUNK = 1000;

function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

/** Another group's reports count only when TLP:CLEAR (even a count says someone holds a report). */
const SHAREABLE = { 'meta.tlp': 'clear', 'meta.restricted': false } as const;
const KEY_PROJECTION = { _id: 1, col: 1, 'meta.keys': 1, 'meta.org': 1, 'meta.added': 1, 'meta.origin': 1 } as const;

class MongoGraphReader implements GraphReader {
  constructor(
    private readonly c: Collection<ObjectDoc>,
    private readonly cols: string[],
  ) {}

  /** A document matching values of two chunks (keys, links) comes back once. */
  private async find(field: string, values: string[], extra: Record<string, unknown> = {}): Promise<ObjectDoc[]> {
    const out: ObjectDoc[] = [];
    const seen = new Set<string>();
    for (const chunk of chunks([...new Set(values)])) {
      const f = { col: { $in: this.cols }, [field]: { $in: chunk }, ...extra } as Filter<ObjectDoc>;
      for (const doc of await this.c.find(f).toArray()) {
        if (seen.has(doc._id)) continue;
        seen.add(doc._id);
        out.push(doc);
      }
    }
    return out;
  }

  /** Index added_key, bounded by the checkpoint. */
  async newObjects(after: Checkpoint | undefined, until: string, limit: number): Promise<ObjectDoc[]> {
    const f: Record<string, unknown> = { col: { $in: this.cols }, 'meta.added': { $lt: until, ...(after ? { $gte: after.added } : {}) } };
    if (after) Object.assign(f, afterCursor(after));
    return this.c.find(f as Filter<ObjectDoc>, { sort: { 'meta.added': 1, _id: 1 }, limit }).toArray();
  }

  /** Index col_id_ver. */
  byIds(ids: string[]) {
    return this.find('meta.id', ids);
  }

  /** Index links. */
  linksTouching(ids: string[]) {
    return this.find('meta.links', ids);
  }

  /** Index keys_added. */
  byKeys(keys: string[], since: string) {
    return this.find('meta.keys', keys, { 'meta.added': { $gte: since } });
  }
}

export class MongoObjectGraph implements ObjectGraph {
  private readonly c: Collection<ObjectDoc>;
  constructor(db: Db) {
    this.c = db.collection<ObjectDoc>('objects');
  }

  reader(inputCollections: string[], _phases?: PhaseTimer): GraphReader {
    return guarded(new MongoGraphReader(this.c, inputCollections));
  }

  /** Index keys_added. */
  async shareableKeyReports(keys: string[], since: string, opts: { excludeCollection: string; notFromGroup: string }): Promise<KeyReport[]> {
    const wanted = new Set(keys);
    const seen = new Set<string>();
    const out: KeyReport[] = [];
    for (const chunk of chunks(keys)) {
      const f = { 'meta.keys': { $in: chunk }, 'meta.added': { $gte: since }, ...SHAREABLE } as Filter<ObjectDoc>;
      for await (const doc of this.c.find(f, { projection: KEY_PROJECTION })) {
        if (seen.has(doc._id) || doc.col === opts.excludeCollection || doc.meta.origin?.group === opts.notFromGroup) continue;
        seen.add(doc._id);
        for (const key of doc.meta.keys ?? []) if (wanted.has(key)) out.push({ key, organisation: doc.meta.org, added: doc.meta.added });
      }
    }
    return out;
  }
}
