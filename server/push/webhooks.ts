/**
 * Webhooks as admin use cases (plain arguments, no HTTP): admins of the trust group only;
 * anyone else gets NotFound, exactly as for something absent. Every change is audited without
 * the secret (its field name at most).
 */
import type { Principal } from '../auth/principal';
import { adminGroup } from '../administration/admin-group';
import { BadRequest, NotFound } from '../errors';
import { safeUrl } from '../feeds/http';
import type { GroupStores, TrustGroups } from '../storage/trust-groups';
import type { WebhookDoc } from '../storage/webhooks';
import type { AuditLog } from '../taxii/audit';
import { deliveryResource, parseWebhook, parseWebhookPatch, webhookResource } from './webhook-spec';

export interface WebhooksDeps {
  groups: TrustGroups;
  audit: AuditLog;
  batchMax: number;
  /** Wakes the deliverer (after a resume or a change). */
  wake: () => void;
}

const FIELD_NAMES: Record<string, string> = { batchSize: 'batch_size' };

export class Webhooks {
  constructor(private readonly d: WebhooksDeps) {}

  private adminGroup(p: Principal, group: string): Promise<GroupStores> {
    return adminGroup(this.d.groups, p, group, 'There are no webhooks');
  }

  private async find(g: GroupStores, id: string): Promise<WebhookDoc> {
    const w = await g.webhooks.get(id);
    if (!w) throw new NotFound(`There is no webhook "${id.slice(0, 64)}".`);
    return w;
  }

  async list(p: Principal, group: string) {
    const g = await this.adminGroup(p, group);
    return { webhooks: (await g.webhooks.list()).map(webhookResource) };
  }

  async create(p: Principal, group: string, body: unknown) {
    const g = await this.adminGroup(p, group);
    const cols = new Set((await g.collections.list()).map((c) => c._id));
    const doc = parseWebhook(body, p, (id) => cols.has(id), this.d.batchMax);
    await g.webhooks.insert(doc);
    await this.d.audit.record(group, p, 'webhooks.added', { webhook: doc._id, collection: doc.collection, url: safeUrl(doc.url), alerts: doc.alerts, filters: doc.filters });
    this.d.wake();
    return webhookResource(doc);
  }

  async show(p: Principal, group: string, id: string) {
    const g = await this.adminGroup(p, group);
    return webhookResource(await this.find(g, id));
  }

  async change(p: Principal, group: string, id: string, body: unknown) {
    const g = await this.adminGroup(p, group);
    await this.find(g, id);
    const set = parseWebhookPatch(body, this.d.batchMax);
    await g.webhooks.update(id, set);
    const fields = Object.keys(set).map((k) => FIELD_NAMES[k] ?? k);
    await this.d.audit.record(group, p, 'webhooks.changed', { webhook: id, fields, ...(set.url ? { url: safeUrl(set.url) } : {}) });
    this.d.wake();
    return webhookResource(await this.find(g, id));
  }

  async remove(p: Principal, group: string, id: string) {
    const g = await this.adminGroup(p, group);
    if (!(await g.webhooks.remove(id))) throw new NotFound(`There is no webhook "${id.slice(0, 64)}".`);
    await this.d.audit.record(group, p, 'webhooks.removed', { webhook: id });
    return { id, removed: true };
  }

  async pause(p: Principal, group: string, id: string) {
    const g = await this.adminGroup(p, group);
    await this.find(g, id);
    await g.webhooks.update(id, { state: 'paused', pausedBy: 'admin' });
    await this.d.audit.record(group, p, 'webhooks.paused', { webhook: id });
    return webhookResource(await this.find(g, id));
  }

  /** Active again, failures forgotten, the next attempt at once; the cursor stays where the last 2xx left it. */
  async resume(p: Principal, group: string, id: string) {
    const g = await this.adminGroup(p, group);
    const w = await this.find(g, id);
    const h = w.health;
    await g.webhooks.update(id, {
      state: 'active',
      pausedBy: null,
      health: { consecutiveFailures: 0, delivered: h.delivered, ...(h.lastAttempt ? { lastAttempt: h.lastAttempt } : {}), ...(h.lastSuccess ? { lastSuccess: h.lastSuccess } : {}) },
    });
    await this.d.audit.record(group, p, 'webhooks.resumed', { webhook: id, failures: h.consecutiveFailures });
    this.d.wake();
    return webhookResource(await this.find(g, id));
  }

  async deliveries(p: Principal, group: string, id: string, query: () => { limit?: string }) {
    const g = await this.adminGroup(p, group);
    await this.find(g, id);
    const text = query().limit ?? '20';
    if (!/^\d{1,3}$/.test(text) || Number(text) < 1 || Number(text) > 100) throw new BadRequest('invalid_parameter', 'limit must be an integer from 1 to 100.', { parameter: 'limit' });
    return { deliveries: (await g.webhooks.deliveries(id, Number(text))).map(deliveryResource) };
  }
}
