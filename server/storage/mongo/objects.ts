/**
 * Stored objects on MongoDB: `objects` collection of the group's database, documents
 * { _id: key, col, raw, meta } (see ../objects.ts). The raw driver, not mongoose: no hydration
 * cost on the bulk paths, and the exact JSON text is kept as a string.
 *
 * Indexes (named; each query below says which one it relies on):
 *   col_added      { col, meta.added, _id }       objects/manifest pages (keyset)
 *   col_id_ver     { col, meta.id, meta.ver }     object, versions, version resolution, delete
 *   col_type_added { col, meta.type, meta.added } match[type] pages, findByType
 *   added_key      { meta.added, _id }            correlation: new objects since the checkpoint
 *   keys_added     { meta.keys, meta.added }      correlation: reports of an observable since a date
 *   links          { meta.links }                 correlation: relationships/sightings touching ids
 */
import type { Collection, Db, Filter } from 'mongodb';
import type { AddResult, ObjectsRepository } from '../contract';
import {
  addDrafts, keepVersions, keysetPage, latestVersions, WriteHorizon,
  type ObjectDoc, type ObjectDraft, type ObjectQuery, type Page, type Viewer,
} from '../objects';
import { ensureIndexes } from './indexes';
import { INSERT_MANY } from './writes';

export async function ensureObjectIndexes(db: Db): Promise<void> {
  await ensureIndexes(db.collection('objects'), [
    { key: { col: 1, 'meta.added': 1, _id: 1 }, name: 'col_added' },
    { key: { col: 1, 'meta.id': 1, 'meta.ver': 1 }, name: 'col_id_ver' },
    { key: { col: 1, 'meta.type': 1, 'meta.added': 1 }, name: 'col_type_added' },
    { key: { 'meta.added': 1, _id: 1 }, name: 'added_key' },
    { key: { 'meta.keys': 1, 'meta.added': 1 }, name: 'keys_added' },
    { key: { 'meta.links': 1 }, name: 'links' },
  ]);
}

/** Keyset condition after (added, key); MongoDB bounds this `$or` with the compound index. */
export function afterCursor(after: { added: string; key: string }): Filter<ObjectDoc> {
  return { $or: [{ 'meta.added': { $gt: after.added } }, { 'meta.added': after.added, _id: { $gt: after.key } }] } as Filter<ObjectDoc>;
}

/** Duplicate-key write errors of an unordered insertMany: the indexes of the docs already stored. */
export function duplicateIndexes(err: unknown): number[] {
  const writeErrors = (err as { writeErrors?: { code?: number; index?: number; err?: { index?: number; code?: number } }[] }).writeErrors;
  if (!writeErrors) throw err;
  return writeErrors.map((we) => {
    const code = we.code ?? we.err?.code;
    const index = we.index ?? we.err?.index;
    if (code !== 11000 || index === undefined) throw err;
    return index;
  });
}

export class MongoObjects implements ObjectsRepository {
  private readonly objects: Collection<ObjectDoc>;
  private readonly horizon: WriteHorizon;

  constructor(db: Db, readSettleMs = 0) {
    this.objects = db.collection<ObjectDoc>('objects');
    this.horizon = new WriteHorizon(readSettleMs);
  }

  async add(drafts: ObjectDraft[]): Promise<AddResult> {
    return addDrafts(this.horizon, drafts, (docs) => this.insert(docs));
  }

  private async insert(docs: ObjectDoc[]): Promise<Set<string>> {
    const existing = new Set<string>();
    if (docs.length === 0) return existing;
    try {
      await this.objects.insertMany(docs, INSERT_MANY);
    } catch (err) {
      for (const i of duplicateIndexes(err)) existing.add(docs[i]!._id);
    }
    return existing;
  }

  async importDocs(docs: ObjectDoc[]): Promise<number> {
    return docs.length - (await this.insert(docs)).size;
  }

  private baseFilter(q: Omit<ObjectQuery, 'limit' | 'after' | 'versions'>): Record<string, unknown> {
    const f: Record<string, unknown> = { col: q.collection };
    if (q.ids?.length) f['meta.id'] = q.ids.length === 1 ? q.ids[0] : { $in: q.ids };
    if (q.types?.length) f['meta.type'] = q.types.length === 1 ? q.types[0] : { $in: q.types };
    if (q.specVersions?.length) f['meta.sv'] = { $in: q.specVersions };
    // TLP: restricted objects only for the organisations named in readers.
    f.$or = [{ 'meta.restricted': false }, { 'meta.readers': q.viewer.organisation }];
    return f;
  }

