/**
 * The read figures of one store: pages (first, and next with the cursor deep in the collection),
 * a feed's added_after poll, a manifest page, one object, and the pull of the newest 100,000.
 * Each is timed over HTTP on the hub and on the baseline client running the same statements
 * (the same ObjectQuery, given to the backend's repository; see baseline.ts).
 */
import { DEVELOPMENT_ORGANISATION } from '../../server/auth/development';
import { parseQuery, type Param } from '../../server/http/query';
import type { ObjectQuery } from '../../server/storage/objects';
import type { Baseline, Position } from './baseline';
import { HubClient, nextToken, tokenCursor } from './http';
import { median } from './stats';

/** The hub's defaults (server/config/settings.ts): limit when absent, largest limit honoured. */
const PAGE_SIZE_DEFAULT = 100;
const PAGE_SIZE_MAX = 1000;
export const PULL_SIZE = 100_000;
const PULL_LIMIT = 1000;

export type ReadName =
  | 'first100' | 'first1000' | 'next100@50' | 'next100@99' | 'next1000@50' | 'next1000@99' | 'poll' | 'manifest' | 'object';

export interface Figure {
  hubMs: number;
  clientMs: number;
  reps: number;
  /** Objects in the answer (the same on both sides, checked). */
  objects: number;
  /** Round trips per request on the client (page + version bounds, …). */
  statements: number;
  /** Where the cursor really sat, when it had to move back so that a full page follows. */
  clampedTo?: number;
}

export interface Pull {
  expected: number;
  hubMs: number;
  clientMs: number;
  hubObjects: number;
  clientObjects: number;
  pages: number;
  /** Stopped by the time budget before the end (FerretDB). */
  partial: boolean;
  check: string;
}

interface ReadSpec {
  name: ReadName;
  path: string;
  params: Record<string, string>;
  query: ObjectQuery;
  clampedTo?: number;
}

/**
 * The ObjectQuery TaxiiService.page() builds for these query parameters (kept in step with it:
 * server/taxii/service.ts), so the baseline asks the repository exactly what the hub asks.
 */
function objectQuery(collection: string, params: Record<string, string>, objectId?: string): ObjectQuery {
  const q = parseQuery(params, Object.keys(params) as Param[], PAGE_SIZE_MAX);
  return {
    collection,
    viewer: { organisation: DEVELOPMENT_ORGANISATION },
    ids: objectId ? [objectId.toLowerCase()] : q.ids,
    types: q.types,
    specVersions: q.specVersions,
    versions: q.versions,
    addedAfter: q.addedAfter,
    limit: q.limit ?? PAGE_SIZE_DEFAULT,
  };
}

/** Rank of the cursor for a next page at `share` of the collection, moved back so that a full page (and one more) follows. */
function cursorRank(n: number, limit: number, share: number): number {
  return Math.min(Math.floor(share * n), n - limit - 2);
}

/** The ranks whose (added, key, id) the specs need. */
export function ranksFor(n: number): number[] {
  const ranks = new Set<number>([Math.floor(n / 2)]);
  for (const limit of [100, 1000]) {
    for (const share of [0.5, 0.99]) {
      const r = cursorRank(n, limit, share);
      if (r - limit >= 0) ranks.add(r - limit);
    }
  }
  if (n > 101) ranks.add(n - 101);
  if (n > PULL_SIZE) ranks.add(n - PULL_SIZE - 1);
  return [...ranks].sort((a, b) => a - b);
}

export async function readSpecs(hub: HubClient, col: string, n: number, at: Map<number, Position>): Promise<ReadSpec[]> {
  const pos = (rank: number) => at.get(rank)!;
  const specs: ReadSpec[] = [];
  const objects = `collections/${col}/objects/`;
  for (const limit of [100, 1000]) {
    const params = { limit: String(limit) };
    specs.push({ name: `first${limit}` as ReadName, path: objects, params, query: objectQuery(col, params) });
  }
  for (const limit of [100, 1000]) {
    for (const share of [0.5, 0.99]) {
      const r = cursorRank(n, limit, share);
      if (r - limit < 0) continue;
      // A first page after the object at r - limit ends at r: its token's cursor sits at r.
      const params = { limit: String(limit), added_after: pos(r - limit).added };
      const token = nextToken((await hub.get(objects, params)).body);
      if (!token) throw new Error(`no next token at rank ${r} of ${n}`);
      specs.push({
        name: `next${limit}@${share * 100}` as ReadName,
        path: objects,
        params: { ...params, next: token },
        query: { ...objectQuery(col, params), after: tokenCursor(token) },
        clampedTo: r < Math.floor(share * n) ? r / n : undefined,
      });
    }
  }
  if (n > 101) {
    const params = { limit: '1000', added_after: pos(n - 101).added };
    specs.push({ name: 'poll', path: objects, params, query: objectQuery(col, params) });
  }
  const mid = pos(Math.floor(n / 2));
  if (n > 202) {
    const params = { limit: '100', added_after: mid.added };
    specs.push({ name: 'manifest', path: `collections/${col}/manifest/`, params, query: objectQuery(col, params) });
  }
  specs.push({ name: 'object', path: `${objects}${mid.id}/`, params: {}, query: objectQuery(col, {}, mid.id) });
  return specs;
}

