/**
 * Subscriptions and their runs on MongoDB (`subscriptions`, `feed_runs` with index
 * feed_runs_started { subscription, started }). The raw driver: a subscription's shape is
 * checked once, by feeds/spec.ts, before it is stored; written by the lease holder only.
 */
import type { Collection, Db } from 'mongodb';
import type { FeedRunDoc, SubscriptionDoc } from '../feeds';
import type { SubscriptionsRepository } from '../contract';
import { INSERT } from './writes';

export class MongoSubscriptions implements SubscriptionsRepository {
  private readonly c: Collection<SubscriptionDoc>;
  private readonly r: Collection<FeedRunDoc>;
  constructor(db: Db) {
    this.c = db.collection<SubscriptionDoc>('subscriptions');
    this.r = db.collection<FeedRunDoc>('feed_runs');
  }

  static async ensureIndexes(db: Db): Promise<void> {
    await db.collection('feed_runs').createIndex({ subscription: 1, started: -1 }, { name: 'feed_runs_started' });
  }

  async list(): Promise<SubscriptionDoc[]> {
    return this.c.find({}).sort({ _id: 1 }).toArray();
  }

  async get(id: string): Promise<SubscriptionDoc | null> {
    return this.c.findOne({ _id: id });
  }

  async insert(doc: SubscriptionDoc): Promise<void> {
    await this.c.insertOne(doc, INSERT);
  }

  async update(id: string, set: Partial<Omit<SubscriptionDoc, '_id'>>): Promise<boolean> {
    return (await this.c.updateOne({ _id: id }, { $set: set }, { ignoreUndefined: true })).matchedCount === 1;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.c.deleteOne({ _id: id })).deletedCount === 1;
  }

  async saveRun(run: FeedRunDoc): Promise<void> {
    await this.r.replaceOne({ _id: run._id }, run, { upsert: true, ignoreUndefined: true });
  }

  async runs(subscription: string, limit: number): Promise<FeedRunDoc[]> {
    return this.r.find({ subscription }).sort({ started: -1, _id: -1 }).limit(limit).toArray();
  }
}
