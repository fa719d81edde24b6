/**
 * TAXII 2.1 use cases. They take plain arguments (principal, group, collection id, parsed query)
 * and return plain data; only the routers know HTTP. "No permission" is indistinguishable from
 * "absent" (NotFound), so nobody learns what another trust group keeps.
 */
import crypto from 'node:crypto';
import { Forbidden, NotFound } from '../errors';
import type { Principal } from '../auth/principal';
import { canRead, canWrite, isAdmin, memberOf } from '../auth/permissions';
import { tlpDefinedBy, tlpOf, visibilityOf, type Tlp } from '../auth/tlp';
import { dateAdded, formatMicros, reserveMicros, versionKey } from '../storage/clock';
import type { CollectionDoc } from '../storage/collections';
import { objectKey, type ObjectDoc, type ObjectMeta, type Page } from '../storage/objects';
import type { StatusDetail, StatusDoc } from '../storage/status';
import type { ParsedQuery } from '../http/query';
import { bindingOf, type PageTokens } from '../http/pagination';
import { STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE } from '../http/media';
import type { Validator, ObjectVerdict } from '../stix';
import type { Metrics } from '../metrics';
import type { Logger } from '../logger';
import type { GroupStores, TrustGroups } from './groups';
import type { ExtensionDefinitions } from './extensions';

export interface ServiceDeps {
  groups: TrustGroups;
  validator: Validator;
  tokens: PageTokens;
  metrics: Metrics;
  log: Logger;
  maxContentLength: number;
  pageSizeDefault: number;
  statusRetentionHours: number;
  /** Extension definitions stored in each group, for validating extensions (STIX 2.1 §7.3). */
  extensions?: ExtensionDefinitions;
  /** Extra server-owned metadata derived from a valid object (e.g. correlation keys). */
  deriveMeta?: (stix: Record<string, unknown>) => Partial<ObjectMeta>;
  /** Called after objects are stored (sharing policy, audit), before the client is answered. */
  onStored?: (event: StoredEvent) => Promise<void>;
  /** Called after a delete, before the client is answered (audit). */
  onDeleted?: (event: { principal: Principal; group: string; collection: string; id: string; versions: string[]; restricted: boolean }) => Promise<void>;
}

export interface StoredEvent {
  principal: Principal;
  group: string;
  collection: CollectionDoc;
  /** Every accepted object of the request (new and already stored). */
  docs: ObjectDoc[];
  /** Those of `docs` that this request stored. */
  stored: ObjectDoc[];
}

export type ObjectsEndpoint = 'objects' | 'manifest' | 'object' | 'versions';

export interface PageResult {
  docs: ObjectDoc[];
  more: boolean;
  next?: string;
}

function collectionResource(p: Principal, group: string, c: CollectionDoc) {
  const access = { id: c._id, writable: c.writable };
  return {
    id: c._id,
    title: c.title,
    ...(c.description ? { description: c.description } : {}),
    alias: c.alias,
    can_read: canRead(p, group, access),
    can_write: canWrite(p, group, access),
    media_types: [STIX_MEDIA_TYPE],
  };
}

/** TAXII 2.1 §3.4.1: an object's version is `modified`, else `created`; SCOs have neither. */
function versionOf(stix: Record<string, unknown>): string | undefined {
  const v = typeof stix.modified === 'string' ? stix.modified : typeof stix.created === 'string' ? stix.created : undefined;
  return v;
}

export class TaxiiService {
  constructor(private readonly d: ServiceDeps) {}

  private async group(p: Principal, name: string): Promise<GroupStores> {
    const g = memberOf(p, name) ? await this.d.groups.get(name) : undefined;
    if (!g) throw new NotFound(`There is no API root "${name}".`);
    return g;
  }

  private async collection(p: Principal, name: string, id: string): Promise<{ g: GroupStores; c: CollectionDoc }> {
    const g = await this.group(p, name);
    const c = await g.collections.get(id);
    if (!c || !canRead(p, name, { id: c._id, writable: c.writable })) {
      throw new NotFound(`There is no collection "${id.slice(0, 64)}" in API root "${name}".`);
    }
    return { g, c };
  }

  /** TAXII 2.1 §4.1: only the API roots the caller belongs to are listed. */
  async discovery(p: Principal, baseUrl: string) {
    const roots = (await this.d.groups.all()).filter((g) => memberOf(p, g.name)).map((g) => `${baseUrl}/${g.name}/`);
    return {
      title: 'Puente',
      description: 'Cyber-incident sharing hub for the Colombia, EU and NATO-liaison trust groups (TAXII 2.1).',
      contact: 'Puente operators',
      ...(roots.length ? { default: roots[0] } : {}),
      api_roots: roots,
    };
  }

