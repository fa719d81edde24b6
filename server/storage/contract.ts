/**
 * The storage contract: what the hub asks of a database, as interfaces over plain rows. Two
 * implementations sit side by side, `storage/mongo/` (production: a MongoDB replica set or
 * sharded cluster) and `storage/postgres/` (the embedded default, or an external PostgreSQL).
 * Nothing outside `storage/` knows which one runs; `test/contract/` runs one suite over both.
 *
 * Each trust group is isolated in its own database (MongoDB) or schema (PostgreSQL).
 */
import type { AuditEntry, NewAuditEntry } from './audit';
import type { CollectionDoc, GroupDoc } from './collections';
import type { ObjectDoc, ObjectDraft, ObjectQuery, Page, Viewer } from './objects';
import type { AlertStateDoc, AllowEntry } from './alert-state';
import type { SearchQuery } from './search';
import type { StatusDoc } from './status';
import type { Checkpoint, Lease, LeaseDoc, Outcome, RunDoc, Trigger } from './jobs';
import type { FeedRunDoc, SubscriptionDoc } from './feeds';
import type { DeletionDoc, DeletionDraft, DeliveryDoc, SequencePosition, WebhookDoc } from './webhooks';

export type { Checkpoint };

export type Backend = 'mongodb' | 'postgres';

export interface AddResult {
  /** One document per distinct key, in draft order, with the date_added the repository gave it. */
  docs: ObjectDoc[];
  /** Keys that were already stored before this call (identical re-posts): nothing was written for them. */
  existing: Set<string>;
}

export interface ObjectsRepository {
  /**
   * The one write path for stored objects: assigns date_added (unique, increasing in this
   * process), keeps keyset readers behind the write while it is in flight, inserts unordered,
   * and treats a key already stored as a no-op. Drafts repeating a key are stored once.
   */
  add(drafts: ObjectDraft[]): Promise<AddResult>;
  /** One keyset page in (date_added, key) order; `more` says whether another matching object exists. */
  page(q: ObjectQuery): Promise<Page>;
  /** Visible versions of one object (DELETE, release), `raw` included. */
  findVersions(collection: string, id: string, viewer: Viewer): Promise<ObjectDoc[]>;
  /** The latest visible version of each id in a collection. */
  findLatest(collection: string, ids: string[], viewer: Viewer): Promise<ObjectDoc[]>;
  /** Unrestricted objects of one type in every collection of the group (start-up loads). */
  findByType(type: string): Promise<ObjectDoc[]>;
  deleteByKeys(keys: string[]): Promise<number>;
  /** Objects stored in a collection (tests, benchmarks, migration checks). */
  count(collection?: string): Promise<number>;
  /**
   * Versions added to these collections in [from, to) (date_added bounds) that the viewer may
   * read: the dashboard's objects per day. Restricted objects count only for their readers.
   */
  countAdded(q: { collections: string[]; viewer: Viewer; from: string; to: string }): Promise<number>;
  /** Every stored document in (date_added, key) order after `after`, `limit` at a time (migration). */
  scan(after: { added: string; key: string } | undefined, limit: number): Promise<ObjectDoc[]>;
  /** Inserts documents exactly as given, date_added included (migration between backends only). */
  importDocs(docs: ObjectDoc[]): Promise<number>;
}

export interface CollectionsRepository {
  list(): Promise<CollectionDoc[]>;
  get(id: string): Promise<CollectionDoc | null>;
  /** Creates the collection if it is not there (idempotent; the first writer wins). */
  ensure(group: string, spec: Omit<CollectionDoc, '_id' | 'created'>): Promise<CollectionDoc>;
  setReleaseTo(id: string, groups: string[]): Promise<boolean>;
}

export interface StatusRepository {
  insert(doc: StatusDoc): Promise<void>;
  get(id: string): Promise<StatusDoc | null>;
  deleteExpired(now?: Date): Promise<number>;
}

/** Append-only: there is no update and no delete. */
export interface AuditRepository {
  append(entries: NewAuditEntry[]): Promise<void>;
  page(after: string | undefined, limit: number): Promise<{ entries: AuditEntry[]; more: boolean }>;
  /** Copies entries with their ids and times, skipping ids already present (migration between backends only). */
  importEntries(entries: AuditEntry[]): Promise<void>;
}

