/**
 * The engine's GraphLoader over the database (contract in preload.ts and docs/correlation.md).
 * Reads only the trust group's own database, and of it only the input collections (everything
 * but `alerts`, so alerts never feed the next run). Other groups contribute counts only
 * (countObservableKeysElsewhere), never objects.
 *
 * Two strategies, same answers:
 * - `indexed` (MongoDB): each GraphLoader call is a few `$in` queries over a named index
 *   (col_id_ver, links, keys_added), chunked so no query carries more than CHUNK values.
 * - `snapshot` (the embedded FerretDB, where every non-_id query scans the whole table and a
 *   large `$in` is evaluated value by value): one pass over the group's input collections, then
 *   every call is answered from memory. A run costs one scan instead of eight.
 */
import { BSON, type Collection, type Db, type Filter } from 'mongodb';
import type { ObjectDoc } from '../storage/objects';
import type { Checkpoint } from '../jobs/runs';
import type { GraphLoader } from './preload';
import type { PhaseTimes } from './phases';
import type { ExternalObservation, StixObject, StoredObject } from './types';

export type LoaderStrategy = 'indexed' | 'snapshot';

const CHUNK = 1000;
/** Documents per snapshot batch (~1 KB each): small enough to overlap, large enough to be few round trips. */
const SNAPSHOT_BATCH = 5000;
/** Fields the snapshot never reads; left on the server (less to send, decode and hold). */
const SNAPSHOT_PROJECTION = { col: 0, 'meta.type': 0, 'meta.sv': 0, 'meta.verRaw': 0, 'meta.sub': 0, 'meta.restricted': 0 } as const;

export interface CorrelationStore extends GraphLoader {
  /** Objects of the input collections after `after` and before `until`, in (date_added, key) order. */
  newObjects(after: Checkpoint | undefined, until: string, limit: number): Promise<{ objects: StoredObject[]; last?: Checkpoint }>;
}

export interface OtherGroup {
  name: string;
  db: Db;
  /** Its alerts collection, left out of the counts. */
  alertsCol: string;
}

export interface LoaderDeps {
  group: string;
  db: Db;
  inputCols: string[];
  others: OtherGroup[];
  strategy: LoaderStrategy;
  phases?: PhaseTimes;
}

/** Link ends as stored in meta.links (and as preload.ts follows them). */
export function linkEndsOf(stix: Record<string, unknown>): string[] {
  if (stix.type === 'relationship') return [stix.source_ref, stix.target_ref].filter((x): x is string => typeof x === 'string');
  if (stix.type === 'sighting') {
    const w = Array.isArray(stix.where_sighted_refs) ? stix.where_sighted_refs : [];
    return [stix.sighting_of_ref, ...w].filter((x): x is string => typeof x === 'string');
  }
  return [];
}

export function toStored(doc: ObjectDoc, group: string): StoredObject {
  const m = doc.meta;
  return {
    stix: JSON.parse(doc.raw) as StixObject,
    meta: {
      date_added: m.added,
      organisation: m.org,
      // A released copy is the originating group's report, readable here because it was released.
      group: m.origin ? m.origin.group : group,
      tlp: m.tlp,
      readers: m.readers,
      ...(m.origin ? { released_to: [group] } : {}),
    },
  };
}

/** toStored over a list, timed as "parse" (JSON.parse of the stored texts dominates it). */
function storedAll(docs: Iterable<ObjectDoc>, d: LoaderDeps): StoredObject[] {
  const stop = d.phases?.start('parse');
  const out: StoredObject[] = [];
  for (const x of docs) out.push(toStored(x, d.group));
  stop?.();
  return out;
}

function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

/** Latest stored version per STIX id (the same id may sit in several collections). */
function latest(docs: Iterable<ObjectDoc>): ObjectDoc[] {
  const by = new Map<string, ObjectDoc>();
  for (const d of docs) {
    const p = by.get(d.meta.id);
    if (!p || d.meta.ver > p.meta.ver || (d.meta.ver === p.meta.ver && d.meta.added > p.meta.added)) by.set(d.meta.id, d);
  }
  return [...by.values()];
}

function afterFilter(after: Checkpoint | undefined, until: string): Record<string, unknown> {
  const f: Record<string, unknown> = { 'meta.added': { $lt: until, ...(after ? { $gte: after.added } : {}) } };
  if (after) f.$or = [{ 'meta.added': { $gt: after.added } }, { 'meta.added': after.added, _id: { $gt: after.key } }];
  return f;
}

