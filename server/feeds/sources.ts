/**
 * Source kinds as page readers: each turns a cursor into one page of STIX objects and the cursor
 * after it. The runner (runner.ts) stores the page, then saves that cursor, so a crash repeats
 * at most one page (and the repeat is a no-op: same id and version).
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { uuidV5 } from '../names';
import type { FeedCursor, SubscriptionDoc } from '../storage/feeds';
import { fetchWithRetry, safeUrl, SourceError } from './http';
import { mispPage } from './misp';
import type { SourceContext, SourcePage } from './pages';

export type { SourceContext, SourcePage } from './pages';

import { indicatorFor } from './observables';

const TAXII21 = 'application/taxii+json;version=2.1';
const TAXII20 = 'application/vnd.oasis.taxii+json; version=2.0';

function json(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SourceError(`${where} did not answer JSON`);
  }
}

const withSlash = (u: string) => (u.endsWith('/') ? u : `${u}/`);

/** A collection URL as given, or found from a discovery (or API root) URL and remoteCollection. */
async function collectionUrl(c: SourceContext, accept: string, cache: Map<string, string>): Promise<string> {
  const url = withSlash(c.sub.url);
  if (/\/collections\/[^/]+\/$/.test(new URL(url).pathname)) return url;
  const hit = cache.get(url);
  if (hit) return hit;
  const get = async (u: string) => {
    const r = await fetchWithRetry(u, { headers: { Accept: accept }, auth: c.sub.auth, ca: c.sub.ca }, c.retry, c.onRetry);
    if (r.status !== 200) throw new SourceError(`${safeUrl(u)} answered ${r.status}`, r.status);
    return json(r.text, safeUrl(u)) as Record<string, unknown>;
  };
  let roots = [url];
  const first = await get(url);
  if (Array.isArray(first.api_roots) || typeof first.default === 'string') {
    // Discovery: the default root first, then every other one the caller may read.
    const listed = [first.default, ...(Array.isArray(first.api_roots) ? first.api_roots : [])].filter((x): x is string => typeof x === 'string');
    roots = [...new Set(listed.map((r) => withSlash(new URL(r, url).toString())))];
  }
  const want = c.sub.remoteCollection;
  let out: string | undefined;
  for (const root of roots) {
    const list = await get(`${root}collections/`);
    const cols = (Array.isArray(list.collections) ? list.collections : []) as { id?: string; title?: string }[];
    const col = cols.find((x) => x.id === want || x.title === want) ?? (want ? undefined : cols.length === 1 ? cols[0] : undefined);
    if (col?.id) {
      out = `${root}collections/${col.id}/`;
      break;
    }
  }
  if (!out) throw new SourceError(`no collection ${want ? `"${want}" ` : ''}at ${safeUrl(url)} (give remote_collection: an id or title)`);
  cache.set(url, out);
  return out;
}

