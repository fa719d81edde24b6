/**
 * Adding objects (TAXII 2.1 §5.4): validation, server metadata (TLP, version, correlation keys),
 * the bulk insert and the status resource. The service checks access before calling it.
 */
import crypto from 'node:crypto';
import type { Principal } from '../auth/principal';
import { visibilityOf } from '../auth/visibility';
import { tlpDefinedBy, tlpOf, type Tlp } from '../stix/markings';
import { dateAdded, versionKey } from '../storage/clock';
import type { CollectionDoc } from '../storage/collections';
import { draftKey, searchTextOf, type ObjectDraft } from '../storage/objects';
import type { StatusDetail, StatusDoc } from '../storage/status';
import type { GroupStores } from '../storage/trust-groups';
import type { ObjectVerdict } from '../stix';
import type { ServiceDeps } from './deps';

/** TAXII 2.1 §3.4.1: an object's version is `modified`, else `created`; SCOs have neither. */
function versionOf(stix: Record<string, unknown>): string | undefined {
  return typeof stix.modified === 'string' ? stix.modified : typeof stix.created === 'string' ? stix.created : undefined;
}

function describeFindings(index: number, v: ObjectVerdict): string {
  const what = `object #${index + 1}${v.type ? ` (${v.type})` : ''}`;
  return `${what} was rejected: ${v.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; ')}`;
}

/**
 * TAXII 2.1 §5.4 add objects, once the caller may write to the collection: validates every object,
 * stores the good ones in one unordered bulk insert, records a complete status resource (so all
 * that is acknowledged is stored) and reports each failure with its reason.
 */
export async function ingest(d: ServiceDeps, p: Principal, g: GroupStores, c: CollectionDoc, body: unknown): Promise<StatusDoc> {
  return (await ingestCounted(d, p, g, c, body)).status;
}

/**
 * The same pipeline with its counts, and server metadata of the caller's (a subscription's
 * provenance, never from the request) added to every stored object.
 */
