/**
 * Stored STIX objects, the same on every backend. One row per (collection, object id, version):
 *   { _id: "<collection>|<id>|<version part>", col, raw, meta }
 * `raw` is the object's exact JSON text as received (custom properties included): it comes back
 * as sent. `meta` is server-owned and never read from the request. The deterministic key makes
 * re-posting an identical object a no-op.
 */
import type { Tlp } from '../stix/markings';
import { formatMicros, reserveMicros } from './clock';

export interface Provenance {
  group: string;
  subject: string;
  organisation: string;
}

/** Where a subscription fetched an object: its id, the source URL (never its credentials) and when. */
export interface FeedProvenance {
  subscription: string;
  source: string;
  fetched: string;
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
  /** Set on objects pulled by a subscription (server/feeds/). */
  feed?: FeedProvenance;
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

/**
 * An object to store, before the repository gives it a date_added. `ver`/`verRaw` are absent
 * for objects without a version (SCOs): they are versioned by their date_added.
 */
export interface ObjectDraft {
  col: string;
  raw: string;
  meta: Omit<ObjectMeta, 'added' | 'ver' | 'verRaw'> & { ver?: string; verRaw?: string };
  /** Last part of the key: the normalised version, or a content hash for unversioned objects. */
  versionPart: string;
  /**
   * The object's search text (searchTextOf), when whoever built the draft had the object parsed
   * anyway (ingestion): a backend that stores it then need not parse `raw` again.
   */
  words?: string | null;
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
  /** Keyset cursor: the last (added, key) already returned. */
  after?: { added: string; key: string };
  limit: number;
}

export interface Page {
  docs: ObjectDoc[];
  more: boolean;
}

/** The key shape, written once: "<collection>|<id>|<version part>". */
export function objectKey(collection: string, id: string, versionPart: string): string {
  return `${collection}|${id}|${versionPart}`;
}

export function draftKey(d: ObjectDraft): string {
  return objectKey(d.col, d.meta.id, d.versionPart);
}

/** The version part of a stored key (a copy into another collection keeps it). */
export function versionPartOf(doc: ObjectDoc): string {
  return doc._id.slice(doc._id.lastIndexOf('|') + 1);
}

/**
 * The stored document for a draft given its date_added: the one place documents are built.
 * Fields are set one by one (no object spread: this runs for every object ingested), and absent
 * optional ones stay absent, so a document equals what either backend reads back.
 */
export function newObjectDoc(d: ObjectDraft, added: string): ObjectDoc {
  const m = d.meta;
  const meta: ObjectMeta = {
    id: m.id,
    type: m.type,
    sv: m.sv,
    ver: m.ver ?? `${added.slice(0, 26)}000Z`,
    verRaw: m.verRaw ?? added,
    added,
    sub: m.sub,
    org: m.org,
    tlp: m.tlp,
    readers: m.readers,
    restricted: m.restricted,
  };
  if (m.origin !== undefined) meta.origin = m.origin;
  if (m.feed !== undefined) meta.feed = m.feed;
  if (m.keys !== undefined) meta.keys = m.keys;
  if (m.links !== undefined) meta.links = m.links;
  const doc: ObjectDoc = { _id: draftKey(d), col: d.col, raw: d.raw, meta };
  if (d.words !== undefined) SEARCH_TEXT.set(doc, d.words);
  return doc;
}

/**
 * Search text of documents built from drafts that carried it, beside the document rather than in
 * it, so that a document still equals what a backend reads back.
 */
const SEARCH_TEXT = new WeakMap<ObjectDoc, string | null>();

/** The search text newObjectDoc was given for `doc`, or undefined when it was not. */
export function knownSearchText(doc: ObjectDoc): string | null | undefined {
  return SEARCH_TEXT.get(doc);
}

/**
 * The searchable text of a STIX object: its name, description, aliases and labels, joined by
 * spaces; NUL (which a PostgreSQL text column refuses) becomes a space; null when there is none.
 */
export function searchTextOf(x: Record<string, unknown>): string | null {
  const parts: string[] = [];
  for (const v of [x.name, x.description, x.aliases, x.labels]) {
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) for (const e of v) if (typeof e === 'string') parts.push(e);
  }
  if (parts.length === 0) return null;
  const s = parts.join(' ');
  return s.indexOf('\u0000') < 0 ? s : s.replaceAll('\u0000', ' ');
}