function isAfter(d: ObjectDoc, after: Checkpoint | undefined, until: string): boolean {
  if (d.meta.added >= until) return false;
  if (!after) return true;
  return d.meta.added > after.added || (d.meta.added === after.added && d._id > after.key);
}

const byAddedThenKey = (a: ObjectDoc, b: ObjectDoc) =>
  a.meta.added < b.meta.added ? -1 : a.meta.added > b.meta.added ? 1 : a._id < b._id ? -1 : a._id > b._id ? 1 : 0;

/**
 * Another group's reports count only when TLP:CLEAR: even a count tells the asking group that
 * someone holds a report, and GREEN, unmarked and stricter data stay in their own community.
 */
const SHAREABLE = { 'meta.tlp': 'clear', 'meta.restricted': false } as const;

const EXTERNAL_PROJECTION = { _id: 1, col: 1, 'meta.keys': 1, 'meta.org': 1, 'meta.added': 1, 'meta.origin': 1 } as const;

/** Per (other group, key): organisations, count, last_seen. Copies released from `group` do not count. */
async function countElsewhere(d: LoaderDeps, keys: string[], since: string): Promise<ExternalObservation[]> {
  const stop = d.phases?.start('other groups');
  const wanted = new Set(keys);
  const rows = new Map<string, ExternalObservation & { orgs: Set<string> }>();
  for (const other of d.others) {
    const c = other.db.collection<ObjectDoc>('objects');
    const filters: Filter<ObjectDoc>[] =
      d.strategy === 'indexed'
        ? chunks(keys).map((k) => ({ 'meta.keys': { $in: k }, 'meta.added': { $gte: since }, ...SHAREABLE }) as Filter<ObjectDoc>)
        : [{ 'meta.added': { $gte: since }, 'meta.keys.0': { $exists: true }, ...SHAREABLE } as Filter<ObjectDoc>];
    const seen = new Set<string>();
    for (const f of filters) {
      for await (const doc of c.find(f, { projection: EXTERNAL_PROJECTION })) {
        if (seen.has(doc._id) || doc.col === other.alertsCol || doc.meta.origin?.group === d.group) continue;
        seen.add(doc._id);
        for (const key of doc.meta.keys ?? []) {
          if (!wanted.has(key)) continue;
          const id = `${other.name}\u0000${key}`;
          let r = rows.get(id);
          if (!r) rows.set(id, (r = { key, group: other.name, organisations: [], count: 0, last_seen: doc.meta.added, orgs: new Set() }));
          r.orgs.add(doc.meta.org);
          r.count++;
          if (doc.meta.added > r.last_seen) r.last_seen = doc.meta.added;
        }
      }
    }
  }
  stop?.();
  return [...rows.values()].map(({ orgs, ...r }) => ({ ...r, organisations: [...orgs].sort() }));
}

class IndexedStore implements CorrelationStore {
  private readonly c: Collection<ObjectDoc>;
  constructor(private readonly d: LoaderDeps) {
    this.c = d.db.collection<ObjectDoc>('objects');
  }

  private async find(field: string, values: string[], extra: Record<string, unknown> = {}): Promise<ObjectDoc[]> {
    const out: ObjectDoc[] = [];
    for (const chunk of chunks([...new Set(values)])) {
      const f = { col: { $in: this.d.inputCols }, [field]: { $in: chunk }, ...extra } as Filter<ObjectDoc>;
      out.push(...(await this.c.find(f).toArray()));
    }
    return out;
  }

  async newObjects(after: Checkpoint | undefined, until: string, limit: number) {
    const f = { col: { $in: this.d.inputCols }, ...afterFilter(after, until) } as Filter<ObjectDoc>;
    const docs = await this.c.find(f, { sort: { 'meta.added': 1, _id: 1 }, limit }).toArray();
    const last = docs[docs.length - 1];
    return { objects: latestFirst(docs, this.d), last: last && { added: last.meta.added, key: last._id } };
  }

  async getByIds(_group: string, ids: string[]) {
    return storedAll(latest(await this.find('meta.id', ids)), this.d);
  }

  async getLinksTouching(_group: string, ids: string[]) {
    return storedAll(latest(await this.find('meta.links', ids)), this.d);
  }

  async getByObservableKeys(_group: string, keys: string[], since: string) {
    return storedAll(latest(await this.find('meta.keys', keys, { 'meta.added': { $gte: since } })), this.d);
  }

  countObservableKeysElsewhere(_group: string, keys: string[], since: string) {
    return countElsewhere(this.d, keys, since);
  }
}

