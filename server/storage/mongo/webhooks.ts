/**
 * Webhooks, their delivery log and deletion records on MongoDB (`webhooks`,
 * `webhook_deliveries` with index webhook_deliveries_at { webhook, at }, `deletions` with index
 * deletions_col_added { col, added, _id }). The raw driver: a webhook's shape is checked once,
 * by push/webhook-spec.ts, before it is stored; written by the lease holder only.
 */
import type { Collection, Db, Filter } from 'mongodb';
import type { DeletionsRepository, WebhooksRepository } from '../contract';
import { WriteHorizon, type Viewer } from '../objects';
import { recordDeletions, type DeletionDoc, type DeletionDraft, type DeliveryDoc, type SequencePosition, type WebhookDoc } from '../webhooks';
import { ensureIndexes } from './indexes';
import { INSERT, INSERT_MANY } from './writes';

export class MongoWebhooks implements WebhooksRepository {
  private readonly c: Collection<WebhookDoc>;
  private readonly d: Collection<DeliveryDoc>;
  constructor(db: Db) {
    this.c = db.collection<WebhookDoc>('webhooks');
    this.d = db.collection<DeliveryDoc>('webhook_deliveries');
  }

  static async ensureIndexes(db: Db): Promise<void> {
    await ensureIndexes(db.collection('webhook_deliveries'), [{ key: { webhook: 1, at: -1 }, name: 'webhook_deliveries_at' }]);
    await ensureIndexes(db.collection('deletions'), [{ key: { col: 1, added: 1, _id: 1 }, name: 'deletions_col_added' }]);
  }

  async list(): Promise<WebhookDoc[]> {
    return this.c.find({}).sort({ _id: 1 }).toArray();
  }

  async get(id: string): Promise<WebhookDoc | null> {
    return this.c.findOne({ _id: id });
  }

  async insert(doc: WebhookDoc): Promise<void> {
    await this.c.insertOne(doc, INSERT);
  }

  async update(id: string, set: Partial<Omit<WebhookDoc, '_id'>>): Promise<boolean> {
    return (await this.c.updateOne({ _id: id }, { $set: set }, { ignoreUndefined: true })).matchedCount === 1;
  }

  async remove(id: string): Promise<boolean> {
    const n = (await this.c.deleteOne({ _id: id })).deletedCount;
    await this.d.deleteMany({ webhook: id });
    return n === 1;
  }

  async logDelivery(d: DeliveryDoc): Promise<void> {
    await this.d.insertOne(d, INSERT);
  }

  /** Index webhook_deliveries_at. */
  async deliveries(webhook: string, limit: number): Promise<DeliveryDoc[]> {
    return this.d.find({ webhook }).sort({ at: -1, _id: -1 }).limit(limit).toArray();
  }
}

export class MongoDeletions implements DeletionsRepository {
  private readonly c: Collection<DeletionDoc>;
  private readonly horizon: WriteHorizon;
  constructor(db: Db, readSettleMs = 0) {
    this.c = db.collection<DeletionDoc>('deletions');
    this.horizon = new WriteHorizon(readSettleMs);
  }

  async record(drafts: DeletionDraft[]): Promise<DeletionDoc[]> {
    return recordDeletions(this.horizon, drafts, async (docs) => {
      await this.c.insertMany(docs, INSERT_MANY);
    });
  }

  /** Index deletions_col_added; restricted records only for the organisations in readers. */
  async page(q: { collection: string; viewer: Viewer; after?: SequencePosition; addedAfter?: string; limit: number }): Promise<DeletionDoc[]> {
    const stop = this.horizon.stopAt();
    const f: Record<string, unknown> = { col: q.collection, $or: [{ restricted: false }, { readers: q.viewer.organisation }] };
    const added: Record<string, string> = {};
    if (q.addedAfter) added.$gt = q.addedAfter;
    if (stop) added.$lt = stop;
    if (Object.keys(added).length) f.added = added;
    if (q.after) f.$and = [{ $or: [{ added: { $gt: q.after.added } }, { added: q.after.added, _id: { $gt: q.after.key } }] }];
    return this.c.find(f as Filter<DeletionDoc>, { sort: { added: 1, _id: 1 }, limit: q.limit }).toArray();
  }
}
