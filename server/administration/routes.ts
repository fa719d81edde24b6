/**
 * One router for Puente's own endpoints beside TAXII, thin handlers over Administration; same
 * authentication, media types and error resource as TAXII.
 *   POST /{api_root}/collections/{id}/release/       release between trust groups (writers)
 *   GET  /{api_root}/admin/audit/?limit=&next=       the audit log (group admins)
 *   GET  /{api_root}/admin/jobs/runs/?job=&limit=    run history, newest first (group admins)
 *   POST /{api_root}/admin/jobs/{job}/run?full=true  runs the job now (group admins)
 */
import { Router, type RequestHandler } from 'express';
import { principalOf } from '../auth/middleware';
import { parseQuery, strictQuery } from '../http/query';
import { negotiate, readBody, requireTaxiiBody, sendTaxii } from '../http/taxii';
import type { Administration } from './service';

export interface AdministrationRouteDeps {
  administration: Administration;
  authenticate: RequestHandler[];
  maxContentLength: number;
  pageSizeMax: number;
}

export function administrationRouter(d: AdministrationRouteDeps): Router {
  const r = Router({ strict: false });
  const pre = [...d.authenticate, negotiate];
  const a = d.administration;
  const query = (req: { query: unknown }) => req.query as Record<string, unknown>;

  r.post('/:root/collections/:col/release/', ...pre, requireTaxiiBody, ...readBody(d.maxContentLength), async (req, res) => {
    parseQuery(query(req), [], d.pageSizeMax);
    sendTaxii(res, 200, await a.release(principalOf(res), req.params.root as string, req.params.col as string, req.body));
  });
  r.get('/:root/admin/audit/', ...pre, async (req, res) => {
    const q = () => parseQuery(query(req), ['limit', 'next'], d.pageSizeMax);
    sendTaxii(res, 200, await a.auditPage(principalOf(res), req.params.root as string, q));
  });
  r.get('/:root/admin/jobs/runs/', ...pre, async (req, res) => {
    const q = () => strictQuery(query(req), ['job', 'limit']);
    sendTaxii(res, 200, await a.runs(principalOf(res), req.params.root as string, q));
  });
  r.post('/:root/admin/jobs/:job/run', ...pre, async (req, res) => {
    const q = () => strictQuery(query(req), ['full']);
    sendTaxii(res, 200, await a.runJob(principalOf(res), req.params.root as string, req.params.job as string, q));
  });
  return r;
}
