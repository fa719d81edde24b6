/**
 * Alert triage state on MongoDB (contract: AlertStateRepository), raw driver, all by `_id`:
 * collections alert_state, allowlist, alert_notified. First states and notification claims are
 * inserts into the `_id` index (atomic on every MongoDB-compatible server); a change is a
 * replaceOne conditioned on the version read. On FerretDB 1.24 an update is not guaranteed
 * atomic against a concurrent one (a correctness stand-in only); on MongoDB it is.
 */
import type { Collection, Db } from 'mongodb';
import type { AlertStateRepository } from '../contract';
import type { AlertStateDoc, AllowEntry } from '../alert-state';

const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;

export class MongoAlertState implements AlertStateRepository {
  private readonly states: Collection<AlertStateDoc>;
  private readonly allowlist: Collection<AllowEntry>;
  private readonly notified: Collection<{ _id: string; at: Date }>;
  constructor(db: Db) {
    this.states = db.collection<AlertStateDoc>('alert_state');
    this.allowlist = db.collection<AllowEntry>('allowlist');
    this.notified = db.collection<{ _id: string; at: Date }>('alert_notified');
  }

  async get(ids: string[]): Promise<AlertStateDoc[]> {
    if (ids.length === 0) return [];
    return this.states.find({ _id: { $in: [...new Set(ids)] } }).toArray();
  }

  async create(doc: AlertStateDoc): Promise<boolean> {
    try {
      await this.states.insertOne(doc);
      return true;
    } catch (err) {
      if (isDuplicate(err)) return false;
      throw err;
    }
  }

  async replace(doc: AlertStateDoc): Promise<boolean> {
    const r = await this.states.replaceOne({ _id: doc._id, version: doc.version - 1 }, doc);
    return r.modifiedCount === 1;
  }

  async allow(entries: AllowEntry[]): Promise<void> {
    for (const e of entries) {
      try {
        await this.allowlist.insertOne(e);
      } catch (err) {
        if (!isDuplicate(err)) throw err;
      }
    }
  }

  async allowed(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const docs = await this.allowlist.find({ _id: { $in: [...new Set(keys)] } }, { projection: { _id: 1 } }).toArray();
    return new Set(docs.map((d) => d._id));
  }

  async allowList(limit: number): Promise<AllowEntry[]> {
    return this.allowlist.find({}, { sort: { _id: 1 }, limit }).toArray();
  }

  async claimNotification(alertId: string): Promise<boolean> {
    try {
      await this.notified.insertOne({ _id: alertId, at: new Date() });
      return true;
    } catch (err) {
      if (isDuplicate(err)) return false;
      throw err;
    }
  }
}