export interface RunsRepository {
  start(job: string, group: string, trigger: Trigger, holder?: string): Promise<RunDoc>;
  finish(run: RunDoc, outcome: Outcome, counts: Record<string, number>, error?: string): Promise<RunDoc>;
  /** Newest first. */
  list(opts: { job?: string; limit: number }): Promise<RunDoc[]>;
}

export interface CheckpointRepository {
  get(job: string): Promise<Checkpoint | undefined>;
  set(job: string, cp: Checkpoint): Promise<void>;
  clear(job: string): Promise<void>;
}

/** Expiring exclusive claims (a job runs in one place at a time, across hub instances). */
export interface LeaseRepository {
  /** Claims `key` for `ttlMs`; null when someone else holds an unexpired lease. */
  acquire(key: string, ttlMs: number, instance?: string): Promise<Lease | null>;
  /** Extends a lease we hold; false when it was lost (expired and taken over). */
  renew(lease: Lease, ttlMs: number): Promise<boolean>;
  release(lease: Lease): Promise<void>;
  get(key: string): Promise<LeaseDoc | null>;
}

/**
 * Request counters per token and one-minute window, shared by every hub instance on the database
 * (so a token's limit holds behind a load balancer).
 */
export interface RateLimitRepository {
  /** Counts one request of `key` in `window` (minutes since the epoch); the count so far, this one included. */
  hit(key: string, window: number): Promise<number>;
  /** Drops the counters of windows before `window`. */
  prune(window: number): Promise<void>;
}

/** Times named phases of a run (the correlation benchmark); storage only calls start/stop. */
export interface PhaseTimer {
  start(phase: string): () => void;
}

/**
 * The correlation engine's reads of one group's input collections. Every call is an indexed
 * read of what it asks for: no call reads the whole group.
 */
export interface GraphReader {
  /** Objects after the checkpoint and before `until`, in (date_added, key) order. */
  newObjects(after: Checkpoint | undefined, until: string, limit: number): Promise<ObjectDoc[]>;
  /** Every stored version of these ids. */
  byIds(ids: string[]): Promise<ObjectDoc[]>;
  /** Relationships and sightings whose link ends (meta.links) include one of these ids. */
  linksTouching(ids: string[]): Promise<ObjectDoc[]>;
  /** Objects naming one of these observable keys, added at or after `since`. */
  byKeys(keys: string[], since: string): Promise<ObjectDoc[]>;
}

/** One stored report of an observable key, as another group may count it (never the object). */
export interface KeyReport {
  key: string;
  organisation: string;
  added: string;
}

export interface ObjectGraph {
  reader(inputCollections: string[], phases?: PhaseTimer): GraphReader;
  /**
   * Reports of these keys since `since` that another trust group may count: TLP:CLEAR and
   * unrestricted only, outside `excludeCollection` (alerts), and not copies released from
   * `notFromGroup` (its own reports coming back). One row per (stored object, matching key).
   */
  shareableKeyReports(keys: string[], since: string, opts: { excludeCollection: string; notFromGroup: string }): Promise<KeyReport[]>;
}

/** Subscriptions of one trust group (server/feeds/) and their run history. */
export interface SubscriptionsRepository {
  list(): Promise<SubscriptionDoc[]>;
  get(id: string): Promise<SubscriptionDoc | null>;
  insert(doc: SubscriptionDoc): Promise<void>;
  /** Shallow update of top-level fields (cursor, health, enabled); false when absent. */
  update(id: string, set: Partial<Omit<SubscriptionDoc, '_id'>>): Promise<boolean>;
  remove(id: string): Promise<boolean>;
  /** Inserts or replaces a run record (written by the lease holder only). */
  saveRun(run: FeedRunDoc): Promise<void>;
  /** Newest first. */
  runs(subscription: string, limit: number): Promise<FeedRunDoc[]>;
}

