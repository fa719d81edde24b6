/** The append-only audit log on MongoDB (`audit` collection; keyset pages on the `_id` index). */
import type { Collection, Db } from 'mongodb';
import { newAuditEntries, type AuditEntry, type NewAuditEntry } from '../audit';
import type { AuditRepository } from '../contract';
import { duplicateIndexes } from './objects';
import { INSERT_MANY } from './writes';

export class MongoAudit implements AuditRepository {
  private readonly c: Collection<AuditEntry>;
  constructor(db: Db) {
    this.c = db.collection<AuditEntry>('audit');
  }

  async append(entries: NewAuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const docs = newAuditEntries(entries);
    await this.c.insertMany(docs, INSERT_MANY);
  }

  async importEntries(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      await this.c.insertMany(entries, INSERT_MANY);
    } catch (err) {
      duplicateIndexes(err);
    }
  }

  async page(after: string | undefined, limit: number): Promise<{ entries: AuditEntry[]; more: boolean }> {
    const entries = await this.c
      .find(after ? { _id: { $gt: after } } : {}, { sort: { _id: 1 }, limit: limit + 1 })
      .toArray();
    return { entries: entries.slice(0, limit), more: entries.length > limit };
  }
}
