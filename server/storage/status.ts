/**
 * TAXII status resources (§4.3.1). Kept for PUENTE_STATUS_RETENTION_HOURS (>= 24);
 * a cleanup job deletes expired ones (FerretDB has no TTL index, so MongoDB does the same).
 * Index: `expires` { expires } for the cleanup.
 */
import type { Collection, Db } from 'mongodb';

export interface StatusDetail {
  id: string;
  version: string;
  message?: string;
}

export interface StatusDoc {
  _id: string;
  col: string;
  /** Submitter: only the same organisation (or a group admin) reads a status. */
  sub: string;
  org: string;
  status: 'pending' | 'complete';
  request_timestamp: string;
  total_count: number;
  success_count: number;
  failure_count: number;
  pending_count: number;
  successes: StatusDetail[];
  failures: StatusDetail[];
  pendings: StatusDetail[];
  expires: Date;
}

export class StatusRepository {
  private readonly c: Collection<StatusDoc>;
  constructor(db: Db) {
    this.c = db.collection<StatusDoc>('status');
  }

  static async ensureIndexes(db: Db): Promise<void> {
    await db.collection('status').createIndex({ expires: 1 }, { name: 'expires' });
  }

  async insert(doc: StatusDoc): Promise<void> {
    await this.c.insertOne(doc);
  }

  async get(id: string): Promise<StatusDoc | null> {
    return this.c.findOne({ _id: id });
  }

  async deleteExpired(now = new Date()): Promise<number> {
    return (await this.c.deleteMany({ expires: { $lt: now } })).deletedCount;
  }
}
