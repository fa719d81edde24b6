/**
 * Reference frameworks (DISARM, ATT&CK for ICS) in each trust group's read-only `frameworks`
 * collection, so members can pull the technique objects that alerts name.
 *
 * Idempotent: objects are keyed by (collection, id, version) like any stored object, so a restart
 * stores nothing new and a newer bundle adds only its new versions. The objects carry no
 * correlation metadata (`keys`, `links`) and the engine skips the collection (engine.ts): reference
 * data is never a CERT's report.
 */
import { collectionId } from './collections';
import { versionKey } from './clock';
import type { ObjectDraft } from './objects';
import type { GroupStorage } from './contract';

export const FRAMEWORKS_ALIAS = 'frameworks';
/** `sub` of seeded objects: written by the hub, not by a member. */
export const FRAMEWORKS_SUBJECT = 'puente-frameworks';

type Obj = Record<string, unknown>;

export function frameworkDrafts(group: string, bundles: readonly { objects?: unknown[] }[], puenteIdentity: string): ObjectDraft[] {
  const col = collectionId(group, FRAMEWORKS_ALIAS);
  const drafts = new Map<string, ObjectDraft>();
  for (const b of bundles) {
    for (const o of (b.objects ?? []) as Obj[]) {
      if (!o || typeof o.id !== 'string' || typeof o.type !== 'string') continue;
      const version = String(o.modified ?? o.created ?? '');
      const ver = versionKey(version);
      if (!ver) continue; // every framework object is an SDO/SMO with created/modified
      const id = o.id.toLowerCase();
      drafts.set(`${id}|${ver}`, {
        col,
        raw: JSON.stringify(o),
        versionPart: ver,
        meta: {
          id,
          type: o.type,
          sv: typeof o.spec_version === 'string' ? o.spec_version : '2.1',
          ver,
          verRaw: version,
          sub: FRAMEWORKS_SUBJECT,
          org: puenteIdentity,
          tlp: null,
          readers: [],
          restricted: false,
        },
      });
    }
  }
  return [...drafts.values()];
}

/** Stores the bundles in the group's frameworks collection; returns how many versions were new. */
export async function seedFrameworks(g: GroupStorage, group: string, bundles: readonly { objects?: unknown[] }[], puenteIdentity: string): Promise<number> {
  const drafts = frameworkDrafts(group, bundles, puenteIdentity);
  // A restart with the same bundles: one count instead of 2,000 no-op inserts.
  if ((await g.objects.count(collectionId(group, FRAMEWORKS_ALIAS))) === drafts.length) return 0;
  const { docs, existing } = await g.objects.add(drafts);
  return docs.length - existing.size;
}
