/**
 * Rows of the feeds machinery (server/feeds/): subscriptions and their run history, one trust
 * group's database/schema each. A subscription is one document; the cursor and health are
 * fields of it, written by the one process that holds the subscription's lease.
 */

export const SOURCE_KINDS = ['taxii21', 'taxii20', 'misp', 'csv', 'text', 'mirror'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const AUTH_KINDS = ['none', 'basic', 'bearer', 'header', 'tls'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

/** Credentials to the source. Stored, sent to the source, never shown (see feeds/redact.ts). */
export interface SourceAuth {
  type: AuthKind;
  username?: string;
  password?: string;
  token?: string;
  header?: string;
  value?: string;
  /** PEM client certificate and key (type tls). */
  cert?: string;
  key?: string;
}

/** Where the next run starts. */
export interface FeedCursor {
  /** TAXII 2.1 `next` of the page after the last one stored. */
  next?: string;
  /** TAXII added_after: the last X-TAXII-Date-Added-Last seen (or MISP's event timestamp). */
  addedAfter?: string;
  /** Mirrors: the last pushed local object (date_added, key). */
  added?: string;
  key?: string;
  /** The newest X-TAXII-Date-Added-Last seen (where an expired next resumes). */
  seen?: string;
  /** TAXII 2.0 Range offset within addedAfter; MISP page. */
  offset?: number;
}

export interface FeedHealth {
  lastRun?: string;
  lastSuccess?: string;
  lastFailure?: string;
  consecutiveFailures: number;
  lastError?: string;
}

export interface SubscriptionDoc {
  _id: string;
  name: string;
  kind: SourceKind;
  /** Source URL (a mirror: the partner's collection URL). */
  url: string;
  /** TAXII discovery URLs: the collection (id or title) to read. */
  remoteCollection?: string;
  auth: SourceAuth;
  /** PEM CA bundle to trust for the source (self-signed partners). */
  ca?: string;
  /** Local collection id (a mirror: the collection pushed). */
  collection: string;
  /** Marking definition ids put on objects that carry none. */
  markings: string[];
  maxConfidence?: number;
  labels: string[];
  schedule: string;
  /** "everything" or an added_after timestamp. */
  start: string;
  /** TAXII: match[type] etc.; MISP: published, tags. */
  filters: Record<string, string | string[] | boolean>;
  /** CSV: column index or header name -> observable type; text: { "0": type }. */
  columns?: Record<string, string>;
  /** Mirrors: the partner's organisation (objects it submitted here are never sent back). */
  partnerOrganisation?: string;
  pageSize: number;
  /** Per-subscription overrides of feeds/http.ts DEFAULT_RETRY. */
  retry?: { attempts?: number; timeoutMs?: number; baseDelayMs?: number; maxRetryAfterMs?: number };
  enabled: boolean;
  created: string;
  /** The admin who added it; pulled objects are submitted in its organisation's name. */
  createdBy: string;
  organisation: string;
  cursor: FeedCursor;
  health: FeedHealth;
}

export interface InvalidObject {
  id: string;
  reason: string;
}

export interface FeedRunDoc {
  _id: string;
  subscription: string;
  trigger: 'schedule' | 'api' | 'cli';
  holder?: string;
  started: string;
  ended?: string;
  outcome: 'running' | 'ok' | 'failed' | 'skipped';
  pages: number;
  new: number;
  duplicate: number;
  invalid: number;
  /** At most 100, with the reason. */
  invalidObjects: InvalidObject[];
  retries: number;
  /** Mirrors: objects not sent (AMBER or stricter, or from the partner). */
  withheld?: number;
  errors: string[];
  ms?: number;
}
