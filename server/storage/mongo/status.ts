/**
 * TAXII status resources on MongoDB. FerretDB has no TTL index, so a cleanup job deletes expired
 * ones on MongoDB too. Index `expires` { expires } for the cleanup.
 */
import type { Collection, Db } from 'mongodb';
import type { StatusDoc } from '../status';
import type { StatusRepository } from '../contract';
import { INSERT } from './writes';

export class MongoStatus implements StatusRepository {
  private readonly c: Collection<StatusDoc>;
  constructor(db: Db) {
    this.c = db.collection<StatusDoc>('status');
  }

  static async ensureIndexes(db: Db): Promise<void> {
    await db.collection('status').createIndex({ expires: 1 }, { name: 'expires' });
  }

  async insert(doc: StatusDoc): Promise<void> {
    await this.c.insertOne(doc, INSERT);
  }

  async get(id: string): Promise<StatusDoc | null> {
    return this.c.findOne({ _id: id });
  }

  async deleteExpired(now = new Date()): Promise<number> {
    return (await this.c.deleteMany({ expires: { $lt: now } })).deletedCount;
  }
}
