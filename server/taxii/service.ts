/**
 * TAXII 2.1 use cases. They take plain arguments (principal, group, collection id, parsed query)
 * and return plain data; only the routers know HTTP. "No permission" is indistinguishable from
 * "absent" (NotFound), so nobody learns what another trust group keeps.
 */
import { Forbidden, NotFound } from '../errors';
import type { Principal } from '../auth/principal';
import { canRead, canWrite, isAdmin, memberOf } from '../auth/permissions';
import { canSee } from '../auth/visibility';
import type { CollectionDoc } from '../storage/collections';
import type { ObjectDoc, Page, VersionFilter } from '../storage/objects';
import type { StatusDoc } from '../storage/status';
import type { ParsedQuery } from '../http/query';
import { bindingOf } from '../http/pagination';
import { STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE } from '../http/media';
import type { GroupStores } from '../storage/trust-groups';
import { changePages, deletionChanges, objectChanges, type Change } from '../storage/sequence';
import { ingest } from './ingest';
import type { ServiceDeps } from './deps';

export type { ServiceDeps, StoredEvent } from './deps';

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

  /**
   * Every page of a read, in (date_added, key) order, with the same collection check and TLP
   * viewer as `page()` (exports and the stream read through this, never around it). `batch` rows
   * per query; the latest version of each object unless `versions` says otherwise.
   */
  async *pages(
    p: Principal,
    name: string,
    colId: string,
    f: { ids?: string[]; types?: string[]; addedAfter?: string; versions?: VersionFilter },
    batch: number,
  ): AsyncGenerator<ObjectDoc[], void, undefined> {
    const { g } = await this.collection(p, name, colId);
    const read = (after?: { added: string; key: string }) => {
      const page = g.objects.page({
        collection: colId,
        viewer: { organisation: p.organisation },
        ids: f.ids,
        types: f.types,
        versions: f.versions ?? { all: false, first: false, last: true, exact: [] },
        addedAfter: f.addedAfter,
        after,
        limit: batch,
      });
      page.catch(() => undefined); // a reader that stops early leaves the prefetch unawaited
      return page;
    };
    // The next page is read while the caller works on this one.
    let next = read();
    for (;;) {
      const page = await next;
      const last = page.docs[page.docs.length - 1];
      if (page.more && last) next = read({ added: last.meta.added, key: last._id });
      if (page.docs.length) yield page.docs;
      if (!page.more || !last) return;
    }
  }

  /**
   * Every object version and deletion record after `addedAfter`, merged in (date_added, key)
   * order (storage/sequence.ts), with the same collection check and TLP viewer as `pages()`.
   */
  async *changes(p: Principal, name: string, colId: string, f: { types?: string[]; addedAfter?: string }, batch: number): AsyncGenerator<Change[], void, undefined> {
    const { g } = await this.collection(p, name, colId);
    const viewer = { organisation: p.organisation };
    yield* changePages([objectChanges(g, colId, viewer, f.types), deletionChanges(g, colId, viewer, f.types)], { addedAfter: f.addedAfter }, batch);
  }

  /** The collection a caller may read (exports name it in their output), or NotFound. */
  /**
   * Sightings of these objects that the caller may read (readable collections, TLP viewer),
   * through the links index (sighting_of_ref is a link end): each as its STIX and date_added.
   */
  async sightingsOf(p: Principal, name: string, ids: string[]): Promise<{ stix: Record<string, unknown>; added: string }[]> {
    if (ids.length === 0) return [];
    const g = await this.group(p, name);
    const cols = (await g.collections.list()).filter((c) => canRead(p, name, { id: c._id, writable: c.writable })).map((c) => c._id);
    if (cols.length === 0) return [];
    const wanted = new Set(ids);
    const out: { stix: Record<string, unknown>; added: string }[] = [];
    for (const doc of await g.graph.reader(cols).linksTouching(ids)) {
      if (doc.meta.type !== 'sighting' || !canSee(p, name, doc.meta)) continue;
      const stix = JSON.parse(doc.raw) as Record<string, unknown>;
      if (typeof stix.sighting_of_ref === 'string' && wanted.has(stix.sighting_of_ref)) out.push({ stix, added: doc.meta.added });
    }
    return out;
  }

  /** The observable keys among these that the group allow-listed (alerts closed as false positives). */
  async allowListed(p: Principal, name: string, keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    return (await this.group(p, name)).alerts.allowed(keys);
  }

  async readableCollection(p: Principal, name: string, colId: string): Promise<CollectionDoc> {
    return (await this.collection(p, name, colId)).c;
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
    return statusResource(await ingest(this.d, p, g, c, body));
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
    // Recorded first: a crash between the two repeats a deletion notice, never loses one.
    await g.deletions.record(mine.map((d) => ({
      objectKey: d._id, col: colId, id: d.meta.id, type: d.meta.type, version: d.meta.verRaw, org: d.meta.org, tlp: d.meta.tlp, readers: d.meta.readers, restricted: d.meta.restricted,
    })));
    const deleted = await g.objects.deleteByKeys(mine.map((d) => d._id));
    this.d.log.info({ group: name, collection: colId, subject: p.subject, id, deleted }, 'objects.deleted');
    const versions = mine.map((d) => d.meta.verRaw);
    await this.d.onDeleted?.({ principal: p, group: name, collection: colId, id, versions, restricted: mine.some((d) => d.meta.restricted) });
    return { deleted, versions };
  }
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
