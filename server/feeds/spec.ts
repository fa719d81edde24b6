/**
 * A subscription as an admin sends it (POST /{api_root}/admin/subscriptions/), checked field by
 * field into the stored document, and the redacted form every answer shows (secrets never leave).
 */
import crypto from 'node:crypto';
import cron from 'node-cron';
import { BadRequest } from '../errors';
import { TLP2_MARKING_IDS } from '../stix/markings';
import { AUTH_KINDS, SOURCE_KINDS, type FeedRunDoc, type SourceAuth, type SubscriptionDoc } from '../storage/feeds';
import { OBSERVABLE_TYPES } from './observables';

const FIELDS = [
  'name', 'kind', 'url', 'remote_collection', 'auth', 'ca', 'collection', 'markings', 'max_confidence', 'labels', 'schedule',
  'start', 'filters', 'columns', 'partner_organisation', 'page_size', 'retry', 'enabled',
] as const;
const MARKING_ID = /^marking-definition--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function bad(message: string): never {
  throw new BadRequest('invalid_request', message);
}

export function str(v: unknown, field: string, max = 2000, required = false): string | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || !v.length || v.length > max) bad(`"${field}" must be a string of 1 to ${max} characters.`);
  return v;
}

function strings(v: unknown, field: string, test?: RegExp): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length > 50 || v.some((x) => typeof x !== 'string' || !x.length || x.length > 250 || (test && !test.test(x)))) {
    bad(`"${field}" must be a list of at most 50 ${test ? 'well-formed ids' : 'non-empty strings'}.`);
  }
  return v as string[];
}