export async function ingestCounted(
  d: ServiceDeps,
  p: Principal,
  g: GroupStores,
  c: CollectionDoc,
  body: unknown,
  extraMeta?: Pick<ObjectDraft['meta'], 'feed'>,
): Promise<{ status: StatusDoc; stored: number; duplicates: number }> {
  const name = g.name;
  const colId = c._id;
  const requestTimestamp = dateAdded();
  const validate = () => d.validator.validateEnvelope(body);
  const { objects, verdicts } = d.extensions ? await d.extensions.validateIn(g, validate) : validate();
  const markings = await markingResolver(g, colId, objects, p.organisation);
  const drafts: ObjectDraft[] = [];
  const failures: StatusDetail[] = [];
  const accepted: { key: string; stix: Record<string, unknown>; verdict: ObjectVerdict; repeated: boolean }[] = [];
  const keys = new Set<string>();
  for (let i = 0; i < objects.length; i++) {
    const verdict = verdicts[i]!;
    const stix = objects[i] as Record<string, unknown>;
    if (!verdict.ok) {
      failures.push({
        id: verdict.id ?? `(object #${i + 1} has no id)`,
        version: (typeof stix === 'object' && stix && versionOf(stix)) || '',
        message: describeFindings(i, verdict),
      });
      continue;
    }
    const raw = JSON.stringify(stix);
    const version = versionOf(stix);
    const ver = version ? versionKey(version) : undefined;
    const id = String(stix.id).toLowerCase();
    const vis = visibilityOf(stix, p.organisation, markings.resolve);
    const draft: ObjectDraft = {
      col: colId,
      raw,
      // Objects without a version (SCOs) are identified by their content, so a re-post is a no-op;
      // the repository versions them by their date_added.
      versionPart: ver ?? `h:${crypto.createHash('sha256').update(raw).digest('hex').slice(0, 32)}`,
      words: searchTextOf(stix),
      meta: {
        id,
        type: String(stix.type),
        sv: typeof stix.spec_version === 'string' ? stix.spec_version : '2.1',
        ...(ver ? { ver, verRaw: version } : {}),
        sub: p.subject,
        org: p.organisation,
        tlp: vis.tlp,
        readers: vis.readers,
        restricted: vis.readers.length > 0,
        ...d.deriveMeta?.(stix),
        ...extraMeta,
      },
    };
    const key = draftKey(draft);
    // The same object twice in one envelope is stored once.
    const repeated = keys.has(key);
    if (!repeated) drafts.push(draft);
    keys.add(key);
    accepted.push({ key, stix, verdict, repeated });
  }
  const { docs, existing } = await g.objects.add(drafts);
  const byKey = new Map(docs.map((x) => [x._id, x]));
  const successes: StatusDetail[] = accepted.map(({ key, stix, verdict, repeated }) => {
    const doc = byKey.get(key)!;
    const unknown = markings.unknownIn(stix);
    const notes = [
      unknown.length
        ? `${unknown.join(', ')} is not in this envelope nor in this collection, so the hub cannot tell its TLP: the object is kept as TLP:AMBER (its organisation and x_puente_recipients only)`
        : '',
      existing.has(doc._id) ? 'already stored; the stored copy was kept' : repeated ? 'repeated in this envelope; stored once' : '',
      verdict.warnings.length ? `warnings: ${verdict.warnings.map((w) => `${w.path} ${w.message}`).join('; ')}` : '',
    ].filter(Boolean);
    return { id: doc.meta.id, version: doc.meta.verRaw, ...(notes.length ? { message: notes.join('. ') } : {}) };
  });
  const stored = docs.filter((d) => !existing.has(d._id));
  await d.extensions?.stored(g, stored);
  d.metrics.objectsIngested.inc({ group: name, outcome: 'stored' }, stored.length);
  d.metrics.objectsIngested.inc({ group: name, outcome: 'duplicate' }, existing.size);
  d.metrics.objectsIngested.inc({ group: name, outcome: 'rejected' }, failures.length);
  d.log.info(
    { group: name, collection: colId, subject: p.subject, stored: stored.length, duplicates: existing.size, rejected: failures.length },
    'objects.added',
  );
  const status: StatusDoc = {
    _id: crypto.randomUUID(),
    col: colId,
    sub: p.subject,
    org: p.organisation,
    status: 'complete',
    request_timestamp: requestTimestamp,
    total_count: objects.length,
    success_count: successes.length,
    failure_count: failures.length,
    pending_count: 0,
    successes,
    failures,
    pendings: [],
    expires: new Date(Date.now() + d.statusRetentionHours * 3600_000),
  };
  await g.status.insert(status);
  // All accepted objects, re-posts included: a sharing-policy release that a crash interrupted
  // is completed by re-posting (releases are idempotent).
  if (docs.length && d.onStored) await d.onStored({ principal: p, group: name, collection: c, docs, stored });
  return { status, stored: stored.length, duplicates: existing.size };
}

/**
 * TLP of marking definitions that are not well known: from the envelope itself, else from the
 * collection. A reference the hub cannot resolve counts as AMBER: unknown markings fail closed.
 */
async function markingResolver(g: GroupStores, colId: string, objects: unknown[], organisation: string) {
  const defined = new Map<string, Tlp | null>();
  const refs = new Set<string>();
  for (const o of objects) {
    if (!o || typeof o !== 'object') continue;
    const obj = o as Record<string, unknown>;
    if (obj.type === 'marking-definition' && typeof obj.id === 'string') defined.set(obj.id, tlpDefinedBy(obj));
    tlpOf(obj, (ref) => (refs.add(ref), null));
  }
  const missing = [...refs].filter((r) => !defined.has(r));
  if (missing.length) {
    for (const d of await g.objects.findLatest(colId, missing, { organisation })) {
      defined.set(d.meta.id, tlpDefinedBy(JSON.parse(d.raw) as Record<string, unknown>));
    }
  }
  const resolve = (ref: string): Tlp | null => (defined.has(ref) ? defined.get(ref)! : 'amber');
  return {
    resolve,
    unknownIn: (obj: Record<string, unknown>) => {
      const out: string[] = [];
      tlpOf(obj, (ref) => (defined.has(ref) || out.push(ref), null));
      return out;
    },
  };
}
