/**
 * Puente's own endpoints beside TAXII: release between trust groups, and the audit log
 * (group admins). Same authentication, media types and error resource as TAXII.
 */
import { Router, type RequestHandler } from 'express';
import { BadRequest, NotFound } from '../errors';
import { principalOf } from '../auth/middleware';
import { isAdmin } from '../auth/permissions';
import { parseQuery } from '../http/query';
import { negotiate, readBody, requireTaxiiBody, sendTaxii } from '../http/taxii';
import type { PageTokens } from '../http/pagination';
import type { TrustGroups } from '../storage/trust-groups';
import type { Releases } from './release';

export interface AdminRouteDeps {
  groups: TrustGroups;
  releases: Releases;
  tokens: PageTokens;
  authenticate: RequestHandler[];
  maxContentLength: number;
  pageSizeDefault: number;
  pageSizeMax: number;
}

function stringList(value: unknown, field: string, max: number): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > max || value.some((v) => typeof v !== 'string' || v.length > 300)) {
    throw new BadRequest('invalid_request', `"${field}" must be a list of 1 to ${max} strings.`);
  }
  return value as string[];
}

export function adminRouter(d: AdminRouteDeps): Router {
  const r = Router();
  const pre = [...d.authenticate, negotiate];

  r.post('/:root/collections/:col/release/', ...pre, requireTaxiiBody, ...readBody(d.maxContentLength), async (req, res) => {
    parseQuery(req.query as Record<string, unknown>, [], d.pageSizeMax);
    const body = req.body as Record<string, unknown>;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequest('invalid_request', 'Send {"objects": ["<id>", ...], "to": ["<trust group>", ...]}.');
    }
    const unknown = Object.keys(body).filter((k) => k !== 'objects' && k !== 'to');
    if (unknown.length) throw new BadRequest('invalid_request', `Unknown field "${unknown[0]!.slice(0, 40)}"; send only "objects" and "to".`);
    const ids = stringList(body.objects, 'objects', 1000);
    const to = stringList(body.to, 'to', 20);
    const outcome = await d.releases.release(principalOf(res), req.params.root as string, req.params.col as string, ids, to);
    sendTaxii(res, 200, outcome);
  });

  r.get('/:root/admin/audit/', ...pre, async (req, res) => {
    const p = principalOf(res);
    const group = req.params.root as string;
    const g = isAdmin(p, group) ? await d.groups.get(group) : undefined;
    if (!g) throw new NotFound(`There is no resource at ${req.path}.`);
    const q = parseQuery(req.query as Record<string, unknown>, ['limit', 'next'], d.pageSizeMax);
    const binding = JSON.stringify(['audit', group, p.subject, q.limit]);
    const after = q.next ? d.tokens.open(binding, q.next).key : undefined;
    const page = await g.audit.page(after, q.limit ?? d.pageSizeDefault);
    const last = page.entries.at(-1);
    sendTaxii(res, 200, {
      more: page.more,
      ...(page.more && last ? { next: d.tokens.issue(binding, { added: last.at, key: last._id }) } : {}),
      entries: page.entries.map(({ _id, ...e }) => ({ id: _id, ...e })),
    });
  });
  return r;
}
