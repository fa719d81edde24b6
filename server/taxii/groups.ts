/**
 * The trust groups (API roots) and their per-group repositories. The registry lives in the
 * admin database; it is seeded from PUENTE_TRUST_GROUPS and re-read every few seconds, so a
 * group created with the admin CLI appears without a restart.
 */
import type { Database } from '../storage/database';
import { CollectionsRepository, DEFAULT_COLLECTIONS, GroupsRepository, type GroupDoc } from '../storage/collections';
import { ObjectsRepository, ensureObjectIndexes } from '../storage/objects';
import { StatusRepository } from '../storage/status';
import { AuditRepository } from '../storage/audit';

export interface GroupStores {
  name: string;
  doc: GroupDoc;
  objects: ObjectsRepository;
  collections: CollectionsRepository;
  status: StatusRepository;
  audit: AuditRepository;
}

export class TrustGroups {
  private cache = new Map<string, GroupStores>();
  private loadedAt = 0;
  private readonly registry: GroupsRepository;

  constructor(
    private readonly db: Database,
    private readonly refreshMs = 5000,
    private readonly readSettleMs = 0,
  ) {
    this.registry = new GroupsRepository(db.admin());
  }

  /** Idempotent: creates the group, its indexes and its default collections if missing. */
  async ensure(name: string, title?: string, description?: string): Promise<void> {
    await this.registry.ensure(name, title, description);
    const gdb = this.db.group(name);
    await ensureObjectIndexes(gdb);
    await StatusRepository.ensureIndexes(gdb);
    const collections = new CollectionsRepository(gdb);
    for (const spec of DEFAULT_COLLECTIONS) await collections.ensure(name, spec);
    this.loadedAt = 0;
  }

  private async refresh(force = false): Promise<void> {
    const age = Date.now() - this.loadedAt;
    // A miss may mean a group just created by the admin CLI: re-read, but at most once a second.
    if (age < (force ? Math.min(1000, this.refreshMs) : this.refreshMs)) return;
    const docs = await this.registry.list();
    const next = new Map<string, GroupStores>();
    for (const doc of docs) {
      const gdb = this.db.group(doc._id);
      next.set(doc._id, this.cache.get(doc._id) ?? {
        name: doc._id,
        doc,
        objects: new ObjectsRepository(gdb, this.readSettleMs),
        collections: new CollectionsRepository(gdb),
        status: new StatusRepository(gdb),
        audit: new AuditRepository(gdb),
      });
    }
    this.cache = next;
    this.loadedAt = Date.now();
  }

  async get(name: string): Promise<GroupStores | undefined> {
    await this.refresh();
    if (!this.cache.has(name)) await this.refresh(true);
    return this.cache.get(name);
  }

  async all(): Promise<GroupStores[]> {
    await this.refresh();
    return [...this.cache.values()];
  }
}