function count(body: string): number {
  return ((JSON.parse(body) as { objects?: unknown[] }).objects ?? []).length;
}

/**
 * Median of `reps` timed requests on each side, alternating which goes first, after one warm-up
 * each. A request slower than 2 s (FerretDB, which scans the table for every query) is measured
 * once, its warm-up being the measurement.
 */
export async function timeRead(hub: HubClient, baseline: Baseline, spec: ReadSpec, reps: number): Promise<Figure> {
  const hubMs: number[] = [];
  const clientMs: number[] = [];
  let objects = -1;
  let statements = 0;
  const started = performance.now();
  for (let i = 0; i <= reps; i++) {
    const runHub = async () => {
      const r = await hub.get(spec.path, spec.params);
      if (objects < 0) objects = count(r.body);
      return r.ms;
    };
    const runClient = async () => {
      const r = await baseline.page(hub.group, spec.query);
      statements = r.statements;
      if (objects >= 0 && r.value.docs.length !== objects) {
        throw new Error(`${spec.name}: the client's page has ${r.value.docs.length} objects, the hub's ${objects}`);
      }
      return r.ms;
    };
    const h = i % 2 === 0 ? await runHub() : undefined;
    const c = await runClient();
    const h2 = h ?? (await runHub());
    const slow = i === 0 && h2 > 2000;
    if (i > 0 || slow) {
      hubMs.push(h2);
      clientMs.push(c);
    }
    if (slow || (i >= 3 && performance.now() - started > 20_000)) break;
  }
  return { hubMs: median(hubMs), clientMs: median(clientMs), reps: hubMs.length, objects, statements, clampedTo: spec.clampedTo };
}

/**
 * The newest min(n, 100,000) objects at limit=1000, following `next`, as a feed catching up does:
 * every object must come back exactly once, in date_added order, the same set as the client's.
 * Bodies are parsed after the clock stops. `budgetMs` bounds each side (FerretDB).
 */
export async function timePull(hub: HubClient, baseline: Baseline, col: string, n: number, at: Map<number, Position>, budgetMs: number): Promise<Pull> {
  const expected = Math.min(n, PULL_SIZE);
  const params: Record<string, string> = { limit: String(PULL_LIMIT), ...(n > PULL_SIZE ? { added_after: at.get(n - PULL_SIZE - 1)!.added } : {}) };
  const objects = `collections/${col}/objects/`;

  const bodies: string[] = [];
  const spans: [string, string][] = [];
  let hubMs = 0;
  let partial = false;
  for (let next: string | undefined, first = true; first || next; first = false) {
    const r = await hub.get(objects, next ? { ...params, next } : params);
    hubMs += r.ms;
    bodies.push(r.body);
    spans.push([r.headers.get('x-taxii-date-added-first') ?? '', r.headers.get('x-taxii-date-added-last') ?? '']);
    next = nextToken(r.body);
    if (next && hubMs > budgetMs) {
      partial = true;
      break;
    }
  }

  const base = objectQuery(col, params);
  const clientIds: string[] = [];
  let clientMs = 0;
  for (let after: ObjectQuery['after']; ; ) {
    const r = await baseline.page(hub.group, { ...base, after });
    clientMs += r.ms;
    for (const d of r.value.docs) clientIds.push(d.meta.id);
    const last = r.value.docs[r.value.docs.length - 1];
    if (!r.value.more || !last) break;
    after = { added: last.meta.added, key: last._id };
    if (clientMs > budgetMs) {
      partial = true;
      break;
    }
  }

  const hubIds: string[] = [];
  for (const b of bodies) for (const o of (JSON.parse(b) as { objects?: { id: string }[] }).objects ?? []) hubIds.push(o.id);
  const problems: string[] = [];
  const distinct = new Set(hubIds);
  if (distinct.size !== hubIds.length) problems.push(`${hubIds.length - distinct.size} objects came back twice`);
  for (let i = 1; i < spans.length; i++) if (!(spans[i]![0] > spans[i - 1]![1])) problems.push(`page ${i + 1} does not follow page ${i} in date_added order`);
  if (!partial) {
    if (hubIds.length !== expected) problems.push(`${hubIds.length} objects, expected ${expected}`);
    const client = new Set(clientIds);
    if (client.size !== distinct.size || [...distinct].some((id) => !client.has(id))) problems.push('not the same objects as the client pulled');
  } else {
    const n0 = Math.min(hubIds.length, clientIds.length);
    if (hubIds.slice(0, n0).some((id, i) => id !== clientIds[i])) problems.push('not the same objects, in the same order, as the client pulled');
  }
  if (problems.length) throw new Error(`pull of the newest ${expected}: ${problems.join('; ')}`);
  const check = partial
    ? `partial (time budget): ${hubIds.length} objects over HTTP, each once and in order, the same as the client's first ${clientIds.length}`
    : `${hubIds.length} objects, each exactly once, in date_added order, the same set as the client's`;
  return { expected, hubMs, clientMs, hubObjects: hubIds.length, clientObjects: clientIds.length, pages: bodies.length, partial, check };
}