  /** Index col_added (col_type_added with match[type], col_id_ver with match[id]). */
  async page(q: ObjectQuery): Promise<Page> {
    const base = this.baseFilter(q);
    const stop = this.horizon.stopAt();
    const read = (after: { added: string; key: string } | undefined, limit: number) => {
      const f: Record<string, unknown> = { ...base };
      const added: Record<string, string> = {};
      if (q.addedAfter) added.$gt = q.addedAfter;
      if (stop) added.$lt = stop;
      if (Object.keys(added).length) f['meta.added'] = added;
      if (after) f.$and = [afterCursor(after)];
      return this.objects.find(f as Filter<ObjectDoc>, { sort: { 'meta.added': 1, _id: 1 }, limit }).toArray();
    };
    return keysetPage(q, read, q.versions.all ? undefined : (batch) => this.keep(q, batch));
  }

  /** match[version] first/last, resolved against all visible versions of each id (index col_id_ver). */
  private async keep(q: ObjectQuery, batch: ObjectDoc[]): Promise<ObjectDoc[]> {
    const v = q.versions as { all: false; first: boolean; last: boolean; exact: string[] };
    if (!v.first && !v.last) return batch.filter((d) => v.exact.includes(d.meta.ver));
    const ids = [...new Set(batch.map((d) => d.meta.id))];
    const bounds = new Map<string, { first: string; last: string }>();
    const all = this.objects.find(this.baseFilter({ ...q, ids }) as Filter<ObjectDoc>, { projection: { 'meta.id': 1, 'meta.ver': 1 } });
    for await (const d of all) {
      const b = bounds.get(d.meta.id);
      if (!b) bounds.set(d.meta.id, { first: d.meta.ver, last: d.meta.ver });
      else {
        if (d.meta.ver < b.first) b.first = d.meta.ver;
        if (d.meta.ver > b.last) b.last = d.meta.ver;
      }
    }
    return keepVersions(batch, v, bounds);
  }

  /** Index col_id_ver. */
  async findVersions(collection: string, id: string, viewer: Viewer): Promise<ObjectDoc[]> {
    return this.objects.find(this.baseFilter({ collection, viewer, ids: [id] }) as Filter<ObjectDoc>).toArray();
  }

  /** Index col_id_ver. */
  async findLatest(collection: string, ids: string[], viewer: Viewer): Promise<ObjectDoc[]> {
    // No ids means none, not "no id filter" (which baseFilter reads it as).
    if (ids.length === 0) return [];
    return latestVersions(await this.objects.find(this.baseFilter({ collection, viewer, ids }) as Filter<ObjectDoc>).toArray());
  }

  /** Index col_type_added, one prefix per collection of the group. */
  async findByType(type: string): Promise<ObjectDoc[]> {
    const cols = (await this.objects.db.collection<{ _id: string }>('collections').distinct('_id')) as string[];
    return this.objects.find({ col: { $in: cols }, 'meta.type': type, 'meta.restricted': false } as Filter<ObjectDoc>).toArray();
  }

  async deleteByKeys(keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return (await this.objects.deleteMany({ _id: { $in: keys } })).deletedCount;
  }

  async count(collection?: string): Promise<number> {
    return this.objects.countDocuments(collection ? { col: collection } : {});
  }

  /** Index col_added { col, meta.added }, the viewer rule on the documents. */
  async countAdded(q: { collections: string[]; viewer: Viewer; from: string; to: string }): Promise<number> {
    if (q.collections.length === 0) return 0;
    return this.objects.countDocuments({
      col: { $in: q.collections },
      'meta.added': { $gte: q.from, $lt: q.to },
      $or: [{ 'meta.restricted': false }, { 'meta.readers': q.viewer.organisation }],
    } as Filter<ObjectDoc>);
  }

  /** Index added_key. */
  async scan(after: { added: string; key: string } | undefined, limit: number): Promise<ObjectDoc[]> {
    return this.objects.find(after ? afterCursor(after) : {}, { sort: { 'meta.added': 1, _id: 1 }, limit }).toArray();
  }
}