/** New objects of a batch: one (the latest) version per id, in arrival order. */
function latestFirst(docs: ObjectDoc[], d: LoaderDeps): StoredObject[] {
  const keep = new Set(latest(docs));
  return storedAll(docs.filter((x) => keep.has(x)), d);
}

class SnapshotStore implements CorrelationStore {
  private loaded?: Promise<void>;
  private all: ObjectDoc[] = [];
  private readonly byId = new Map<string, ObjectDoc>();
  private readonly byLink = new Map<string, ObjectDoc[]>();
  private readonly byKey = new Map<string, ObjectDoc[]>();

  constructor(private readonly d: LoaderDeps) {}

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      const stop = this.d.phases?.start('snapshot read');
      const c = this.d.db.collection<ObjectDoc>('objects');
      const push = (m: Map<string, ObjectDoc[]>, k: string, doc: ObjectDoc) => {
        const l = m.get(k);
        if (l) l.push(doc);
        else m.set(k, [doc]);
      };
      const index = (doc: ObjectDoc) => {
        this.all.push(doc);
        const p = this.byId.get(doc.meta.id);
        if (!p || doc.meta.ver > p.meta.ver || (doc.meta.ver === p.meta.ver && doc.meta.added > p.meta.added)) this.byId.set(doc.meta.id, doc);
        for (const l of doc.meta.links ?? []) push(this.byLink, l, doc);
        for (const k of doc.meta.keys ?? []) push(this.byKey, k, doc);
      };
      // Raw batches, decoded here while the server already produces the next one: on FerretDB the
      // scan is the bulk of a run, and this overlaps our decoding and indexing with it.
      const cursor = c.find({ col: { $in: this.d.inputCols } } as Filter<ObjectDoc>, { raw: true, batchSize: SNAPSHOT_BATCH, projection: SNAPSHOT_PROJECTION });
      try {
        let more = cursor.hasNext();
        while (await more) {
          const batch = cursor.readBufferedDocuments() as unknown as Uint8Array[];
          more = cursor.hasNext();
          more.catch(() => undefined); // awaited on the next turn; a failure meanwhile is not unhandled
          // Let the driver send the getMore before this batch is decoded.
          await new Promise((resolve) => setImmediate(resolve));
          for (const bytes of batch) index(BSON.deserialize(bytes) as ObjectDoc);
        }
      } finally {
        await cursor.close();
      }
      this.all.sort(byAddedThenKey);
      stop?.();
    })();
    return this.loaded;
  }

  async newObjects(after: Checkpoint | undefined, until: string, limit: number) {
    await this.load();
    // Binary search for the first object after the checkpoint.
    let lo = 0;
    let hi = this.all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (isAfter(this.all[mid]!, after, '\uffff')) hi = mid;
      else lo = mid + 1;
    }
    const docs: ObjectDoc[] = [];
    for (let i = lo; i < this.all.length && docs.length < limit && isAfter(this.all[i]!, after, until); i++) docs.push(this.all[i]!);
    const last = docs[docs.length - 1];
    return { objects: latestFirst(docs, this.d), last: last && { added: last.meta.added, key: last._id } };
  }

  async getByIds(_group: string, ids: string[]) {
    await this.load();
    return storedAll(ids.map((id) => this.byId.get(id)).filter((x): x is ObjectDoc => !!x), this.d);
  }

  async getLinksTouching(_group: string, ids: string[]) {
    await this.load();
    const hits = new Set<ObjectDoc>();
    for (const id of ids) for (const doc of this.byLink.get(id) ?? []) hits.add(doc);
    return storedAll(latest(hits), this.d);
  }

  async getByObservableKeys(_group: string, keys: string[], since: string) {
    await this.load();
    const hits = new Set<ObjectDoc>();
    for (const k of keys) for (const doc of this.byKey.get(k) ?? []) if (doc.meta.added >= since) hits.add(doc);
    return storedAll(latest(hits), this.d);
  }

  countObservableKeysElsewhere(_group: string, keys: string[], since: string) {
    return countElsewhere(this.d, keys, since);
  }
}

export function createStore(d: LoaderDeps): CorrelationStore {
  return d.strategy === 'snapshot' ? new SnapshotStore(d) : new IndexedStore(d);
}

/** FerretDB answers buildInfo with its own fields; every query there is a table scan. */
export async function detectStrategy(db: Db): Promise<LoaderStrategy> {
  try {
    const info = (await db.command({ buildInfo: 1 })) as Record<string, unknown>;
    return Object.keys(info).some((k) => k.toLowerCase().includes('ferretdb')) ? 'snapshot' : 'indexed';
  } catch {
    return 'indexed';
  }
}
