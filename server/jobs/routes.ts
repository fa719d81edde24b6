/**
 * Job administration per API root, for the group's admins only (anyone else gets 404, as for
 * everything they may not see):
 *   GET  /{api_root}/admin/jobs/runs/?job=&limit=   run history, newest first
 *   POST /{api_root}/admin/jobs/{job}/run?full=true  runs the job now and answers its run record
 */
import { Router, type RequestHandler } from 'express';
import { principalOf } from '../auth/middleware';
import { isAdmin } from '../auth/permissions';
import { BadRequest, NotFound } from '../errors';
import { negotiate, sendTaxii } from '../http/taxii';
import { strictQuery } from '../http/query';
import type { AuditLog } from '../taxii/audit';
import type { RunDoc } from '../storage/jobs';
import type { TrustGroups } from '../storage/trust-groups';
import { JOBS, type JobName, type Jobs } from './scheduler';

export interface JobsRouteDeps {
  jobs: Jobs;
  groups: TrustGroups;
  authenticate: RequestHandler[];
  audit: AuditLog;
}

export function runResource(r: RunDoc) {
  return {
    id: r._id,
    job: r.job,
    trigger: r.trigger,
    started: r.started,
    ...(r.ended ? { ended: r.ended } : {}),
    outcome: r.outcome,
    counts: r.counts,
    ...(r.error ? { error: r.error } : {}),
  };
}

export function jobsRouter(d: JobsRouteDeps): Router {
  const r = Router({ strict: false });
  const pre = [...d.authenticate, negotiate];
  const adminGroup = async (res: Parameters<RequestHandler>[1], root: string) => {
    const p = principalOf(res);
    const g = isAdmin(p, root) ? await d.groups.get(root) : undefined;
    if (!g) throw new NotFound(`There is no job administration for "${root}".`);
    return g;
  };

  r.get('/:root/admin/jobs/runs/', ...pre, async (req, res) => {
    const root = req.params.root as string;
    const g = await adminGroup(res, root);
    const q = strictQuery(req.query as Record<string, unknown>, ['job', 'limit']);
    const job = q.job;
    if (job !== undefined && !(JOBS as readonly string[]).includes(job)) {
      throw new BadRequest('invalid_parameter', `job must be one of ${JOBS.join(', ')}.`, { parameter: 'job' });
    }
    const limitText = q.limit ?? '20';
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100) {
      throw new BadRequest('invalid_parameter', 'limit must be an integer from 1 to 100.', { parameter: 'limit' });
    }
    const runs = await g.runs.list({ job, limit });
    sendTaxii(res, 200, { runs: runs.map(runResource) });
  });

  r.post('/:root/admin/jobs/:job/run', ...pre, async (req, res) => {
    const root = req.params.root as string;
    await adminGroup(res, root);
    const job = req.params.job as string;
    if (!(JOBS as readonly string[]).includes(job)) throw new NotFound(`There is no job "${job}".`);
    const { full } = strictQuery(req.query as Record<string, unknown>, ['full']);
    if (full !== undefined && full !== 'true' && full !== 'false') {
      throw new BadRequest('invalid_parameter', 'full must be true or false.', { parameter: 'full' });
    }
    await d.audit.record(root, principalOf(res), 'jobs.triggered', { job, full: full === 'true' });
    const run = await d.jobs.run(job as JobName, root, 'api', { full: full === 'true' });
    sendTaxii(res, 200, runResource(run));
  });
  return r;
}