/** Webhooks of one trust group (server/push/) and their delivery log. */
export interface WebhooksRepository {
  list(): Promise<WebhookDoc[]>;
  get(id: string): Promise<WebhookDoc | null>;
  insert(doc: WebhookDoc): Promise<void>;
  /** Shallow update of top-level fields (cursor, health, state); false when absent. */
  update(id: string, set: Partial<Omit<WebhookDoc, '_id'>>): Promise<boolean>;
  /** Removes the webhook and its delivery log. */
  remove(id: string): Promise<boolean>;
  logDelivery(d: DeliveryDoc): Promise<void>;
  /** Newest first. */
  deliveries(webhook: string, limit: number): Promise<DeliveryDoc[]>;
}

/**
 * Deletion records (storage/webhooks.ts DeletionDoc): written when TAXII DELETE removes object
 * versions, read in (date_added, key) order like objects, restricted ones only for their readers.
 */
export interface DeletionsRepository {
  /** One record per deleted version, each with a fresh date_added. */
  record(drafts: DeletionDraft[]): Promise<DeletionDoc[]>;
  /** Strictly after `after` (or after `addedAfter`), in (added, key) order, at most `limit`. */
  page(q: { collection: string; viewer: Viewer; after?: SequencePosition; addedAfter?: string; limit: number }): Promise<DeletionDoc[]>;
}

/**
 * The analysts' search reads of one group: candidates in (date_added, key) order, after the
 * cursor, at most `limit`, restricted (AMBER/RED) objects only for the organisations they name.
 * Each backend names the index each match kind relies on.
 */
export interface SearchRepository {
  find(q: SearchQuery): Promise<ObjectDoc[]>;
}

/**
 * Triage state of alerts (storage/alert-state.ts). No transactions (FerretDB): the first state
 * of an alert is an insert into the primary key (first writer wins), later changes a replace
 * conditioned on the version read.
 */
export interface AlertStateRepository {
  get(ids: string[]): Promise<AlertStateDoc[]>;
  /** false when a state for this id exists already. */
  create(doc: AlertStateDoc): Promise<boolean>;
  /** Replaces the state if it is still at `doc.version - 1`; false when someone changed it first. */
  replace(doc: AlertStateDoc): Promise<boolean>;
  allow(entries: AllowEntry[]): Promise<void>;
  /** The allow-listed keys among these. */
  allowed(keys: string[]): Promise<Set<string>>;
  allowList(limit: number): Promise<AllowEntry[]>;
  /** Claims the notification of one alert (a unique insert); false when it was claimed before. */
  claimNotification(alertId: string): Promise<boolean>;
}

export interface GroupStorage {
  readonly name: string;
  /** Creates the group's database/schema, tables and named indexes if missing (idempotent). */
  ensure(): Promise<void>;
  readonly objects: ObjectsRepository;
  readonly collections: CollectionsRepository;
  readonly status: StatusRepository;
  readonly audit: AuditRepository;
  readonly runs: RunsRepository;
  readonly checkpoints: CheckpointRepository;
  readonly graph: ObjectGraph;
  readonly subscriptions: SubscriptionsRepository;
  readonly search: SearchRepository;
  readonly alerts: AlertStateRepository;
  readonly webhooks: WebhooksRepository;
  readonly deletions: DeletionsRepository;
}

/** The registry of trust groups (the hub's own admin database/schema). */
export interface GroupRegistry {
  list(): Promise<GroupDoc[]>;
  ensure(name: string, title?: string, description?: string): Promise<void>;
}

export interface Storage {
  readonly backend: Backend;
  readonly registry: GroupRegistry;
  readonly leases: LeaseRepository;
  readonly rateLimits: RateLimitRepository;
  /** The same leases read against another clock (tests of expiry). */
  leasesAt(now: () => Date): LeaseRepository;
  /** The group's repositories; one handle per group and process (the write horizon lives in it). */
  group(name: string): GroupStorage;
  /** Throws Unavailable when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Removes every database/schema of this prefix (tests and benchmarks). */
  dropAll(): Promise<void>;
}

export interface StorageOptions {
  /** Names: <prefix>-admin and <prefix>-<group> (databases or schemas). */
  prefix: string;
  /** PUENTE_READ_SETTLE_MS: pages stop this long before now (writes of other hub instances). */
  readSettleMs?: number;
}