/**
 * date_added values of this process's writes still in flight in one group: keyset readers never
 * move past the oldest, so a page sequence cannot skip an object that commits late. With
 * several hub instances, `readSettleMs` keeps reads that far behind now as well.
 */
export class WriteHorizon {
  private readonly writes = new Map<string, number>();
  constructor(private readonly readSettleMs = 0) {}

  begin(firstAdded: string): () => void {
    this.writes.set(firstAdded, (this.writes.get(firstAdded) ?? 0) + 1);
    return () => {
      const n = this.writes.get(firstAdded) ?? 1;
      if (n <= 1) this.writes.delete(firstAdded);
      else this.writes.set(firstAdded, n - 1);
    };
  }

  /** Pages never pass this point (exclusive), or undefined for no bound. */
  stopAt(): string | undefined {
    let local: string | undefined;
    for (const added of this.writes.keys()) if (local === undefined || added < local) local = added;
    if (this.readSettleMs <= 0) return local;
    const settled = formatMicros(BigInt(Date.now() - this.readSettleMs) * 1000n);
    return local !== undefined && local < settled ? local : settled;
  }
}

/** Latest version of each id among docs (ties on version: the later date_added). */
export function latestVersions(docs: Iterable<ObjectDoc>): ObjectDoc[] {
  const by = new Map<string, ObjectDoc>();
  for (const d of docs) {
    const p = by.get(d.meta.id);
    if (!p || d.meta.ver > p.meta.ver || (d.meta.ver === p.meta.ver && d.meta.added > p.meta.added)) by.set(d.meta.id, d);
  }
  return [...by.values()];
}

/** Version bounds per id, for match[version]=first/last. */
export function keepVersions(
  batch: ObjectDoc[],
  v: { first: boolean; last: boolean; exact: string[] },
  bounds: Map<string, { first: string; last: string }>,
): ObjectDoc[] {
  return batch.filter((d) => {
    if (v.exact.includes(d.meta.ver)) return true;
    const b = bounds.get(d.meta.id);
    return !!b && ((v.first && d.meta.ver === b.first) || (v.last && d.meta.ver === b.last));
  });
}

/**
 * The keyset page loop both backends share: reads batches after the cursor, keeps what the
 * version filter keeps, and stops at limit + 1 (so `more` is known without a count).
 * `read(after, batchSize)` returns rows in (date_added, key) order; `keep` filters a batch
 * (match[version] first/last needs every version of the batch's ids, so batches are >= 64).
 */
export async function keysetPage(
  q: ObjectQuery,
  read: (after: { added: string; key: string } | undefined, batchSize: number) => Promise<ObjectDoc[]>,
  keep?: (batch: ObjectDoc[]) => Promise<ObjectDoc[]>,
): Promise<Page> {
  const out: ObjectDoc[] = [];
  let after = q.after;
  for (;;) {
    const want = q.limit + 1 - out.length;
    const batchSize = keep ? Math.max(want, 64) : want;
    const batch = await read(after, batchSize);
    for (const d of keep ? await keep(batch) : batch) {
      out.push(d);
      if (out.length > q.limit) return { docs: out.slice(0, q.limit), more: true };
    }
    if (batch.length < batchSize) return { docs: out, more: false };
    const last = batch[batch.length - 1]!;
    after = { added: last.meta.added, key: last._id };
  }
}

/**
 * The write path of `ObjectsRepository.add()`, the same on every backend: drafts repeating a key
 * are stored once, date_added values are reserved for the batch (unique and increasing in this
 * process), keyset readers stay behind the write while it is in flight, and `insert` (the
 * backend's unordered bulk insert) says which keys were already stored.
 */
export async function addDrafts(
  horizon: WriteHorizon,
  drafts: ObjectDraft[],
  insert: (docs: ObjectDoc[]) => Promise<Set<string>>,
): Promise<{ docs: ObjectDoc[]; existing: Set<string> }> {
  const seen = new Set<string>();
  const unique = drafts.filter((d) => {
    const k = draftKey(d);
    return seen.has(k) ? false : (seen.add(k), true);
  });
  let micros = reserveMicros(unique.length);
  const done = horizon.begin(formatMicros(micros));
  try {
    const docs = unique.map((d) => newObjectDoc(d, formatMicros(micros++)));
    return { docs, existing: await insert(docs) };
  } finally {
    done();
  }
}
