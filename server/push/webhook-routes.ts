/**
 * Webhooks, thin handlers over Webhooks; same authentication, media types and error resource
 * as TAXII.
 *   GET    /{api_root}/admin/webhooks/                 list
 *   POST   /{api_root}/admin/webhooks/                 add
 *   GET    /{api_root}/admin/webhooks/{id}/            show (state, cursor, health)
 *   PATCH  /{api_root}/admin/webhooks/{id}/            change name, url, secret, filters, alerts, batch_size
 *   DELETE /{api_root}/admin/webhooks/{id}/            remove
 *   POST   /{api_root}/admin/webhooks/{id}/pause
 *   POST   /{api_root}/admin/webhooks/{id}/resume
 *   GET    /{api_root}/admin/webhooks/{id}/deliveries/?limit=
 */
import { Router, type RequestHandler } from 'express';
import { principalOf } from '../auth/middleware';
import { parseQuery, strictQuery } from '../http/query';
import { negotiate, readBody, requireTaxiiBody, sendTaxii } from '../http/taxii';
import type { Webhooks } from './webhooks';

export interface WebhookRouteDeps {
  webhooks: Webhooks;
  authenticate: RequestHandler[];
  maxContentLength: number;
  pageSizeMax: number;
}

export function webhooksRouter(d: WebhookRouteDeps): Router {
  const r = Router({ strict: false });
  const pre = [...d.authenticate, negotiate];
  const w = d.webhooks;
  const query = (req: { query: unknown }) => req.query as Record<string, unknown>;
  const none = (req: { query: unknown }) => parseQuery(query(req), [], d.pageSizeMax);
  const body = [requireTaxiiBody, ...readBody(d.maxContentLength)];
  const base = '/:root/admin/webhooks';
  const root = (req: { params: Record<string, unknown> }) => req.params.root as string;
  const id = (req: { params: Record<string, unknown> }) => req.params.id as string;

  r.get(`${base}/`, ...pre, async (req, res) => sendTaxii(res, 200, await w.list(principalOf(res), root(req))));
  r.post(`${base}/`, ...pre, ...body, async (req, res) => {
    none(req);
    sendTaxii(res, 201, await w.create(principalOf(res), root(req), req.body));
  });
  r.get(`${base}/:id/`, ...pre, async (req, res) => sendTaxii(res, 200, await w.show(principalOf(res), root(req), id(req))));
  r.patch(`${base}/:id/`, ...pre, ...body, async (req, res) => {
    none(req);
    sendTaxii(res, 200, await w.change(principalOf(res), root(req), id(req), req.body));
  });
  r.delete(`${base}/:id/`, ...pre, async (req, res) => sendTaxii(res, 200, await w.remove(principalOf(res), root(req), id(req))));
  r.post(`${base}/:id/pause`, ...pre, async (req, res) => sendTaxii(res, 200, await w.pause(principalOf(res), root(req), id(req))));
  r.post(`${base}/:id/resume`, ...pre, async (req, res) => sendTaxii(res, 200, await w.resume(principalOf(res), root(req), id(req))));
  r.get(`${base}/:id/deliveries/`, ...pre, async (req, res) => {
    const q = () => strictQuery(query(req), ['limit']);
    sendTaxii(res, 200, await w.deliveries(principalOf(res), root(req), id(req), q));
  });
  return r;
}
