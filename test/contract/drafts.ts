/**
 * Objects to store and queries to read them, for the contract suites: drafts as the ingest path
 * builds them (meta beside the raw JSON text), and a keyset walk over every page of a query.
 */
import crypto from 'node:crypto';
import { versionKey } from '../../server/storage/clock';
import type { Storage } from '../../server/storage/contract';
import type { ObjectDoc, ObjectDraft, ObjectQuery, Provenance, Viewer } from '../../server/storage/objects';

let serial = 0;

export interface DraftOpts {
  type?: string;
  id?: string;
  modified?: string;
  org?: string;
  readers?: string[];
  tlp?: 'clear' | 'green' | 'amber' | 'red' | null;
  sv?: string;
  keys?: string[];
  links?: string[];
  origin?: Provenance;
  raw?: string;
}

export function draft(col: string, o: DraftOpts = {}): ObjectDraft {
  const type = o.type ?? 'indicator';
  const id = o.id ?? `${type}--${crypto.randomUUID()}`;
  const modified = o.modified ?? '2026-01-01T00:00:00.000Z';
  const ver = versionKey(modified)!;
  const raw = o.raw ?? JSON.stringify({ type, spec_version: o.sv ?? '2.1', id, created: modified, modified, name: `object ${serial++}` });
  return {
    col,
    raw,
    versionPart: ver,
    meta: {
      id,
      type,
      sv: o.sv ?? '2.1',
      ver,
      verRaw: modified,
      sub: 'alice',
      org: o.org ?? 'cert-a',
      tlp: o.tlp === undefined ? 'green' : o.tlp,
      readers: o.readers ?? [],
      restricted: (o.readers ?? []).length > 0,
      ...(o.origin ? { origin: o.origin } : {}),
      ...(o.keys ? { keys: o.keys } : {}),
      ...(o.links ? { links: o.links } : {}),
    },
  };
}

export function drafts(col: string, n: number, o: DraftOpts = {}): ObjectDraft[] {
  return Array.from({ length: n }, () => draft(col, o));
}

export const A: Viewer = { organisation: 'cert-a' };
export const B: Viewer = { organisation: 'cert-b' };
export const ALL = { all: true } as const;
export const NO_VERSIONS = { all: false as const, first: false, last: false, exact: [] as string[] };

export function query(collection: string, extra: Partial<ObjectQuery> = {}): ObjectQuery {
  return { collection, viewer: A, versions: ALL, limit: 100, ...extra };
}

export function cursorOf(d: ObjectDoc): { added: string; key: string } {
  return { added: d.meta.added, key: d._id };
}

/** Every page of `q` from its cursor, following `more`; each page must be full unless it is the last. */
export async function pageAll(s: Storage, group: string, q: ObjectQuery): Promise<ObjectDoc[]> {
  const out: ObjectDoc[] = [];
  let after = q.after;
  for (let i = 0; i < 10_000; i++) {
    const p = await s.group(group).objects.page({ ...q, after });
    out.push(...p.docs);
    if (!p.more) return out;
    expect(p.docs).toHaveLength(q.limit);
    after = cursorOf(p.docs[p.docs.length - 1]!);
  }
  throw new Error('too many pages');
}

export function ids(docs: ObjectDoc[]): string[] {
  return docs.map((d) => d._id);
}

/** (date_added, key) order, as pages and scans return documents. */
export function byAddedKey(x: ObjectDoc, y: ObjectDoc): number {
  if (x.meta.added !== y.meta.added) return x.meta.added < y.meta.added ? -1 : 1;
  return x._id < y._id ? -1 : x._id > y._id ? 1 : 0;
}

/** Keys whose value is undefined or null anywhere in a document (null allowed only where named). */
export function emptyKeys(value: unknown, allowNull: readonly string[] = [], at = ''): string[] {
  if (!value || typeof value !== 'object' || value instanceof Date) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const path = at ? `${at}.${k}` : k;
    if (v === undefined || (v === null && !allowNull.includes(path))) out.push(path);
    else out.push(...emptyKeys(v, allowNull, path));
  }
  return out;
}
