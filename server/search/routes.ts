/**
 * The search endpoints (JSON; errors are the TAXII error resource), thin handlers over SearchService:
 *   GET  /{api_root}/search/observables/?value=&<filters>&limit=&next=
 *   POST /{api_root}/search/observables/   {"values": [...], "filters": {...}, "limit", "next"}
 *   GET  /{api_root}/search/objects/?q=&<filters>&facets=&limit=&next=
 *   GET  /{api_root}/search/neighbourhood/{object id}/?hops=
 *   GET  /{api_root}/search/activity/?days=      objects added per day (the dashboard)
 */
import { Router, type RequestHandler, type Response } from 'express';
import { principalOf } from '../auth/middleware';
import { BadRequest, NotAcceptable, UnsupportedMediaType } from '../errors';
import { acceptsJson, isJsonContentType } from '../http/media';
import { strictQuery } from '../http/query';
import { readBody } from '../http/taxii';
import { wordsOf } from './filters';
import { FILTER_PARAMS, lengthOf, parseFilters, parseLimit, parseNext } from './params';
import type { SearchService } from './service';
import { MAX_ACTIVITY_DAYS, MAX_HOPS } from './service';

export interface SearchRouteDeps {
  search: SearchService;
  authenticate: RequestHandler[];
  pageSizeMax: number;
  maxContentLength: number;
}

export const negotiateJson: RequestHandler = (req, _res, next) => {
  if (!acceptsJson(req.get('accept'))) throw new NotAcceptable('This endpoint answers application/json; the Accept header does not allow it.');
  next();
};

export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (!isJsonContentType(req.get('content-type'))) throw new UnsupportedMediaType('Send the body as Content-Type: application/json.');
  next();
};

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

const query = (req: { query: unknown }) => req.query as Record<string, unknown>;

export function searchRouter(d: SearchRouteDeps): Router {
  const r = Router({ strict: false });
  const pre = [...d.authenticate, negotiateJson];
  const s = d.search;

  r.get('/:root/search/observables/', ...pre, async (req, res) => {
    const q = strictQuery(query(req), ['value', 'limit', 'next', ...FILTER_PARAMS]);
    if (!q.value || lengthOf(q.value) > 500) throw new BadRequest('invalid_parameter', 'Give the value to look up (at most 500 characters): ?value=203.0.113.5', { parameter: 'value' });
    const { value, limit, next, ...filters } = q;
    sendJson(res, 200, await s.observables(principalOf(res), req.params.root as string, [value], parseFilters(filters), parseLimit(limit, d.pageSizeMax), parseNext(next)));
  });

  r.post('/:root/search/observables/', ...pre, requireJsonBody, ...readBody(d.maxContentLength), async (req, res) => {
    strictQuery(query(req), []);
    const b = req.body as Record<string, unknown>;
    if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new BadRequest('invalid_request', 'Send {"values": ["203.0.113.5", ...], "filters": {...}}.');
    const unknown = Object.keys(b).find((k) => !['values', 'filters', 'limit', 'next'].includes(k));
    if (unknown !== undefined) throw new BadRequest('invalid_request', `Unknown member "${unknown.slice(0, 64)}": the body takes values, filters, limit and next.`);
    if (!Array.isArray(b.values) || b.values.some((v) => typeof v !== 'string')) throw new BadRequest('invalid_request', '"values" must be a list of strings.');
    const f = b.filters ?? {};
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new BadRequest('invalid_request', '"filters" must be an object.');
    const filters: Record<string, string> = {};
    for (const [k, v] of Object.entries(f)) {
      if (!(FILTER_PARAMS as readonly string[]).includes(k)) throw new BadRequest('invalid_request', `Unknown filter "${k.slice(0, 64)}". Filters: ${FILTER_PARAMS.join(', ')}.`);
      if (typeof v !== 'string') throw new BadRequest('invalid_request', `Filter "${k}" takes a string, as the query parameter does (lists comma-separated).`);
      filters[k] = v;
    }
    if (b.limit !== undefined && typeof b.limit !== 'number') throw new BadRequest('invalid_request', '"limit" must be a number.');
    if (b.next !== undefined && typeof b.next !== 'string') throw new BadRequest('invalid_request', '"next" must be a string.');
    const limit = parseLimit(b.limit === undefined ? undefined : String(b.limit), d.pageSizeMax);
    sendJson(res, 200, await s.observables(principalOf(res), req.params.root as string, b.values as string[], parseFilters(filters), limit, parseNext(b.next as string | undefined)));
  });

  r.get('/:root/search/objects/', ...pre, async (req, res) => {
    const q = strictQuery(query(req), ['q', 'facets', 'limit', 'next', ...FILTER_PARAMS]);
    const { q: text, facets, limit, next, ...filters } = q;
    if (facets !== undefined && facets !== 'true' && facets !== 'false') throw new BadRequest('invalid_parameter', 'facets is true or false.', { parameter: 'facets' });
    if (text !== undefined && lengthOf(text) > 500) throw new BadRequest('invalid_parameter', 'q is at most 500 characters.', { parameter: 'q' });
    const words = wordsOf(text ?? '').slice(0, 20);
    sendJson(res, 200, await s.objects(principalOf(res), req.params.root as string, text, words, parseFilters(filters), facets === 'true', parseLimit(limit, d.pageSizeMax), parseNext(next)));
  });

  r.get('/:root/search/activity/', ...pre, async (req, res) => {
    const q = strictQuery(query(req), ['days']);
    const days = q.days === undefined ? 14 : Number(q.days);
    if (!/^\d{1,2}$/.test(q.days ?? '14') || days < 1 || days > MAX_ACTIVITY_DAYS) {
      throw new BadRequest('invalid_parameter', `days is a whole number from 1 to ${MAX_ACTIVITY_DAYS}.`, { parameter: 'days' });
    }
    sendJson(res, 200, await s.activity(principalOf(res), req.params.root as string, days));
  });

  r.get('/:root/search/neighbourhood/:id/', ...pre, async (req, res) => {
    const q = strictQuery(query(req), ['hops']);
    const hops = q.hops === undefined ? 1 : Number(q.hops);
    if (!Number.isInteger(hops) || hops < 1 || hops > MAX_HOPS || !/^\d$/.test(q.hops ?? '1')) {
      throw new BadRequest('invalid_parameter', `hops is a whole number from 1 to ${MAX_HOPS}.`, { parameter: 'hops' });
    }
    sendJson(res, 200, await s.neighbourhood(principalOf(res), req.params.root as string, String(req.params.id).toLowerCase(), hops));
  });
  return r;
}
