/**
 * Stored objects as rows of `objects` (see migrations.ts) and back. A row holds the document's
 * fields flat; `raw` is a text column holding the exact JSON text (never jsonb, which would
 * re-serialise it). NULL origin/keys/links mean "absent": the document then has no such key,
 * so documents round-trip exactly as the MongoDB backend returns them.
 */
import { knownSearchText, searchTextOf, type ObjectDoc, type ObjectMeta } from '../objects';
import { VERSION_PART } from './migrations';

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

/**
 * The searchable text of a stored object (storage/objects.ts searchTextOf), stored in `words` and
 * indexed by words_gin (migration 8). Computed by the hub rather than by an index expression over
 * `raw`: that expression made PostgreSQL parse every object's JSON on insert (ingest fell by half,
 * see docs/benchmarks.md). Ingestion hands it over with the draft (knownSearchText); documents
 * built without it (imports, tests) are parsed here. Null when there is no text or no JSON.
 */
export function searchWords(raw: string): string | null {
  let o: unknown;
  try {
    o = JSON.parse(raw);
  } catch {
    return null;
  }
  return o !== null && typeof o === 'object' && !Array.isArray(o) ? searchTextOf(o as Record<string, unknown>) : null;
}

const URL_HOST = /^url:[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/:?#]+)/;
const HOST = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;
const NUMERIC = /^[0-9.]+$/;

/**
 * Every parent domain of each domain, URL host and e-mail domain among the observable keys
 * ("evil.example.org" gives it, "example.org" and "org"), stored in `domains` and indexed by
 * domains_gin (migration 8): "a domain with its subdomains" is one GIN probe. IP hosts are left out.
 */
export function domainSuffixes(keys: readonly string[] | undefined): string[] | null {
  if (!keys) return null;
  let out: Set<string> | undefined;
  for (const k of keys) {
    let h: string | undefined;
    if (k.startsWith('domain:')) h = k.slice(7);
    else if (k.startsWith('url:')) h = URL_HOST.exec(k)?.[1];
    else if (k.startsWith('email:')) {
      const at = k.lastIndexOf('@');
      h = at >= 0 && at < k.length - 1 ? k.slice(at + 1) : undefined;
    }
    if (h === undefined || !HOST.test(h) || NUMERIC.test(h)) continue;
    out ??= new Set();
    for (let i = 0; ; ) {
      out.add(h.slice(i));
      const dot = h.indexOf('.', i);
      if (dot < 0) break;
      i = dot + 1;
    }
  }
  return out ? [...out] : null;
}

/** Columns sent as one text[] each; readers/keys/links travel as per-row array literals, cast per row. */
const SHORT = ['key', 'col', 'id', 'type', 'sv', 'ver', 'ver_raw', 'added', 'sub', 'org', 'tlp', 'readers', 'origin', 'keys', 'links', 'feed', 'domains'] as const;
type Short = (typeof SHORT)[number];

/** How each column is read from its text (the array element, or the one scalar). */
const CAST: Partial<Record<Short, string>> = { readers: '::text[]', origin: '::jsonb', keys: '::text[]', links: '::text[]', feed: '::jsonb', domains: '::text[]' };

/**
 * Columns that are often the same for a whole batch (one envelope: one collection, one submitter,
 * one TLP): when they are, they travel as one scalar parameter instead of an array of 1,000 equal
 * elements, which the client would build and PostgreSQL parse for nothing.
 */
const UNIFORM = new Set<Short>(['col', 'type', 'sv', 'sub', 'org', 'tlp', 'readers', 'origin', 'feed']);

/**
 * One INSERT for a whole batch (measured on 2 cores, 1,000 rows of ~700 bytes with the six
 * indexes; see the report in the PR): 17-column `unnest` of text[] ~17k rows/s, json(b)_to_recordset
 * 13-16k, multi-row VALUES 11k, and this shape ~26k. The difference is `raw`: inside a text[]
 * literal every quote of the JSON is escaped by the client and unescaped by array_in; here all
 * raws travel as one binary bytea parameter and are cut out by byte offset, with no escaping at all.
 */
export function insertStatement(table: string, docs: readonly ObjectDoc[]): { text: string; values: unknown[] } {
  const cols = Object.fromEntries(SHORT.map((c) => [c, [] as (string | null)[]])) as Record<Short, (string | null)[]>;
  const restricted: string[] = [];
  const offs: number[] = [];
  const lens: number[] = [];
  const words: (string | null)[] = [];
  const woffs: number[] = [];
  const wlens: number[] = [];
  let off = 1;
  let woff = 1;
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
    const sfx = domainSuffixes(m.keys);
    cols.domains.push(sfx ? textArray(sfx) : null);
    const known = knownSearchText(d);
    const wd = known !== undefined ? known : searchWords(d.raw);
    words.push(wd);
    const wlen = wd === null ? -1 : Buffer.byteLength(wd, 'utf8');
    woffs.push(woff);
    wlens.push(wlen);
    if (wlen > 0) woff += wlen;
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
  const wbuf = Buffer.allocUnsafe(woff - 1);
  at = 0;
  for (const wd of words) if (wd) at += wbuf.write(wd, at, 'utf8');

  const values: unknown[] = [];
  const p = (v: unknown) => `$${values.push(v)}`;
  const arrays: string[] = []; // unnest arguments
  const names: string[] = []; // their column names in t
  const select = new Map<string, string>();
  for (const c of SHORT) {
    const xs = cols[c];
    const uniform = UNIFORM.has(c) && xs.every((x) => x === xs[0]);
    if (uniform) select.set(c, `${p(xs[0] ?? null)}::text${CAST[c] ?? ''}`);
    else {
      arrays.push(`${p(textArray(xs))}::text[]`);
      names.push(c);
      select.set(c, `${c}${CAST[c] ?? ''}`);
    }
  }
  const uniformRestricted = restricted.every((r) => r === restricted[0]);
  if (uniformRestricted) select.set('restricted', `${p(restricted[0] === 't')}::bool`);
  else {
    arrays.push(`${p(`{${restricted.join(',')}}`)}::bool[]`);
    names.push('restricted');
    select.set('restricted', 'restricted');
  }
  const rawParam = p(raws);
  arrays.push(`${p(`{${offs.join(',')}}`)}::int[]`, `${p(`{${lens.join(',')}}`)}::int[]`);
  names.push('off', 'len');
  select.set('raw', `convert_from(substring(${rawParam}::bytea FROM off FOR len), 'UTF8')`);
  const wordsParam = p(wbuf);
  arrays.push(`${p(`{${woffs.join(',')}}`)}::int[]`, `${p(`{${wlens.join(',')}}`)}::int[]`);
  names.push('woff', 'wlen');
  select.set('words', `CASE WHEN wlen < 0 THEN NULL ELSE convert_from(substring(${wordsParam}::bytea FROM woff FOR wlen), 'UTF8') END`);
  const columns = [...OBJECT_COLUMNS.split(', '), 'domains', 'words'];
  const text =
    `INSERT INTO ${table} (${columns.join(', ')}) ` +
    `SELECT ${columns.map((c) => select.get(c)!).join(', ')} ` +
    `FROM unnest(${arrays.join(', ')}) AS t(${names.join(', ')}) ` +
    `ON CONFLICT (col, id, ${VERSION_PART}) DO NOTHING RETURNING key`;
  return { text, values };
}
