/**
 * The append-only audit log of one trust group (`audit` collection of its database). This
 * repository has no update and no delete: entries are only ever inserted. Keys start with the
 * microsecond timestamp, so `_id` order is time order (keyset pages, index `_id`).
 */
import crypto from 'node:crypto';
import { dateAdded } from './clock';

export type AuditEventName = 'objects.added' | 'objects.deleted' | 'objects.released' | 'objects.received' | 'token.used' | 'jobs.triggered' | 'subscriptions.added' | 'subscriptions.removed' | 'subscriptions.cursor_reset' | 'subscriptions.paused' | 'subscriptions.resumed' | 'subscriptions.run' | 'webhooks.added' | 'webhooks.changed' | 'webhooks.removed' | 'webhooks.paused' | 'webhooks.resumed';

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

/** Keys start with the microsecond timestamp, so key order is time order (keyset pages). */
export function newAuditEntries(entries: NewAuditEntry[]): AuditEntry[] {
  return entries.map((e) => {
    const at = dateAdded();
    return { _id: `${at}|${crypto.randomBytes(4).toString('hex')}`, at, ...e };
  });
}
