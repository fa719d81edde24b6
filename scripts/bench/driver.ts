/**
 * The raw-driver baselines: the documents the hub stores and the queries it issues, without the
 * hub. Kept in step with server/taxii/service.ts (addObjects) and server/storage/objects.ts
 * (page, keepVersions); if those change, change these.
 */
import crypto from 'node:crypto';
import type { Collection, Db, Filter } from 'mongodb';
import { visibilityOf } from '../../server/auth/tlp';
import { versionKey } from '../../server/storage/clock';
import { formatMicros, nowMicros } from '../../server/storage/clock';
import { objectKey, type ObjectDoc, type ObjectMeta } from '../../server/storage/objects';
import type { StixObject } from './generate';

/** The same { _id, col, raw, meta } as TaxiiService.addObjects builds for a valid object. */
export function toDocs(objects: StixObject[], col: string, subject: string, organisation: string): ObjectDoc[] {
  let micros = nowMicros();
  return objects.map((stix) => {
    const raw = JSON.stringify(stix);
    const added = formatMicros(micros++);
    const version = (stix.modified ?? stix.created) as string | undefined;
    const vis = visibilityOf(stix, organisation);
    const meta: ObjectMeta = {
      id: stix.id.toLowerCase(),
      type: stix.type,
      sv: typeof stix.spec_version === 'string' ? stix.spec_version : '2.1',
      ver: (version && versionKey(version)) || `${added.slice(0, 26)}000Z`,
      verRaw: version ?? added,
      added,
      sub: subject,
      org: organisation,
      tlp: vis.tlp,
      readers: vis.readers,
      restricted: vis.readers.length > 0,
    };
    const versionPart = version ? meta.ver : `h:${crypto.createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
    return { _id: objectKey(col, meta.id, versionPart), col, raw, meta };
  });
}

/** Another collection with the same indexes as the hub's `objects` (read from it, so they never drift). */
export async function driverCollection(db: Db, name: string): Promise<Collection<ObjectDoc>> {
  const c = db.collection<ObjectDoc>(name);
  const specs = (await db.collection('objects').listIndexes().toArray())
    .filter((ix) => ix.name !== '_id_')
    .map((ix) => ({ key: ix.key as Record<string, 1 | -1>, name: ix.name as string, ...(ix.unique ? { unique: true } : {}) }));
  if (specs.length) await c.createIndexes(specs);
  return c;
}

/**
 * One page as ObjectsRepository.page() runs it for GET objects with no filters (match[version]
 * defaults to last): a find of limit+1 in (meta.added, _id) order after the keyset cursor, then
 * the version-resolution find over the batch's ids. Returns the page and the next cursor.
 */
export async function driverPage(
  objects: Collection<ObjectDoc>,
  col: string,
  organisation: string,
  limit: number,
  after?: { added: string; key: string },
): Promise<{ docs: ObjectDoc[]; more: boolean; after?: { added: string; key: string }; findMs: number; versionsMs: number }> {
  const t0 = performance.now();
  const visible = [{ 'meta.restricted': false }, { 'meta.readers': organisation }];
  const f: Record<string, unknown> = { col, $or: visible };
  if (after) {
    f.$and = [{ $or: [{ 'meta.added': { $gt: after.added } }, { 'meta.added': after.added, _id: { $gt: after.key } }] }];
  }
  const batch = await objects.find(f as Filter<ObjectDoc>, { sort: { 'meta.added': 1, _id: 1 }, limit: Math.max(limit + 1, 64) }).toArray();
  const t1 = performance.now();
  const ids = [...new Set(batch.map((d) => d.meta.id))];
  const last = new Map<string, string>();
  const versions = objects.find(
    { col, 'meta.id': ids.length === 1 ? ids[0] : { $in: ids }, $or: visible } as Filter<ObjectDoc>,
    { projection: { 'meta.id': 1, 'meta.ver': 1 } },
  );
  for await (const d of versions) {
    const l = last.get(d.meta.id);
    if (l === undefined || d.meta.ver > l) last.set(d.meta.id, d.meta.ver);
  }
  const t2 = performance.now();
  const kept = batch.filter((d) => last.get(d.meta.id) === d.meta.ver);
  const more = kept.length > limit;
  const docs = kept.slice(0, limit);
  const tail = docs[docs.length - 1];
  const next = more && tail ? { added: tail.meta.added, key: tail._id } : undefined;
  return { docs, more, after: next, findMs: t1 - t0, versionsMs: t2 - t1 };
}
