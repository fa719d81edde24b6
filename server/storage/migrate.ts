/**
 * Copies everything a hub keeps from one storage to another, over the storage contract only:
 * trust groups, collections (with sharing policy), every stored object with its date_added
 * (so `added_after` cursors and `next` tokens of feeds keep their meaning), the audit log and
 * job checkpoints. Status resources (kept 72 h) and run history are not copied. Idempotent: a
 * run that is interrupted can be run again, rows already copied are skipped.
 */
import type { Storage } from './contract';

const BATCH = 5000;

export interface MigrationReport {
  groups: number;
  collections: number;
  objects: number;
  audit: number;
}

export async function migrateStorage(from: Storage, to: Storage, onProgress: (m: string) => void = () => {}): Promise<MigrationReport> {
  const report: MigrationReport = { groups: 0, collections: 0, objects: 0, audit: 0 };
  for (const group of await from.registry.list()) {
    await to.registry.ensure(group._id, group.title, group.description);
    const src = from.group(group._id);
    const dst = to.group(group._id);
    await dst.ensure();
    report.groups++;
    for (const c of await src.collections.list()) {
      const { _id: _omit, created: _created, ...spec } = c;
      await dst.collections.ensure(group._id, spec);
      await dst.collections.setReleaseTo(c._id, c.releaseTo ?? []);
      report.collections++;
    }
    let after: { added: string; key: string } | undefined;
    let copied = 0;
    for (;;) {
      const docs = await src.objects.scan(after, BATCH);
      if (docs.length === 0) break;
      await dst.objects.importDocs(docs);
      copied += docs.length;
      const last = docs[docs.length - 1]!;
      after = { added: last.meta.added, key: last._id };
      onProgress(`${group._id}: ${copied} objects`);
    }
    report.objects += copied;
    let auditAfter: string | undefined;
    for (;;) {
      const page = await src.audit.page(auditAfter, BATCH);
      await dst.audit.importEntries(page.entries);
      report.audit += page.entries.length;
      if (!page.more) break;
      auditAfter = page.entries[page.entries.length - 1]!._id;
    }
    const cp = await src.checkpoints.get('correlation');
    if (cp) await dst.checkpoints.set('correlation', cp);
  }
  return report;
}
