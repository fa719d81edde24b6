/**
 * The trust groups (API roots) and their repositories. The registry lives in the admin
 * database/schema; it is seeded from PUENTE_TRUST_GROUPS and re-read every few seconds, so a
 * group created with the admin CLI appears without a restart.
 */
import type { GroupDoc } from './collections';
import type { GroupStorage, Storage } from './contract';

export interface GroupStores extends GroupStorage {
  doc: GroupDoc;
}

export class TrustGroups {
  private cache = new Map<string, GroupStores>();
  private loadedAt = 0;

  constructor(
    readonly storage: Storage,
    private readonly refreshMs = 5000,
  ) {}

  /** Idempotent: creates the group, its indexes and its default collections if missing. */
  async ensure(name: string, title?: string, description?: string): Promise<void> {
    await this.storage.registry.ensure(name, title, description);
    await this.storage.group(name).ensure();
    this.loadedAt = 0;
  }

  private async refresh(force = false): Promise<void> {
    const age = Date.now() - this.loadedAt;
    // A miss may mean a group just created by the admin CLI: re-read, but at most once a second.
    if (age < (force ? Math.min(1000, this.refreshMs) : this.refreshMs)) return;
    const docs = await this.storage.registry.list();
    const next = new Map<string, GroupStores>();
    for (const doc of docs) {
      // The storage's own group handle (it holds the write horizon), seen with its registry row.
      const stores = this.cache.get(doc._id) ?? (Object.create(this.storage.group(doc._id)) as GroupStores);
      next.set(doc._id, Object.assign(stores, { doc }));
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
