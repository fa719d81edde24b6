/**
 * Stored objects as rows of `objects` (see migrations.ts) and back. A row holds the document's
 * fields flat; `raw` is a text column holding the exact JSON text (never jsonb, which would
 * re-serialise it). NULL origin/keys/links mean "absent": the document then has no such key,
 * so documents round-trip exactly as the MongoDB backend returns them.
 */
import type { ObjectDoc, ObjectMeta } from '../objects';

/** Select list in the order rowToDoc reads it. */
export const OBJECT_COLUMNS = 'key, col, id, type, sv, ver, ver_raw, added, sub, org, tlp, readers, restricted, origin, keys, links, raw, feed';

export interface ObjectRow {
  key: string;
  col: string;
  id: string;
  type: string;
  sv: string;
  ver: string;
  ver_raw: string;
  added: string;
  sub: string;
  org: string;
  tlp: string | null;
  readers: string[];
  restricted: boolean;
  origin: ObjectMeta['origin'] | null;
  keys: string[] | null;
  links: string[] | null;
  raw: string;
  feed: ObjectMeta['feed'] | null;
  [column: string]: unknown;
}

export function rowToDoc(r: ObjectRow): ObjectDoc {
  const meta: ObjectMeta = {
    id: r.id,
    type: r.type,
    sv: r.sv,
    ver: r.ver,
    verRaw: r.ver_raw,
    added: r.added,
    sub: r.sub,
    org: r.org,
    tlp: r.tlp as ObjectMeta['tlp'],
    readers: r.readers,
    restricted: r.restricted,
  };
  if (r.origin !== null) meta.origin = r.origin;
  if (r.feed !== null && r.feed !== undefined) meta.feed = r.feed;
  if (r.keys !== null) meta.keys = r.keys;
  if (r.links !== null) meta.links = r.links;
  return { _id: r.key, col: r.col, raw: r.raw, meta };
}

/**
 * A text[] literal; pg passes strings through untouched and the server parses it once. Elements are
 * always quoted (no keyword or delimiter surprises); a loop with indexOf, not map/regex, because
 * this runs for 15 columns of every batch.
 */
export function textArray(xs: readonly (string | null | undefined)[]): string {
  let s = '{';
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (i > 0) s += ',';
    if (x === null || x === undefined) s += 'NULL';
    else if (x.indexOf('"') < 0 && x.indexOf('\\') < 0) s += '"' + x + '"';
    else s += '"' + x.replace(/[\\"]/g, '\\$&') + '"';
  }
  return s + '}';
}

/** Columns sent as one text[] each; readers/keys/links travel as per-row array literals, cast per row. */
const SHORT = ['key', 'col', 'id', 'type', 'sv', 'ver', 'ver_raw', 'added', 'sub', 'org', 'tlp', 'readers', 'origin', 'keys', 'links', 'feed'] as const;

/**
 * One INSERT for a whole batch (measured on 2 cores, 1,000 rows of ~700 bytes with the six
 * indexes; see the report in the PR): 17-column `unnest` of text[] ~17k rows/s, json(b)_to_recordset
 * 13-16k, multi-row VALUES 11k, and this shape ~26k. The difference is `raw`: inside a text[]
 * literal every quote of the JSON is escaped by the client and unescaped by array_in; here all
 * raws travel as one binary bytea parameter and are cut out by byte offset, with no escaping at all.
 */
export function insertStatement(table: string, docs: readonly ObjectDoc[]): { text: string; values: unknown[] } {
  const cols: Record<(typeof SHORT)[number], (string | null | undefined)[]> = {
    key: [], col: [], id: [], type: [], sv: [], ver: [], ver_raw: [], added: [], sub: [], org: [], tlp: [], readers: [], origin: [], keys: [], links: [], feed: [],
  };
  const restricted: string[] = [];
  const offs: number[] = [];
  const lens: number[] = [];
  let off = 1;
  for (const d of docs) {
    const m = d.meta;
    cols.key.push(d._id);
    cols.col.push(d.col);
    cols.id.push(m.id);
    cols.type.push(m.type);
    cols.sv.push(m.sv);
    cols.ver.push(m.ver);
    cols.ver_raw.push(m.verRaw);
    cols.added.push(m.added);
    cols.sub.push(m.sub);
    cols.org.push(m.org);
    cols.tlp.push(m.tlp);
    cols.readers.push(textArray(m.readers));
    cols.origin.push(m.origin ? JSON.stringify(m.origin) : null);
    cols.keys.push(m.keys ? textArray(m.keys) : null);
    cols.links.push(m.links ? textArray(m.links) : null);
    cols.feed.push(m.feed ? JSON.stringify(m.feed) : null);
    restricted.push(m.restricted ? 't' : 'f');
    const len = Buffer.byteLength(d.raw, 'utf8');
    offs.push(off);
    lens.push(len);
    off += len;
  }
  // One buffer written in place: a thousand small Buffers and a concat cost three times as much.
  const raws = Buffer.allocUnsafe(off - 1);
  let at = 0;
  for (const d of docs) at += raws.write(d.raw, at, 'utf8');
  const values: unknown[] = SHORT.map((c) => textArray(cols[c]));
  values.push(`{${restricted.join(',')}}`, raws, `{${offs.join(',')}}`, `{${lens.join(',')}}`);
  const p = (i: number) => `$${i + 1}`;
  const text =
    `INSERT INTO ${table} (${OBJECT_COLUMNS}) ` +
    `SELECT key, col, id, type, sv, ver, ver_raw, added, sub, org, tlp, readers::text[], restricted, origin::jsonb, keys::text[], links::text[], ` +
    `convert_from(substring(${p(SHORT.length + 1)}::bytea FROM off FOR len), 'UTF8'), feed::jsonb ` +
    `FROM unnest(${SHORT.map((_, i) => `${p(i)}::text[]`).join(', ')}, ${p(SHORT.length)}::bool[], ${p(SHORT.length + 2)}::int[], ${p(SHORT.length + 3)}::int[]) ` +
    `AS t(${SHORT.join(', ')}, restricted, off, len) ` +
    'ON CONFLICT (key) DO NOTHING RETURNING key';
  return { text, values };
}
