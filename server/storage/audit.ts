/**
 * The append-only audit log of one trust group (`audit` collection of its database). This
 * repository has no update and no delete: entries are only ever inserted. Keys start with the
 * microsecond timestamp, so `_id` order is time order (keyset pages, index `_id`).
 */
import crypto from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { dateAdded } from './clock';

export type AuditEventName = 'objects.added' | 'objects.deleted' | 'objects.released' | 'objects.received' | 'token.used' | 'jobs.triggered';

export interface AuditEntry {
  _id: string;
  at: string;
  event: AuditEventName;
  subject: string;
  organisation: string;
  tokenId?: string;
  details: Record<string, unknown>;
}

export type NewAuditEntry = Omit<AuditEntry, '_id' | 'at'>;

export class AuditRepository {
  private readonly c: Collection<AuditEntry>;
  constructor(db: Db) {
    this.c = db.collection<AuditEntry>('audit');
  }

  async append(entries: NewAuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const docs = entries.map((e) => {
      const at = dateAdded();
      return { _id: `${at}|${crypto.randomBytes(4).toString('hex')}`, at, ...e };
    });
    await this.c.insertMany(docs, { ordered: false });
  }

  async page(after: string | undefined, limit: number): Promise<{ entries: AuditEntry[]; more: boolean }> {
    const entries = await this.c
      .find(after ? { _id: { $gt: after } } : {}, { sort: { _id: 1 }, limit: limit + 1 })
      .toArray();
    return { entries: entries.slice(0, limit), more: entries.length > limit };
  }
}
