/**
 * Puente's own endpoints beside TAXII, as use cases over plain arguments: release between trust
 * groups, the audit log and job administration. Audit and jobs are for the group's admins only;
 * anyone else gets NotFound, exactly as for something absent, before the query is even read
 * (so a bad parameter tells a non-admin nothing either): queries come as parse thunks.
 */
import type { Principal } from '../auth/principal';
import { adminGroup } from './admin-group';
import { BadRequest, NotFound } from '../errors';
import type { PageTokens } from '../http/pagination';
import type { RunDoc } from '../storage/jobs';
import type { GroupStores, TrustGroups } from '../storage/trust-groups';
import type { AuditLog } from '../taxii/audit';
import type { Releases } from '../taxii/release';
import { JOBS, type JobName, type Jobs } from '../jobs/scheduler';

export interface AdministrationDeps {
  groups: TrustGroups;
  releases: Releases;
  audit: AuditLog;
  jobs: Jobs;
  tokens: PageTokens;
  pageSizeDefault: number;
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

function stringList(value: unknown, field: string, max: number): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > max || value.some((v) => typeof v !== 'string' || v.length > 300)) {
    throw new BadRequest('invalid_request', `"${field}" must be a list of 1 to ${max} strings.`);
  }
  return value as string[];
}

export class Administration {
  constructor(private readonly d: AdministrationDeps) {}

  private adminGroup(p: Principal, group: string, what: string): Promise<GroupStores> {
    return adminGroup(this.d.groups, p, group, `There is no ${what}`);
  }

  /** POST /{api_root}/collections/{id}/release/ with {"objects": [...], "to": [...]}. */
  async release(p: Principal, group: string, collection: string, body: unknown) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequest('invalid_request', 'Send {"objects": ["<id>", ...], "to": ["<trust group>", ...]}.');
    }
    const b = body as Record<string, unknown>;
    const unknown = Object.keys(b).filter((k) => k !== 'objects' && k !== 'to');
    if (unknown.length) throw new BadRequest('invalid_request', `Unknown field "${unknown[0]!.slice(0, 40)}"; send only "objects" and "to".`);
    return this.d.releases.release(p, group, collection, stringList(b.objects, 'objects', 1000), stringList(b.to, 'to', 20));
  }

  /** The group's audit log, keyset-paged with a `next` token bound to the caller and the limit. */
  async auditPage(p: Principal, group: string, query: () => { limit?: number; next?: string }) {
    const g = await this.adminGroup(p, group, 'audit log');
    const q = query();
    const binding = JSON.stringify(['audit', group, p.subject, q.limit]);
    const after = q.next ? this.d.tokens.open(binding, q.next).key : undefined;
    const page = await g.audit.page(after, q.limit ?? this.d.pageSizeDefault);
    const last = page.entries.at(-1);
    return {
      more: page.more,
      ...(page.more && last ? { next: this.d.tokens.issue(binding, { added: last.at, key: last._id }) } : {}),
      entries: page.entries.map(({ _id, ...e }) => ({ id: _id, ...e })),
    };
  }

  /** Run history, newest first. */
  async runs(p: Principal, group: string, query: () => { job?: string; limit?: string }) {
    const g = await this.adminGroup(p, group, 'job administration');
    const q = query();
    if (q.job !== undefined && !(JOBS as readonly string[]).includes(q.job)) {
      throw new BadRequest('invalid_parameter', `job must be one of ${JOBS.join(', ')}.`, { parameter: 'job' });
    }
    const limitText = q.limit ?? '20';
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100) {
      throw new BadRequest('invalid_parameter', 'limit must be an integer from 1 to 100.', { parameter: 'limit' });
    }
    return { runs: (await g.runs.list({ job: q.job, limit })).map(runResource) };
  }

  /** Runs a job now for the group (audited) and answers its run record. */
  async runJob(p: Principal, group: string, job: string, query: () => { full?: string }) {
    await this.adminGroup(p, group, 'job administration');
    const q = query();
    if (!(JOBS as readonly string[]).includes(job)) throw new NotFound(`There is no job "${job.slice(0, 64)}".`);
    if (q.full !== undefined && q.full !== 'true' && q.full !== 'false') {
      throw new BadRequest('invalid_parameter', 'full must be true or false.', { parameter: 'full' });
    }
    const full = q.full === 'true';
    await this.d.audit.record(group, p, 'jobs.triggered', { job, full });
    return runResource(await this.d.jobs.run(job as JobName, group, 'api', { full }));
  }
}
