/**
 * Release between trust groups. A writer releases objects of its group to other groups,
 * explicitly (POST /{api_root}/collections/{id}/release/) or through a collection's sharing
 * policy (`releaseTo`, set by an admin). A released copy goes into the target group's read-only
 * `released-in` collection, byte-identical (markings travel with it), with its provenance
 * (source group, original submitter) in server metadata. Only what auth/visibility.ts `releasable`
 * allows crosses: AMBER only by its originator, AMBER+STRICT and RED never; a sharing policy
 * moves only CLEAR, GREEN and unmarked objects (no originator's act releases AMBER there).
 */
import { BadRequest, Forbidden, NotFound } from '../errors';
import type { Principal } from '../auth/principal';
import { canRead, canWrite } from '../auth/permissions';
import { releasable } from '../auth/visibility';
import { collectionId, type CollectionDoc } from '../storage/collections';
import { versionPartOf, type ObjectDoc, type ObjectDraft } from '../storage/objects';
import type { TrustGroups } from '../storage/trust-groups';
import type { Logger } from '../logger';
import type { AuditLog } from './audit';

export interface ReleaseOutcome {
  released: { id: string; version: string; to: string }[];
  refused: { id: string; reason: string }[];
}

const POLICY_TLP = new Set([null, 'clear', 'green']);

export class Releases {
  constructor(
    private readonly groups: TrustGroups,
    private readonly audit: AuditLog,
    private readonly log: Logger,
  ) {}

  /** Copies docs into each target group's released-in collection; idempotent by key. */
  private async copy(from: string, docs: ObjectDoc[], to: string): Promise<number> {
    const target = await this.groups.get(to);
    if (!target) return 0;
    const col = collectionId(to, 'released-in');
    const copies: ObjectDraft[] = docs.map((d) => {
      const { added: _added, ...meta } = d.meta;
      return {
        col,
        raw: d.raw,
        versionPart: versionPartOf(d),
        meta: { ...meta, origin: d.meta.origin ?? { group: from, subject: d.meta.sub, organisation: d.meta.org } },
      };
    });
    const { docs: stored, existing } = await target.objects.add(copies);
    return stored.length - existing.size;
  }

  /** Explicit release by a writer of `group` of the latest visible version of each id. */
  async release(p: Principal, group: string, colId: string, ids: string[], to: string[]): Promise<ReleaseOutcome> {
    const g = await this.groups.get(group);
    const c = g ? await g.collections.get(colId) : null;
    if (!g || !c || !canRead(p, group, { id: c._id, writable: c.writable })) throw new NotFound(`There is no collection "${colId.slice(0, 64)}".`);
    if (!canWrite(p, group, { id: c._id, writable: true })) throw new Forbidden('Releasing needs the writer role in this trust group.');
    const targets = [...new Set(to)];
    for (const t of targets) {
      if (t === group) throw new BadRequest('invalid_request', `"to" names this trust group (${group}); release to another group.`);
      if (!(await this.groups.get(t))) throw new BadRequest('invalid_request', `"to" names "${t.slice(0, 40)}", which is not a trust group of this hub.`);
    }
    const outcome: ReleaseOutcome = { released: [], refused: [] };
    const chosen: ObjectDoc[] = [];
    for (const id of [...new Set(ids.map((i) => i.toLowerCase()))]) {
      const versions = await g.objects.findVersions(colId, id, { organisation: p.organisation });
      const latest = versions.sort((a, b) => (a.meta.ver < b.meta.ver ? -1 : 1)).at(-1);
      if (!latest) {
        outcome.refused.push({ id, reason: 'not found in this collection' });
      } else if (!releasable({ tlp: latest.meta.tlp, readers: latest.meta.readers, originator: latest.meta.org }, p.organisation)) {
        outcome.refused.push({
          id,
          reason:
            latest.meta.tlp === 'amber+strict' || latest.meta.tlp === 'red'
              ? `TLP:${latest.meta.tlp.toUpperCase()} never leaves its trust group`
              : 'only the originating organisation may release it',
        });
      } else {
        chosen.push(latest);
      }
    }
    for (const t of targets) {
      if (chosen.length === 0) break;
      await this.copy(group, chosen, t);
      for (const d of chosen) outcome.released.push({ id: d.meta.id, version: d.meta.verRaw, to: t });
      await this.audit.record(t, p, 'objects.received', { from: group, ids: chosen.map((d) => d.meta.id) });
    }
    await this.audit.record(group, p, 'objects.released', { collection: colId, to: targets, ids: chosen.map((d) => d.meta.id), refused: outcome.refused });
    this.log.info({ group, to: targets, released: outcome.released.length, refused: outcome.refused.length }, 'objects.released');
    return outcome;
  }

  /** Sharing policy: after a store, CLEAR/GREEN/unmarked objects go to the collection's releaseTo groups. */
  async applyPolicy(p: Principal, group: string, collection: CollectionDoc, docs: ObjectDoc[]): Promise<void> {
    if (!collection.releaseTo?.length) return;
    const eligible = docs.filter((d) => POLICY_TLP.has(d.meta.tlp) && d.meta.readers.length === 0);
    if (eligible.length === 0) return;
    let copied = 0;
    for (const t of collection.releaseTo) {
      if (t === group) continue;
      const n = await this.copy(group, eligible, t);
      copied += n;
      if (n) await this.audit.record(t, p, 'objects.received', { from: group, policy: collection.alias, count: n });
    }
    if (copied) await this.audit.record(group, p, 'objects.released', { collection: collection._id, policy: true, to: collection.releaseTo, count: eligible.length });
  }
}
