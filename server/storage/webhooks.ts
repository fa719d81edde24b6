/**
 * Rows of the push machinery (server/push/): webhooks, their delivery log, and the deletion
 * records that the event stream and webhooks carry. One trust group's database/schema each.
 * A webhook is one document; its cursor and health are fields of it, written by the one process
 * that holds the webhook's lease (`webhook:<group>:<id>`).
 */
import type { Tlp } from '../stix/markings';
import { formatMicros, reserveMicros } from './clock';
import type { WriteHorizon } from './objects';

/** A position in a collection's date_added sequence: everything at or before it is done. */
export interface SequencePosition {
  added: string;
  key: string;
}

export interface WebhookHealth {
  /** Failed attempts since the last 2xx. */
  consecutiveFailures: number;
  /** When the current run of failures began (the 24 h retry window counts from it). */
  firstFailure?: string;
  lastAttempt?: string;
  lastSuccess?: string;
  lastStatus?: number;
  lastError?: string;
  /** No attempt before this time (backoff). */
  nextAttempt?: string;
  delivered: number;
}

export interface WebhookDoc {
  _id: string;
  name: string;
  collection: string;
  url: string;
  /** HMAC key. Stored, used to sign, never shown, logged or audited. */
  secret: string;
  /** Export filter parameters as query text (server/exports/query.ts), checked on create. */
  filters: Record<string, string>;
  /** Also deliver the group's new correlation alerts. */
  alerts: boolean;
  batchSize: number;
  state: 'active' | 'paused';
  /** Why it is paused: an admin, or too many failures. */
  pausedBy?: 'admin' | 'failures' | null;
  created: string;
  createdBy: string;
  /** The owner organisation: what it may not read, the webhook never gets. */
  organisation: string;
  cursor: SequencePosition;
  health: WebhookHealth;
}

/** One attempt to deliver one batch. */
export interface DeliveryDoc {
  _id: string;
  webhook: string;
  /** The X-Puente-Delivery id: the same for every attempt of the same batch. */
  delivery: string;
  at: string;
  attempt: number;
  kind: 'objects' | 'deletions';
  count: number;
  first: string;
  last: string;
  outcome: 'delivered' | 'failed';
  status?: number;
  error?: string;
  nextAttempt?: string;
  ms: number;
}

/** A deleted object version: what a consumer is told instead of the object (TAXII DELETE, §5.7). */
export interface DeletionDoc {
  /** "<object key>#<date_added of the deletion>": a version posted again and deleted again is a second record. */
  _id: string;
  col: string;
  id: string;
  type: string;
  version: string;
  /** date_added of the deletion, from the same clock as objects': the sequence interleaves both. */
  added: string;
  org: string;
  tlp: Tlp | null;
  readers: string[];
  restricted: boolean;
}

export type DeletionDraft = Omit<DeletionDoc, '_id' | 'added'> & { objectKey: string };

/**
 * The write path of `DeletionsRepository.record()` on every backend: date_added values from the
 * objects' clock, and keyset readers kept behind the write while it is in flight (as addDrafts).
 */
export async function recordDeletions(horizon: WriteHorizon, drafts: DeletionDraft[], insert: (docs: DeletionDoc[]) => Promise<void>): Promise<DeletionDoc[]> {
  if (drafts.length === 0) return [];
  let micros = reserveMicros(drafts.length);
  const done = horizon.begin(formatMicros(micros));
  try {
    const docs = drafts.map(({ objectKey, ...d }) => {
      const added = formatMicros(micros++);
      return { _id: `${objectKey}#${added}`, ...d, added };
    });
    await insert(docs);
    return docs;
  } finally {
    done();
  }
}