  async apiRoot(p: Principal, name: string) {
    const g = await this.group(p, name);
    return {
      title: g.doc.title,
      description: g.doc.description,
      versions: [TAXII_MEDIA_TYPE],
      max_content_length: this.d.maxContentLength,
    };
  }

  async collections(p: Principal, name: string) {
    const g = await this.group(p, name);
    const docs = await g.collections.list();
    return { collections: docs.map((c) => collectionResource(p, name, c)) };
  }

  async getCollection(p: Principal, name: string, id: string) {
    const { c } = await this.collection(p, name, id);
    return collectionResource(p, name, c);
  }

  /** Objects, manifest, one object and its versions share one keyset-paged query. */
  async page(p: Principal, name: string, colId: string, q: ParsedQuery, endpoint: ObjectsEndpoint, objectId?: string): Promise<PageResult> {
    const { g } = await this.collection(p, name, colId);
    const ids = objectId ? [objectId.toLowerCase()] : q.ids;
    const versions = endpoint === 'versions' ? ({ all: true } as const) : q.versions;
    const binding = bindingOf([
      endpoint, name, colId, objectId, p.subject, p.organisation, q.addedAfter, ids, q.types, q.specVersions, versions, q.limit,
    ]);
    const after = q.next ? this.d.tokens.open(binding, q.next) : undefined;
    const limit = q.limit ?? this.d.pageSizeDefault;
    const page: Page = await g.objects.page({
      collection: colId,
      viewer: { organisation: p.organisation },
      ids,
      types: q.types,
      specVersions: q.specVersions,
      versions,
      addedAfter: q.addedAfter,
      after,
      limit,
    });
    if (objectId && page.docs.length === 0 && !after) {
      throw new NotFound(`There is no object "${objectId.slice(0, 100)}" matching the request in this collection.`);
    }
    const last = page.docs[page.docs.length - 1];
    return {
      docs: page.docs,
      more: page.more,
      next: page.more && last ? this.d.tokens.issue(binding, { added: last.meta.added, key: last._id }) : undefined,
    };
  }

  async status(p: Principal, name: string, statusId: string) {
    const g = await this.group(p, name);
    const s = await g.status.get(statusId);
    // Only the submitting organisation: a status lists ids, restricted ones included.
    if (!s || s.org !== p.organisation) throw new NotFound(`There is no status "${statusId.slice(0, 64)}".`);
    return statusResource(s);
  }