export function httpUrl(v: unknown, field: string): string {
  const s = str(v, field, 2000, true)!;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    bad(`"${field}" must be an http or https URL.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') bad(`"${field}" must be an http or https URL.`);
  if (u.username || u.password) bad(`"${field}" must not carry credentials; give them in "auth".`);
  return s;
}

function authOf(v: unknown): SourceAuth {
  if (v === undefined) return { type: 'none' };
  if (!v || typeof v !== 'object' || Array.isArray(v)) bad('"auth" must be an object with a "type".');
  const a = v as Record<string, unknown>;
  const type = a.type as SourceAuth['type'];
  if (!(AUTH_KINDS as readonly string[]).includes(String(type))) bad(`"auth.type" must be one of ${AUTH_KINDS.join(', ')}.`);
  const allowed: Record<string, string[]> = { none: [], basic: ['username', 'password'], bearer: ['token'], header: ['header', 'value'], tls: ['cert', 'key'] };
  const extra = Object.keys(a).filter((k) => k !== 'type' && !allowed[type]!.includes(k));
  if (extra.length) bad(`"auth.${extra[0]!.slice(0, 40)}" does not belong to auth type ${type}.`);
  const out: SourceAuth = { type };
  for (const k of allowed[type]!) (out as unknown as Record<string, string>)[k] = str(a[k], `auth.${k}`, 20000, true)!;
  if (type === 'header' && !/^[A-Za-z0-9-]{1,100}$/.test(out.header!)) bad('"auth.header" must be an HTTP header name.');
  return out;
}

function filtersOf(v: unknown): SubscriptionDoc['filters'] {
  if (v === undefined) return {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) bad('"filters" must be an object.');
  const out: SubscriptionDoc['filters'] = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (!/^(match\[(type|id|version|spec_version)\]|published|tags)$/.test(k)) bad(`"filters.${k.slice(0, 40)}" is not a filter (match[type], match[id], match[version], match[spec_version], published, tags).`);
    if (typeof x === 'boolean' || (typeof x === 'string' && x.length <= 1000)) out[k] = x;
    else out[k] = strings(x, `filters.${k}`) ?? bad(`"filters.${k}" must be a string, a boolean or a list of strings.`);
  }
  return out;
}

export function int(v: unknown, field: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(`"${field}" must be an integer from ${min} to ${max}.`);
  return v;
}

export function parseSubscription(body: unknown, group: string, createdBy: { subject: string; organisation: string }, collectionExists: (id: string) => boolean): SubscriptionDoc {
  if (!body || typeof body !== 'object' || Array.isArray(body)) bad('Send a JSON object describing the subscription.');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown.length) bad(`Unknown field "${unknown[0]!.slice(0, 40)}".`);
  const kind = b.kind as SubscriptionDoc['kind'];
  if (!(SOURCE_KINDS as readonly string[]).includes(String(kind))) bad(`"kind" must be one of ${SOURCE_KINDS.join(', ')}.`);
  const collection = str(b.collection, 'collection', 200, true)!;
  if (!collectionExists(collection)) bad(`"collection" names no collection of ${group}.`);
  const schedule = str(b.schedule, 'schedule', 100) ?? '*/15 * * * *';
  if (!cron.validate(schedule)) bad('"schedule" must be a cron expression (e.g. "*/15 * * * *").');
  const start = str(b.start, 'start', 40) ?? 'everything';
  if (start !== 'everything' && !TIMESTAMP.test(start)) bad('"start" must be "everything" or a timestamp (2026-01-01T00:00:00Z).');
  let columns: Record<string, string> | undefined;
  if (b.columns !== undefined) {
    if (!b.columns || typeof b.columns !== 'object' || Array.isArray(b.columns) || Object.keys(b.columns).length > 20) bad('"columns" must map up to 20 columns to observable types.');
    columns = {};
    for (const [k, t] of Object.entries(b.columns as Record<string, unknown>)) {
      if (typeof t !== 'string' || !(OBSERVABLE_TYPES as readonly string[]).includes(t) || k.length > 100) bad(`"columns.${k.slice(0, 40)}" must be one of ${OBSERVABLE_TYPES.join(', ')}.`);
      columns[k] = t;
    }
  }
  const partner = str(b.partner_organisation, 'partner_organisation', 100);
  if (partner && !/^identity--[0-9a-f-]{36}$/.test(partner)) bad('"partner_organisation" must be an identity id.');
  let retry: SubscriptionDoc['retry'];
  if (b.retry !== undefined) {
    if (!b.retry || typeof b.retry !== 'object' || Array.isArray(b.retry)) bad('"retry" must be an object.');
    const r = b.retry as Record<string, unknown>;
    const extra = Object.keys(r).filter((k) => !['attempts', 'timeout_ms', 'base_delay_ms', 'max_retry_after_ms'].includes(k));
    if (extra.length) bad(`Unknown field "retry.${extra[0]!.slice(0, 40)}".`);
    retry = {
      attempts: int(r.attempts, 'retry.attempts', 1, 20),
      timeoutMs: int(r.timeout_ms, 'retry.timeout_ms', 100, 600_000),
      baseDelayMs: int(r.base_delay_ms, 'retry.base_delay_ms', 0, 60_000),
      maxRetryAfterMs: int(r.max_retry_after_ms, 'retry.max_retry_after_ms', 0, 3_600_000),
    };
    retry = JSON.parse(JSON.stringify(retry)) as SubscriptionDoc['retry'];
  }
  if (b.enabled !== undefined && typeof b.enabled !== 'boolean') bad('"enabled" must be true or false.');
  const doc: SubscriptionDoc = {
    _id: crypto.randomUUID(),
    name: str(b.name, 'name', 200, true)!,
    kind,
    url: httpUrl(b.url, 'url'),
    auth: authOf(b.auth),
    collection,
    markings: strings(b.markings, 'markings', MARKING_ID) ?? [TLP2_MARKING_IDS.amber],
    labels: strings(b.labels, 'labels') ?? [],
    schedule,
    start,
    filters: filtersOf(b.filters),
    pageSize: int(b.page_size, 'page_size', 1, 10_000) ?? 1000,
    enabled: b.enabled !== false,
    created: new Date().toISOString(),
    createdBy: createdBy.subject,
    organisation: createdBy.organisation,
    cursor: {},
    health: { consecutiveFailures: 0 },
  };
  const rc = str(b.remote_collection, 'remote_collection', 300);
  if (rc) doc.remoteCollection = rc;
  const ca = str(b.ca, 'ca', 100_000);
  if (ca) doc.ca = ca;
  const mc = int(b.max_confidence, 'max_confidence', 0, 100);
  if (mc !== undefined) doc.maxConfidence = mc;
  if (columns) doc.columns = columns;
  if ((kind === 'csv' || kind === 'text') && !columns && kind === 'csv') bad('"columns" is needed for a csv subscription (e.g. {"0": "ipv4-addr"}).');
  if (partner) doc.partnerOrganisation = partner;
  if (retry && Object.keys(retry).length) doc.retry = retry;
  return doc;
}

/** The subscription as answers show it: credentials replaced by what kind they are. */
export function subscriptionResource(s: SubscriptionDoc) {
  return {
    id: s._id,
    name: s.name,
    kind: s.kind,
    url: s.url,
    ...(s.remoteCollection ? { remote_collection: s.remoteCollection } : {}),
    auth: { type: s.auth.type, ...(s.auth.type === 'basic' ? { username: s.auth.username } : {}), ...(s.auth.type === 'header' ? { header: s.auth.header } : {}) },
    collection: s.collection,
    markings: s.markings,
    ...(s.maxConfidence !== undefined ? { max_confidence: s.maxConfidence } : {}),
    labels: s.labels,
    schedule: s.schedule,
    start: s.start,
    filters: s.filters,
    ...(s.columns ? { columns: s.columns } : {}),
    ...(s.partnerOrganisation ? { partner_organisation: s.partnerOrganisation } : {}),
    page_size: s.pageSize,
    enabled: s.enabled,
    created: s.created,
    created_by: s.createdBy,
    cursor: {
      ...(s.cursor.addedAfter ? { added_after: s.cursor.addedAfter } : {}),
      ...(s.cursor.next ? { next: true } : {}),
      ...(s.cursor.added ? { added: s.cursor.added } : {}),
    },
    health: {
      consecutive_failures: s.health.consecutiveFailures ?? 0,
      ...(s.health.lastRun ? { last_run: s.health.lastRun } : {}),
      ...(s.health.lastSuccess ? { last_success: s.health.lastSuccess } : {}),
      ...(s.health.lastFailure ? { last_failure: s.health.lastFailure } : {}),
      ...(s.health.lastError ? { last_error: s.health.lastError } : {}),
    },
  };
}

export function feedRunResource(r: FeedRunDoc) {
  return {
    id: r._id,
    subscription: r.subscription,
    trigger: r.trigger,
    started: r.started,
    ...(r.ended ? { ended: r.ended } : {}),
    outcome: r.outcome,
    pages: r.pages,
    new: r.new,
    duplicate: r.duplicate,
    invalid: r.invalid,
    invalid_objects: r.invalidObjects,
    retries: r.retries,
    ...(r.withheld !== undefined ? { withheld: r.withheld } : {}),
    errors: r.errors,
    ...(r.ms !== undefined ? { ms: r.ms } : {}),
  };
}
