/**
 * Subscriptions (feeds in and federation mirrors), thin handlers over Feeds; same
 * authentication, media types and error resource as TAXII.
 *   GET    /{api_root}/admin/subscriptions/                 list
 *   POST   /{api_root}/admin/subscriptions/                 add
 *   GET    /{api_root}/admin/subscriptions/{id}/            show (health, cursor, last runs)
 *   DELETE /{api_root}/admin/subscriptions/{id}/            remove
 *   POST   /{api_root}/admin/subscriptions/{id}/run         run now; answers the run record
 *   POST   /{api_root}/admin/subscriptions/{id}/reset-cursor
 *   POST   /{api_root}/admin/subscriptions/{id}/pause        the schedule stops running it
 *   POST   /{api_root}/admin/subscriptions/{id}/resume
 *   GET    /{api_root}/admin/subscriptions/{id}/runs/?limit=
 */
import { Router, type RequestHandler } from 'express';
import { principalOf } from '../auth/middleware';
import { parseQuery, strictQuery } from '../http/query';
import { negotiate, readBody, requireTaxiiBody, sendTaxii } from '../http/taxii';
import type { Feeds } from './service';

export interface FeedsRouteDeps {
  feeds: Feeds;
  authenticate: RequestHandler[];
  maxContentLength: number;
  pageSizeMax: number;
}

export function feedsRouter(d: FeedsRouteDeps): Router {
  const r = Router({ strict: false });
  const pre = [...d.authenticate, negotiate];
  const f = d.feeds;
  const query = (req: { query: unknown }) => req.query as Record<string, unknown>;
  const none = (req: { query: unknown }) => parseQuery(query(req), [], d.pageSizeMax);
  const base = '/:root/admin/subscriptions';
  const root = (req: { params: Record<string, unknown> }) => req.params.root as string;
  const id = (req: { params: Record<string, unknown> }) => req.params.id as string;

  r.get(`${base}/`, ...pre, async (req, res) => sendTaxii(res, 200, await f.list(principalOf(res), root(req))));
  r.post(`${base}/`, ...pre, requireTaxiiBody, ...readBody(d.maxContentLength), async (req, res) => {
    none(req);
    sendTaxii(res, 201, await f.create(principalOf(res), root(req), req.body));
  });
  r.get(`${base}/:id/`, ...pre, async (req, res) => sendTaxii(res, 200, await f.show(principalOf(res), root(req), id(req))));
  r.delete(`${base}/:id/`, ...pre, async (req, res) => sendTaxii(res, 200, await f.remove(principalOf(res), root(req), id(req))));
  r.post(`${base}/:id/run`, ...pre, async (req, res) => sendTaxii(res, 200, await f.runNow(principalOf(res), root(req), id(req))));
  r.post(`${base}/:id/reset-cursor`, ...pre, async (req, res) => sendTaxii(res, 200, await f.resetCursor(principalOf(res), root(req), id(req))));
  r.post(`${base}/:id/pause`, ...pre, async (req, res) => sendTaxii(res, 200, await f.setEnabled(principalOf(res), root(req), id(req), false)));
  r.post(`${base}/:id/resume`, ...pre, async (req, res) => sendTaxii(res, 200, await f.setEnabled(principalOf(res), root(req), id(req), true)));
  r.get(`${base}/:id/runs/`, ...pre, async (req, res) => {
    const q = () => strictQuery(query(req), ['limit']);
    sendTaxii(res, 200, await f.runs(principalOf(res), root(req), id(req), q));
  });
  return r;
}
