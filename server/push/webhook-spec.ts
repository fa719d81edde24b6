/**
 * A webhook as an admin sends it (POST /{api_root}/admin/webhooks/, PATCH …/{id}/), checked
 * field by field into the stored document, and the form every answer shows: the secret never
 * leaves (not in answers, logs or the audit log).
 */
import crypto from 'node:crypto';
import { BadRequest } from '../errors';
import { httpUrl, int, str } from '../feeds/spec';
import { dateAdded, normaliseTimestamp } from '../storage/clock';
import type { DeliveryDoc, WebhookDoc } from '../storage/webhooks';
import { compileFilter, WEBHOOK_FILTERS } from './webhook-filter';

const CREATE_FIELDS = ['name', 'collection', 'url', 'secret', 'filters', 'alerts', 'batch_size', 'start'] as const;
export const PATCH_FIELDS = ['name', 'url', 'secret', 'filters', 'alerts', 'batch_size'] as const;
const MIN_SECRET = 16;

function bad(message: string): never {
  throw new BadRequest('invalid_request', message);
}

function object(body: unknown, what: string): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) bad(`Send a JSON object describing the ${what}.`);
  return body as Record<string, unknown>;
}

function onlyFields(b: Record<string, unknown>, fields: readonly string[]): void {
  const unknown = Object.keys(b).filter((k) => !fields.includes(k));
  if (unknown.length) bad(`Unknown field "${unknown[0]!.slice(0, 40)}"; a webhook takes ${fields.join(', ')}.`);
}

function secretOf(v: unknown): string {
  if (typeof v !== 'string' || v.length < MIN_SECRET || v.length > 1000) bad(`"secret" must be a string of ${MIN_SECRET} to 1000 characters.`);
  return v;
}

/** Filters as export query parameters (strings), checked by the export parser. */
function filtersOf(v: unknown): Record<string, string> {
  if (v === undefined) return {};
  const f = object(v, 'filters');
  for (const [k, x] of Object.entries(f)) {
    if (!(WEBHOOK_FILTERS as readonly string[]).includes(k)) bad(`"filters.${k.slice(0, 40)}" is not a webhook filter (${WEBHOOK_FILTERS.join(', ')}).`);
    if (typeof x !== 'string' || x.length > 2000) bad(`"filters.${k}" must be a string, as in an export URL (e.g. "ipv4,domain").`);
  }
  compileFilter(f as Record<string, string>); // throws invalid_parameter naming the filter
  return { ...(f as Record<string, string>) };
}

function bool(v: unknown, field: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') bad(`"${field}" must be true or false.`);
  return v;
}

export function parseWebhook(body: unknown, createdBy: { subject: string; organisation: string }, collectionExists: (id: string) => boolean, batchMax: number): WebhookDoc {
  const b = object(body, 'webhook');
  onlyFields(b, CREATE_FIELDS);
  const collection = str(b.collection, 'collection', 200, true)!;
  if (!collectionExists(collection)) bad('"collection" names no collection of this trust group.');
  if (b.secret === undefined) bad('"secret" is required: every delivery is signed with it (X-Puente-Signature).');
  const start = str(b.start, 'start', 40) ?? 'now';
  const from = start === 'now' ? dateAdded() : start === 'everything' ? '' : normaliseTimestamp(start, 6);
  if (from === undefined) bad('"start" must be "now", "everything" or a timestamp (2026-01-01T00:00:00Z).');
  return {
    _id: crypto.randomUUID(),
    name: str(b.name, 'name', 200, true)!,
    collection,
    url: httpUrl(b.url, 'url'),
    secret: secretOf(b.secret),
    filters: filtersOf(b.filters),
    alerts: bool(b.alerts, 'alerts') ?? false,
    batchSize: int(b.batch_size, 'batch_size', 1, batchMax) ?? Math.min(100, batchMax),
    state: 'active',
    created: new Date().toISOString(),
    createdBy: createdBy.subject,
    organisation: createdBy.organisation,
    // Strictly after: a key of "" sorts before every key, "\uffff" after (start "now": nothing stored so far).
    cursor: { added: from, key: start === 'now' ? '\uffff' : '' },
    health: { consecutiveFailures: 0, delivered: 0 },
  };
}

/** The fields a PATCH changes, checked as on create; nothing else of the webhook moves. */
export function parseWebhookPatch(body: unknown, batchMax: number): Partial<Pick<WebhookDoc, 'name' | 'url' | 'secret' | 'filters' | 'alerts' | 'batchSize'>> {
  const b = object(body, 'change');
  onlyFields(b, PATCH_FIELDS);
  if (Object.keys(b).length === 0) bad(`Send at least one of ${PATCH_FIELDS.join(', ')}.`);
  const out: ReturnType<typeof parseWebhookPatch> = {};
  if (b.name !== undefined) out.name = str(b.name, 'name', 200, true)!;
  if (b.url !== undefined) out.url = httpUrl(b.url, 'url');
  if (b.secret !== undefined) out.secret = secretOf(b.secret);
  if (b.filters !== undefined) out.filters = filtersOf(b.filters);
  if (b.alerts !== undefined) out.alerts = bool(b.alerts, 'alerts')!;
  if (b.batch_size !== undefined) out.batchSize = int(b.batch_size, 'batch_size', 1, batchMax)!;
  return out;
}

/** The webhook as answers show it: no secret. */
export function webhookResource(w: WebhookDoc) {
  const h = w.health;
  return {
    id: w._id,
    name: w.name,
    collection: w.collection,
    url: w.url,
    filters: w.filters,
    alerts: w.alerts,
    batch_size: w.batchSize,
    state: w.state,
    ...(w.state === 'paused' && w.pausedBy ? { paused_by: w.pausedBy } : {}),
    created: w.created,
    created_by: w.createdBy,
    ...(w.cursor.added ? { cursor: w.cursor.added } : {}),
    health: {
      consecutive_failures: h.consecutiveFailures,
      delivered: h.delivered,
      ...(h.firstFailure ? { first_failure: h.firstFailure } : {}),
      ...(h.lastAttempt ? { last_attempt: h.lastAttempt } : {}),
      ...(h.lastSuccess ? { last_success: h.lastSuccess } : {}),
      ...(h.lastStatus !== undefined && h.lastStatus !== null ? { last_status: h.lastStatus } : {}),
      ...(h.lastError ? { last_error: h.lastError } : {}),
      ...(h.nextAttempt && w.state === 'active' ? { next_attempt: h.nextAttempt } : {}),
    },
  };
}

export function deliveryResource(d: DeliveryDoc) {
  return {
    id: d._id,
    delivery: d.delivery,
    at: d.at,
    attempt: d.attempt,
    kind: d.kind,
    count: d.count,
    first: d.first,
    last: d.last,
    outcome: d.outcome,
    ...(d.status !== undefined ? { status: d.status } : {}),
    ...(d.error ? { error: d.error } : {}),
    ...(d.nextAttempt ? { next_attempt: d.nextAttempt } : {}),
    ms: d.ms,
  };
}