function filterParams(sub: SubscriptionDoc, q: URLSearchParams): void {
  for (const [k, v] of Object.entries(sub.filters)) {
    if (!k.startsWith('match[')) continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * TAXII 2.1 §5.3 get objects: follows `next`; when a server says `more` without `next`, or a
 * `next` stops working, resumes with added_after = the last X-TAXII-Date-Added-Last.
 */
export function taxii21(c: SourceContext): (cursor: FeedCursor) => Promise<SourcePage> {
  const cache = new Map<string, string>();
  return async (cursor) => {
    const col = await collectionUrl(c, TAXII21, cache);
    const q = new URLSearchParams({ limit: String(c.sub.pageSize) });
    filterParams(c.sub, q);
    if (cursor.addedAfter) q.set('added_after', cursor.addedAfter);
    if (cursor.next) q.set('next', cursor.next);
    const url = `${col}objects/?${q.toString().replace(/%5B/g, '[').replace(/%5D/g, ']')}`;
    const r = await fetchWithRetry(url, { headers: { Accept: TAXII21 }, auth: c.sub.auth, ca: c.sub.ca }, c.retry, c.onRetry);
    if (r.status !== 200 && cursor.next && r.status >= 400 && r.status < 500) {
      // An expired or unknown `next`: start again after the last date seen (a page may repeat).
      return { objects: [], cursor: { addedAfter: cursor.seen ?? cursor.addedAfter }, done: false, note: `next refused (${r.status}); resumed from added_after` };
    }
    if (r.status !== 200) throw new SourceError(`${safeUrl(url)} answered ${r.status}`, r.status);
    const env = json(r.text, safeUrl(url)) as { objects?: unknown; more?: unknown; next?: unknown };
    const objects = Array.isArray(env.objects) ? env.objects : [];
    const last = header(r.headers, 'x-taxii-date-added-last');
    const seen = last && (!cursor.seen || last > cursor.seen) ? last : cursor.seen;
    const more = env.more === true;
    if (more && typeof env.next === 'string' && env.next) {
      return { objects, cursor: { addedAfter: cursor.addedAfter, next: env.next, seen }, done: false };
    }
    if (more) {
      // `more` without `next`: page by added_after; no progress means stop rather than loop.
      const stuck = !last || last === cursor.addedAfter;
      return { objects, cursor: { addedAfter: seen ?? cursor.addedAfter, seen }, done: stuck, note: stuck ? 'more without next and no new X-TAXII-Date-Added-Last: stopped' : 'more without next: paged by added_after' };
    }
    return { objects, cursor: { addedAfter: seen ?? cursor.addedAfter, seen }, done: true };
  };
}

/**
 * TAXII 2.0 get objects: Range `items a-b` paging within one added_after. STIX 2.0 objects get
 * spec_version 2.1 (and an indicator pattern_type stix) and then face the 2.1 validation.
 */
export function taxii20(c: SourceContext): (cursor: FeedCursor) => Promise<SourcePage> {
  const cache = new Map<string, string>();
  return async (cursor) => {
    const col = await collectionUrl(c, TAXII20, cache);
    const q = new URLSearchParams();
    filterParams(c.sub, q);
    if (cursor.addedAfter) q.set('added_after', cursor.addedAfter);
    const from = cursor.offset ?? 0;
    const url = `${col}objects/${q.size ? `?${q.toString().replace(/%5B/g, '[').replace(/%5D/g, ']')}` : ''}`;
    const r = await fetchWithRetry(url, { headers: { Accept: TAXII20, Range: `items ${from}-${from + c.sub.pageSize - 1}` }, auth: c.sub.auth, ca: c.sub.ca }, c.retry, c.onRetry);
    if (r.status === 416) return { objects: [], cursor: { addedAfter: cursor.seen ?? cursor.addedAfter, seen: cursor.seen }, done: true };
    if (r.status !== 200 && r.status !== 206) throw new SourceError(`${safeUrl(url)} answered ${r.status}`, r.status);
    const bundle = json(r.text, safeUrl(url)) as { objects?: unknown };
    const objects = (Array.isArray(bundle.objects) ? bundle.objects : []).map((o) => {
      if (!o || typeof o !== 'object') return o;
      const x = { ...(o as Record<string, unknown>) };
      if (x.spec_version === undefined) x.spec_version = '2.1';
      if (x.type === 'indicator' && x.pattern_type === undefined) x.pattern_type = 'stix';
      return x;
    });
    const last = header(r.headers, 'x-taxii-date-added-last');
    const seen = last && (!cursor.seen || last > cursor.seen) ? last : cursor.seen;
    const range = /items \d+-(\d+)\/(\d+|\*)/.exec(header(r.headers, 'content-range') ?? '');
    const more = range ? range[2] === '*' ? objects.length > 0 : Number(range[1]) + 1 < Number(range[2]) : false;
    if (more && objects.length) return { objects, cursor: { addedAfter: cursor.addedAfter, offset: from + objects.length, seen }, done: false };
    return { objects, cursor: { addedAfter: seen ?? cursor.addedAfter, seen }, done: true };
  };
}

/**
 * A CSV or plain-text list: one fetch is one page. Each value of a mapped column becomes an
 * indicator whose id is a UUIDv5 of (subscription, type, value) and whose times are the
 * subscription's creation, so fetching the same list again stores nothing new.
 */
export function list(c: SourceContext): (cursor: FeedCursor) => Promise<SourcePage> {
  return async (cursor) => {
    const r = await fetchWithRetry(c.sub.url, { headers: { Accept: 'text/csv, text/plain;q=0.9, */*;q=0.1' }, auth: c.sub.auth, ca: c.sub.ca }, c.retry, c.onRetry);
    if (r.status !== 200) throw new SourceError(`${safeUrl(c.sub.url)} answered ${r.status}`, r.status);
    const columns = c.sub.columns ?? { '0': 'auto' };
    let rows: string[][];
    if (c.sub.kind === 'text') {
      rows = r.text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => [l.split(/\s+/)[0]!]);
    } else {
      rows = parseCsv(r.text, { relax_column_count: true, skip_empty_lines: true, comment: '#', trim: true }) as string[][];
    }
    let index = new Map<string, number>(Object.keys(columns).filter((k) => /^\d+$/.test(k)).map((k) => [k, Number(k)]));
    const named = Object.keys(columns).filter((k) => !/^\d+$/.test(k));
    if (named.length && rows.length) {
      const head = rows.shift()!;
      index = new Map([...index, ...named.map((k) => [k, head.indexOf(k)] as const)]);
    }
    const objects: unknown[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      for (const [col, type] of Object.entries(columns)) {
        const i = index.get(col);
        const value = i === undefined || i < 0 ? undefined : row[i];
        if (!value) continue;
        const ind = indicatorFor(type, value, (name) => uuidV5(`feed:${c.sub._id}:${name}`), c.sub.created);
        if (!ind || seen.has(ind.id)) continue;
        seen.add(ind.id);
        objects.push(ind);
      }
    }
    return { objects, cursor, done: true };
  };
}

export function sourceFor(c: SourceContext): (cursor: FeedCursor) => Promise<SourcePage> {
  switch (c.sub.kind) {
    case 'taxii21':
      return taxii21(c);
    case 'taxii20':
      return taxii20(c);
    case 'misp':
      return mispPage(c);
    case 'csv':
    case 'text':
      return list(c);
    default:
      throw new SourceError(`a ${c.sub.kind} subscription has no source to read`);
  }
}
