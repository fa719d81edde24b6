/**
 * STIX objects of one trust group's database. One document per (collection, object id, version):
 *   { _id: "<collection>|<id>|<version>", col, raw, meta }
 * `raw` is the object's exact JSON text as received (custom properties included): it comes back
 * as sent, whatever keys or nested arrays it holds. `meta` is server-owned and never read from
 * the request. The deterministic `_id` makes re-posting an identical object a no-op.
 *
 * Indexes (MongoDB; see ensureObjectIndexes):
 *   col_added     { col, meta.added, _id }      objects/manifest pages (keyset)
 *   col_id_ver    { col, meta.id, meta.ver }    object, versions, version resolution, delete
 *   col_type_added{ col, meta.type, meta.added } match[type] pages
 *   keys_added    { meta.keys, meta.added }     correlation: reports of an observable since a date
 *   links         { meta.links }                correlation: relationships/sightings touching ids
 */
import type { Collection, Db, Filter } from 'mongodb';
import { ensureIndexes } from './indexes';
import { formatMicros } from './clock';
import type { Tlp } from '../auth/tlp';

export interface Provenance {
  group: string;
  subject: string;
  organisation: string;
}

export interface ObjectMeta {
  id: string;
  type: string;
  /** spec_version ("2.1" when the object omits it, as SCOs may). */
  sv: string;
  /** Version, normalised to 9 fraction digits so that it sorts; verRaw is the text to show. */
  ver: string;
  verRaw: string;
  /** TAXII date_added, fixed-width microseconds. */
  added: string;
  /** Who submitted it (from the token, never from the body). */
  sub: string;
  org: string;
  tlp: Tlp | null;
  /** Organisations that may read it; empty = the whole trust group. */
  readers: string[];
  restricted: boolean;
  /** Set on objects released from another trust group. */
  origin?: Provenance;
  /** Normalised observable keys (correlation), e.g. "ipv4:198.51.100.7". */
  keys?: string[];
  /** Ends of a relationship (source_ref, target_ref) or sighting (sighting_of_ref, where_sighted_refs), for correlation. */
  links?: string[];
}

export interface ObjectDoc {
  _id: string;
  col: string;
  raw: string;
  meta: ObjectMeta;
}

export type VersionFilter = { all: true } | { all: false; first: boolean; last: boolean; exact: string[] };

export interface Viewer {
  organisation: string;
}

export interface ObjectQuery {
  collection: string;
  viewer: Viewer;
  ids?: string[];
  types?: string[];
  specVersions?: string[];
  versions: VersionFilter;
  addedAfter?: string;
  /** Keyset cursor: the last (added, _id) already returned. */
  after?: { added: string; key: string };
  limit: number;
}

export interface Page {
  docs: ObjectDoc[];
  more: boolean;
}

export function objectKey(collection: string, id: string, version: string): string {
  return `${collection}|${id}|${version}`;
}

export async function ensureObjectIndexes(db: Db): Promise<void> {
  await ensureIndexes(db.collection('objects'), [
    { key: { col: 1, 'meta.added': 1, _id: 1 }, name: 'col_added' },
    { key: { col: 1, 'meta.id': 1, 'meta.ver': 1 }, name: 'col_id_ver' },
    { key: { col: 1, 'meta.type': 1, 'meta.added': 1 }, name: 'col_type_added' },
    // Correlation (server/correlation/loader.ts): stored reports of an observable, links touching an object.
    { key: { 'meta.keys': 1, 'meta.added': 1 }, name: 'keys_added' },
    { key: { 'meta.links': 1 }, name: 'links' },
  ]);
}

/** date_added values of writes not yet acknowledged, per database: reads stop before the oldest. */
const inflight = new Map<string, Map<string, number>>();

function horizon(dbName: string): string | undefined {
  const writes = inflight.get(dbName);
  if (!writes || writes.size === 0) return undefined;
  let min: string | undefined;
  for (const added of writes.keys()) if (min === undefined || added < min) min = added;
  return min;
}

export class ObjectsRepository {
  private readonly objects: Collection<ObjectDoc>;

  constructor(
    private readonly db: Db,
    /** PUENTE_READ_SETTLE_MS: pages stop this long before now (writes of other hub instances). */
    private readonly readSettleMs = 0,
  ) {
    this.objects = db.collection<ObjectDoc>('objects');
  }

  /** Pages never pass this point: the oldest write in flight here, or now minus the settle time. */
  private stopAt(): string | undefined {
    const local = horizon(this.db.databaseName);
    if (this.readSettleMs <= 0) return local;
    const settled = formatMicros(BigInt(Date.now() - this.readSettleMs) * 1000n);
    return local !== undefined && local < settled ? local : settled;
  }

  /**
   * Registers a write that will use date_added values >= `firstAdded` until `done` is called.
   * Keyset readers in this process never move past an unfinished write, so a page sequence
   * cannot skip an object that commits late.
   */
  beginWrite(firstAdded: string): () => void {
    const name = this.db.databaseName;
    let writes = inflight.get(name);
    if (!writes) inflight.set(name, (writes = new Map()));
    writes.set(firstAdded, (writes.get(firstAdded) ?? 0) + 1);
    return () => {
      const n = writes.get(firstAdded) ?? 1;
      if (n <= 1) writes.delete(firstAdded);
      else writes.set(firstAdded, n - 1);
    };
  }

