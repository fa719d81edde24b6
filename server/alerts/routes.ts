/**
 * The alert queue endpoints (JSON; errors are the TAXII error resource), thin handlers over
 * AlertWorkflow:
 *   GET  /{api_root}/alerts/?status=&severity=&rule=&limit=&next=
 *   POST /{api_root}/alerts/acknowledge/   {"ids": [...]}
 *   GET  /{api_root}/alerts/allowlist/
 *   GET  /{api_root}/alerts/{id}/
 *   POST /{api_root}/alerts/{id}/          {"status", "reason", "assignee", "comment", "allow"}
 */
import { Router, type RequestHandler } from 'express';
import { principalOf } from '../auth/middleware';
import { BadRequest } from '../errors';
import { strictQuery } from '../http/query';
import { readBody } from '../http/taxii';
import { negotiateJson, requireJsonBody, sendJson } from '../search/routes';
import { lengthOf, parseLimit, parseNext } from '../search/params';
import { ALERT_STATUSES, type AlertStatus } from '../storage/alert-state';
import { SEVERITIES, type AlertWorkflow, type Change, type QueueFilter, type Severity } from './workflow';

export interface AlertRouteDeps {
  workflow: AlertWorkflow;
  authenticate: RequestHandler[];
  pageSizeMax: number;
  maxContentLength: number;
}

function listParam<T extends string>(name: string, v: string | undefined, allowed?: readonly T[]): T[] | undefined {
  if (v === undefined) return undefined;
  const items = v.split(',');
  if (lengthOf(v) > 200 || items.some((s) => s === '') || (allowed && items.some((s) => !allowed.includes(s as T)))) {
    throw new BadRequest('invalid_parameter', `${name} takes a comma-separated list${allowed ? ` of ${allowed.join(', ')}` : ''}.`, { parameter: name });
  }
  return items as T[];
}

function object(body: unknown, members: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('invalid_request', `Send a JSON object with ${members.join(', ')}.`);
  const unknown = Object.keys(body).find((k) => !members.includes(k));
  if (unknown !== undefined) throw new BadRequest('invalid_request', `Unknown member "${unknown.slice(0, 64)}": the body takes ${members.join(', ')}.`);
  return body as Record<string, unknown>;
}

function change(body: unknown): Change {
  const b = object(body, ['status', 'reason', 'assignee', 'comment', 'allow']);
  const str = (k: string) => {
    if (b[k] !== undefined && typeof b[k] !== 'string') throw new BadRequest('invalid_request', `"${k}" must be a string.`);
    return b[k] as string | undefined;
  };
  if (b.assignee !== undefined && b.assignee !== null && typeof b.assignee !== 'string') throw new BadRequest('invalid_request', '"assignee" must be a string or null.');
  if (b.allow !== undefined && typeof b.allow !== 'boolean') throw new BadRequest('invalid_request', '"allow" must be true or false.');
  return {
    status: str('status') as Change['status'], reason: str('reason') as Change['reason'], comment: str('comment'),
    assignee: b.assignee as string | null | undefined, allow: b.allow as boolean | undefined,
  };
}

export function alertsRouter(d: AlertRouteDeps): Router {
  const r = Router({ strict: false });
  const pre = [...d.authenticate, negotiateJson];
  const w = d.workflow;
  const root = (req: { params: Record<string, unknown> }) => req.params.root as string;
  const query = (req: { query: unknown }) => req.query as Record<string, unknown>;
  const body = [requireJsonBody, ...readBody(d.maxContentLength)];

  r.get('/:root/alerts/', ...pre, async (req, res) => {
    const q = strictQuery(query(req), ['status', 'severity', 'rule', 'limit', 'next']);
    const f: QueueFilter = {};
    const status = listParam<AlertStatus>('status', q.status, ALERT_STATUSES);
    const severity = listParam<Severity>('severity', q.severity, SEVERITIES);
    const rule = listParam<string>('rule', q.rule);
    if (status) f.status = status;
    if (severity) f.severity = severity;
    if (rule) f.rule = rule;
    sendJson(res, 200, await w.list(principalOf(res), root(req), f, parseLimit(q.limit, d.pageSizeMax), parseNext(q.next)));
  });
  r.post('/:root/alerts/acknowledge/', ...pre, ...body, async (req, res) => {
    strictQuery(query(req), []);
    const b = object(req.body, ['ids']);
    if (!Array.isArray(b.ids) || b.ids.length === 0 || b.ids.length > 1000 || b.ids.some((x) => typeof x !== 'string')) {
      throw new BadRequest('invalid_request', '"ids" must be a list of 1 to 1000 alert ids.');
    }
    sendJson(res, 200, await w.acknowledge(principalOf(res), root(req), (b.ids as string[]).map((x) => x.toLowerCase())));
  });
  r.get('/:root/alerts/allowlist/', ...pre, async (req, res) => {
    strictQuery(query(req), []);
    sendJson(res, 200, await w.allowList(principalOf(res), root(req)));
  });
  // Only grouping ids here, so acknowledge/ and allowlist/ are paths of their own (405 and Allow stay exact).
  r.get('/:root/alerts/grouping--:uuid/', ...pre, async (req, res) => {
    strictQuery(query(req), []);
    sendJson(res, 200, await w.get(principalOf(res), root(req), `grouping--${String(req.params.uuid)}`));
  });
  r.post('/:root/alerts/grouping--:uuid/', ...pre, ...body, async (req, res) => {
    strictQuery(query(req), []);
    sendJson(res, 200, await w.update(principalOf(res), root(req), `grouping--${String(req.params.uuid)}`, change(req.body)));
  });
  return r;
}