  /** TAXII 2.1 §5.4: validates every object, stores the good ones, reports each failure. */
  async addObjects(p: Principal, name: string, colId: string, body: unknown) {
    const { g, c } = await this.collection(p, name, colId);
    if (!canWrite(p, name, { id: c._id, writable: c.writable })) {
      throw new Forbidden(
        c.writable ? 'Your token does not allow writing to this trust group.' : `Collection "${c.alias}" is read-only.`,
      );
    }
    const requestTimestamp = dateAdded();
    const validate = () => this.d.validator.validateEnvelope(body);
    const { objects, verdicts } = this.d.extensions ? await this.d.extensions.validateIn(g, validate) : validate();
    const markings = await this.markingResolver(g, colId, objects, p.organisation);
    const docs: ObjectDoc[] = [];
    const failures: StatusDetail[] = [];
    const accepted: { doc: ObjectDoc; verdict: ObjectVerdict }[] = [];
    let micros = reserveMicros(objects.length);
    const firstAdded = formatMicros(micros);
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
      const added = formatMicros(micros++);
      const version = versionOf(stix);
      const id = String(stix.id).toLowerCase();
      const vis = visibilityOf(stix, p.organisation, markings.resolve);
      const meta: ObjectMeta = {
        id,
        type: String(stix.type),
        sv: typeof stix.spec_version === 'string' ? stix.spec_version : '2.1',
        ver: (version && versionKey(version)) || `${added.slice(0, 26)}000Z`,
        verRaw: version ?? added,
        added,
        sub: p.subject,
        org: p.organisation,
        tlp: vis.tlp,
        readers: vis.readers,
        restricted: vis.readers.length > 0,
        ...this.d.deriveMeta?.(stix),
      };
      // Objects without a version (SCOs) are identified by their content, so a re-post is a no-op.
      const versionPart = version ? meta.ver : `h:${crypto.createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
      const doc: ObjectDoc = { _id: objectKey(colId, id, versionPart), col: colId, raw, meta };
      // The same object twice in one envelope is stored once.
      if (!keys.has(doc._id)) docs.push(doc);
      keys.add(doc._id);
      accepted.push({ doc, verdict });
    }
    const done = g.objects.beginWrite(firstAdded);
    let existing: Set<string>;
    try {
      existing = await g.objects.insert(docs);
    } finally {
      done();
    }
    const successes: StatusDetail[] = accepted.map(({ doc, verdict }) => {
      const unknown = markings.unknownIn(JSON.parse(doc.raw) as Record<string, unknown>);
      const notes = [
        unknown.length
          ? `${unknown.join(', ')} is not in this envelope nor in this collection, so the hub cannot tell its TLP: the object is kept as TLP:AMBER (its organisation and x_puente_recipients only)`
          : '',
        existing.has(doc._id) ? 'already stored; the stored copy was kept' : docs.includes(doc) ? '' : 'repeated in this envelope; stored once',
        verdict.warnings.length ? `warnings: ${verdict.warnings.map((w) => `${w.path} ${w.message}`).join('; ')}` : '',
      ].filter(Boolean);
      return { id: doc.meta.id, version: doc.meta.verRaw, ...(notes.length ? { message: notes.join('. ') } : {}) };
    });
    const stored = docs.filter((d) => !existing.has(d._id));
    await this.d.extensions?.stored(g, stored);
    this.d.metrics.objectsIngested.inc({ group: name, outcome: 'stored' }, stored.length);
    this.d.metrics.objectsIngested.inc({ group: name, outcome: 'duplicate' }, existing.size);
    this.d.metrics.objectsIngested.inc({ group: name, outcome: 'rejected' }, failures.length);
    this.d.log.info(
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
      expires: new Date(Date.now() + this.d.statusRetentionHours * 3600_000),
    };
    await g.status.insert(status);
    // All accepted objects, re-posts included: a sharing-policy release that a crash interrupted
    // is completed by re-posting (releases are idempotent).
    if (docs.length && this.d.onStored) await this.d.onStored({ principal: p, group: name, collection: c, docs, stored });
    return statusResource(status);
  }

  /**
   * TLP of marking definitions that are not well known: from the envelope itself, else from the
   * collection. A reference the hub cannot resolve counts as AMBER: unknown markings fail closed.
   */
  private async markingResolver(g: GroupStores, colId: string, objects: unknown[], organisation: string) {
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

  /** TAXII 2.1 §5.7: deletes every visible version, or those named by match[version]/match[spec_version]. */
  async deleteObject(p: Principal, name: string, colId: string, objectId: string, q: ParsedQuery) {
    const { g, c } = await this.collection(p, name, colId);
    const id = objectId.toLowerCase();
    let docs = await g.objects.findVersions(colId, id, { organisation: p.organisation });
    if (q.specVersions) docs = docs.filter((d) => q.specVersions!.includes(d.meta.sv));
    if (q.versionGiven && !q.versions.all) {
      const sorted = [...docs].sort((a, b) => (a.meta.ver < b.meta.ver ? -1 : 1));
      const v = q.versions;
      docs = sorted.filter(
        (d, i) => v.exact.includes(d.meta.ver) || (v.first && i === 0) || (v.last && i === sorted.length - 1),
      );
    }
    if (docs.length === 0) throw new NotFound(`There is no object "${objectId.slice(0, 100)}" matching the request in this collection.`);
    if (!canWrite(p, name, { id: c._id, writable: c.writable })) {
      throw new Forbidden(c.writable ? 'Your token does not allow deleting in this trust group.' : `Collection "${c.alias}" is read-only.`);
    }
    const admin = isAdmin(p, name);
    const mine = docs.filter((d) => admin || d.meta.org === p.organisation);
    if (mine.length < docs.length) throw new Forbidden('Only the submitting organisation or a group admin may delete this object.');
    const deleted = await g.objects.deleteByKeys(mine.map((d) => d._id));
    this.d.log.info({ group: name, collection: colId, subject: p.subject, id, deleted }, 'objects.deleted');
    const versions = mine.map((d) => d.meta.verRaw);
    await this.d.onDeleted?.({ principal: p, group: name, collection: colId, id, versions, restricted: mine.some((d) => d.meta.restricted) });
    return { deleted, versions };
  }
}

function describeFindings(index: number, v: ObjectVerdict): string {
  const what = `object #${index + 1}${v.type ? ` (${v.type})` : ''}`;
  return `${what} was rejected: ${v.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; ')}`;
}

export function statusResource(s: StatusDoc) {
  return {
    id: s._id,
    status: s.status,
    request_timestamp: s.request_timestamp,
    total_count: s.total_count,
    success_count: s.success_count,
    successes: s.successes,
    failure_count: s.failure_count,
    failures: s.failures,
    pending_count: s.pending_count,
    pendings: s.pendings,
  };
}