  /** Inserts; returns the keys that already existed (identical re-posts). Unordered bulk insert. */
  async insert(docs: ObjectDoc[]): Promise<Set<string>> {
    const existing = new Set<string>();
    if (docs.length === 0) return existing;
    try {
      await this.objects.insertMany(docs, { ordered: false });
    } catch (err) {
      const writeErrors = (err as { writeErrors?: { code?: number; index?: number; err?: { index?: number; code?: number } }[] })
        .writeErrors;
      if (!writeErrors) throw err;
      for (const we of writeErrors) {
        const code = we.code ?? we.err?.code;
        const index = we.index ?? we.err?.index;
        if (code !== 11000 || index === undefined) throw err;
        existing.add(docs[index]!._id);
      }
    }
    return existing;
  }

  private baseFilter(q: Omit<ObjectQuery, 'limit' | 'after' | 'versions'>): Filter<ObjectDoc> {
    const f: Record<string, unknown> = { col: q.collection };
    if (q.ids?.length) f['meta.id'] = q.ids.length === 1 ? q.ids[0] : { $in: q.ids };
    if (q.types?.length) f['meta.type'] = q.types.length === 1 ? q.types[0] : { $in: q.types };
    if (q.specVersions?.length) f['meta.sv'] = { $in: q.specVersions };
    // TLP: restricted objects only for the organisations named in readers.
    f.$or = [{ 'meta.restricted': false }, { 'meta.readers': q.viewer.organisation }];
    return f as Filter<ObjectDoc>;
  }

  /** One page in (date_added, _id) order; `more` says whether another matching object exists. */
  async page(q: ObjectQuery): Promise<Page> {
    const base = this.baseFilter(q);
    const stop = this.stopAt();
    const out: ObjectDoc[] = [];
    let after = q.after;
    const exact = q.versions.all ? undefined : q.versions.exact;
    for (;;) {
      const f: Record<string, unknown> = { ...base };
      const added: Record<string, string> = {};
      if (q.addedAfter) added.$gt = q.addedAfter;
      if (stop) added.$lt = stop;
      if (Object.keys(added).length) f['meta.added'] = added;
      if (after) {
        f.$and = [
          {
            $or: [
              { 'meta.added': { $gt: after.added } },
              { 'meta.added': after.added, _id: { $gt: after.key } },
            ],
          },
        ];
      }
      const want = q.limit + 1 - out.length;
      const batchSize = q.versions.all ? want : Math.max(want, 64);
      const batch = await this.objects
        .find(f as Filter<ObjectDoc>, { sort: { 'meta.added': 1, _id: 1 }, limit: batchSize })
        .toArray();
      const kept = q.versions.all ? batch : await this.keepVersions(q, batch, exact ?? []);
      for (const d of kept) {
        out.push(d);
        if (out.length > q.limit) return { docs: out.slice(0, q.limit), more: true };
      }
      if (batch.length < batchSize) return { docs: out, more: false };
      const last = batch[batch.length - 1]!;
      after = { added: last.meta.added, key: last._id };
    }
  }

  /** match[version]: first / last / exact timestamps, resolved against all stored versions of each id. */
  private async keepVersions(q: ObjectQuery, batch: ObjectDoc[], exact: string[]): Promise<ObjectDoc[]> {
    const v = q.versions as { all: false; first: boolean; last: boolean; exact: string[] };
    if (!v.first && !v.last) return batch.filter((d) => exact.includes(d.meta.ver));
    const ids = [...new Set(batch.map((d) => d.meta.id))];
    const bounds = new Map<string, { first: string; last: string }>();
    const all = this.objects.find(this.baseFilter({ ...q, ids }), { projection: { 'meta.id': 1, 'meta.ver': 1 } });
    for await (const d of all) {
      const b = bounds.get(d.meta.id);
      if (!b) bounds.set(d.meta.id, { first: d.meta.ver, last: d.meta.ver });
      else {
        if (d.meta.ver < b.first) b.first = d.meta.ver;
        if (d.meta.ver > b.last) b.last = d.meta.ver;
      }
    }
    return batch.filter((d) => {
      const b = bounds.get(d.meta.id);
      if (exact.includes(d.meta.ver)) return true;
      return !!b && ((v.first && d.meta.ver === b.first) || (v.last && d.meta.ver === b.last));
    });
  }

  /** Visible versions of one object (for DELETE): returns the docs without their raw text. */
  async findVersions(collection: string, id: string, viewer: Viewer): Promise<ObjectDoc[]> {
    return this.objects
      .find(this.baseFilter({ collection, viewer, ids: [id] }), { projection: { raw: 0 } })
      .toArray();
  }

  /** Unrestricted objects of one type in every collection of the group (start-up loads; no index needed). */
  async findByType(type: string): Promise<ObjectDoc[]> {
    return this.objects.find({ 'meta.type': type, 'meta.restricted': false }).toArray();
  }

  /** The latest visible version of each id in a collection (index col_id_ver). */
  async findLatest(collection: string, ids: string[], viewer: Viewer): Promise<ObjectDoc[]> {
    const docs = await this.objects.find(this.baseFilter({ collection, viewer, ids })).toArray();
    const latest = new Map<string, ObjectDoc>();
    for (const d of docs) if (!latest.has(d.meta.id) || d.meta.ver > latest.get(d.meta.id)!.meta.ver) latest.set(d.meta.id, d);
    return [...latest.values()];
  }

  /** Visible versions of one object with their text (for release). */
  async findVersionsWithRaw(collection: string, id: string, viewer: Viewer): Promise<ObjectDoc[]> {
    return this.objects.find(this.baseFilter({ collection, viewer, ids: [id] })).toArray();
  }

  async deleteByKeys(keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const r = await this.objects.deleteMany({ _id: { $in: keys } });
    return r.deletedCount;
  }
}
