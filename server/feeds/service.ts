/**
 * Subscriptions as admin use cases (plain arguments, no HTTP): group admins only; anyone else
 * gets NotFound, exactly as for something absent. Every change is audited without its secrets.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Principal } from '../auth/principal';
import { adminGroup } from '../administration/admin-group';
import { BadRequest, NotFound } from '../errors';
import type { Logger } from '../logger';
import type { GroupStores, TrustGroups } from '../storage/trust-groups';
import type { AuditLog } from '../taxii/audit';
import { safeUrl } from './http';
import type { FeedRunner } from './runner';
import { feedRunResource, parseSubscription, subscriptionResource } from './spec';

export interface FeedsDeps {
  groups: TrustGroups;
  audit: AuditLog;
  runner: FeedRunner;
  log: Logger;
}

export class Feeds {
  private readonly tasks = new Map<string, { schedule: string; task: ScheduledTask }>();
  private readonly running = new Set<Promise<unknown>>();
  private sync?: NodeJS.Timeout;

  constructor(private readonly d: FeedsDeps) {}

  private adminGroup(p: Principal, group: string): Promise<GroupStores> {
    return adminGroup(this.d.groups, p, group, 'There are no subscriptions');
  }

  private async find(g: GroupStores, id: string) {
    const s = await g.subscriptions.get(id);
    if (!s) throw new NotFound(`There is no subscription "${id.slice(0, 64)}".`);
    return s;
  }

  async list(p: Principal, group: string) {
    const g = await this.adminGroup(p, group);
    return { subscriptions: (await g.subscriptions.list()).map(subscriptionResource) };
  }

  async create(p: Principal, group: string, body: unknown) {
    const g = await this.adminGroup(p, group);
    const cols = new Set((await g.collections.list()).map((c) => c._id));
    const doc = parseSubscription(body, group, p, (id) => cols.has(id));
    await g.subscriptions.insert(doc);
    await this.d.audit.record(group, p, 'subscriptions.added', { subscription: doc._id, kind: doc.kind, source: safeUrl(doc.url), collection: doc.collection });
    return subscriptionResource(doc);
  }

  async show(p: Principal, group: string, id: string) {
    const g = await this.adminGroup(p, group);
    const s = await this.find(g, id);
    return { ...subscriptionResource(s), runs: (await g.subscriptions.runs(id, 10)).map(feedRunResource) };
  }

  async runs(p: Principal, group: string, id: string, query: () => { limit?: string }) {
    const g = await this.adminGroup(p, group);
    await this.find(g, id);
    const text = query().limit ?? '20';
    if (!/^\d{1,3}$/.test(text) || Number(text) < 1 || Number(text) > 100) throw new BadRequest('invalid_parameter', 'limit must be an integer from 1 to 100.', { parameter: 'limit' });
    return { runs: (await g.subscriptions.runs(id, Number(text))).map(feedRunResource) };
  }

  async remove(p: Principal, group: string, id: string) {
    const g = await this.adminGroup(p, group);
    if (!(await g.subscriptions.remove(id))) throw new NotFound(`There is no subscription "${id.slice(0, 64)}".`);
    await this.d.audit.record(group, p, 'subscriptions.removed', { subscription: id });
    return { id, removed: true };
  }

  async resetCursor(p: Principal, group: string, id: string) {
    const g = await this.adminGroup(p, group);
    await this.find(g, id);
    await g.subscriptions.update(id, { cursor: {} });
    await this.d.audit.record(group, p, 'subscriptions.cursor_reset', { subscription: id });
    return subscriptionResource(await this.find(g, id));
  }

  /** Paused: the schedule no longer runs it (within the scheduler's re-read, ~10 s); "run now" still does. */
  async setEnabled(p: Principal, group: string, id: string, enabled: boolean) {
    const g = await this.adminGroup(p, group);
    await this.find(g, id);
    await g.subscriptions.update(id, { enabled });
    await this.d.audit.record(group, p, enabled ? 'subscriptions.resumed' : 'subscriptions.paused', { subscription: id });
    return subscriptionResource(await this.find(g, id));
  }

  async runNow(p: Principal, group: string, id: string, trigger: 'api' | 'cli' = 'api') {
    const g = await this.adminGroup(p, group);
    await this.find(g, id);
    await this.d.audit.record(group, p, 'subscriptions.run', { subscription: id });
    return feedRunResource(await this.track(this.d.runner.run(group, id, trigger)));
  }

  private track<T>(x: Promise<T>): Promise<T> {
    this.running.add(x);
    void x.finally(() => this.running.delete(x)).catch(() => {});
    return x;
  }

  /** Keeps one cron task per enabled subscription, re-read every `everyMs` (new ones, removals, other instances' changes). */
  start(everyMs = 10_000): void {
    const tick = () => void this.syncTasks().catch((err: unknown) => this.d.log.warn({ err }, 'feeds.sync_failed'));
    tick();
    this.sync = setInterval(tick, everyMs);
    this.sync.unref();
  }

  private async syncTasks(): Promise<void> {
    const want = new Map<string, string>();
    for (const g of await this.d.groups.all()) {
      for (const s of await g.subscriptions.list()) if (s.enabled) want.set(`${g.name}\u0000${s._id}`, s.schedule);
    }
    for (const [key, t] of this.tasks) {
      if (want.get(key) !== t.schedule) {
        await t.task.destroy();
        this.tasks.delete(key);
      }
    }
    for (const [key, schedule] of want) {
      if (this.tasks.has(key)) continue;
      const [group, id] = key.split('\u0000') as [string, string];
      // Each subscription its own task: a slow or broken one never delays the others.
      const task = cron.schedule(schedule, () => {
        void this.track(this.d.runner.run(group, id, 'schedule')).catch((err: unknown) => this.d.log.error({ group, subscription: id, err }, 'feeds.run_error'));
      }, { name: `feed:${key}`, noOverlap: true });
      this.tasks.set(key, { schedule, task });
    }
  }

  async stop(): Promise<void> {
    if (this.sync) clearInterval(this.sync);
    for (const t of this.tasks.values()) await t.task.destroy();
    this.tasks.clear();
    await Promise.allSettled([...this.running]);
  }
}
