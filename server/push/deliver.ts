/**
 * Webhook delivery: a background loop (a tick every PUENTE_WEBHOOK_TICK_MS, and woken after
 * ingest), never in the request that stored the objects. Each due webhook is delivered under an
 * expiring lease (`webhook:<group>:<id>`, storage leases: a unique insert), so two hub instances
 * never deliver one webhook at once.
 *
 * The sequence is the collection's changes in (date_added, key) order (storage/sequence.ts:
 * object versions, revocations among them, and deletion records; with `alerts`, the group's
 * alerts too), read as the owner organisation (a restricted object only if it may read it),
 * through the webhook's filters. A batch is a run of one kind (objects or deletions, up to
 * batch_size) POSTed as a TAXII envelope, signed (push/sign.ts). The cursor, in the database,
 * moves past a batch only after a 2xx: at least once, in order, across restarts. A failure
 * schedules the next attempt with exponential backoff and full jitter (feeds/http.ts
 * backoffMs); after PUENTE_WEBHOOK_MAX_FAILURES failures in a row, or PUENTE_WEBHOOK_RETRY_HOURS
 * after the first, the webhook is paused until an admin resumes it.
 */
import os from 'node:os';
import type { Logger } from '../logger';
import { DEFAULT_RETRY, backoffMs, requestOnce, safeUrl } from '../feeds/http';
import { uuidV5 } from '../names';
import { collectionId } from '../storage/collections';
import type { LeaseRepository } from '../storage/contract';
import { deletionChanges, objectChanges, readMerged, type Change, type ChangeReader } from '../storage/sequence';
import type { GroupStores, TrustGroups } from '../storage/trust-groups';
import type { SequencePosition, WebhookDoc, WebhookHealth } from '../storage/webhooks';
import { deletionNotice } from './notices';
import { signatureOf } from './sign';
import { compileFilter } from './webhook-filter';

export const TAXII21 = 'application/taxii+json;version=2.1';
/** Batches one lease holder sends in a row before it lets the next tick decide again. */
const BATCHES_PER_RUN = 20;
const MAX_ANSWER_BYTES = 64 * 1024;

export interface DelivererDeps {
  groups: TrustGroups;
  leases: LeaseRepository;
  log: Logger;
  tickMs: number;
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  retryHours: number;
  maxFailures: number;
  leaseMs: number;
  instance?: string;
}

interface Batch {
  kind: 'objects' | 'deletions';
  changes: Change[];
  /** Where the cursor goes once this batch is delivered (past what the filters left out too). */
  through: SequencePosition;
}

export class WebhookDeliverer {
  private timer?: NodeJS.Timeout;
  private soon?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private again = false;
  private stopped = true;
  private readonly busy = new Set<string>();
  private readonly instance: string;

  constructor(private readonly d: DelivererDeps) {
    this.instance = d.instance ?? `${os.hostname()}:${process.pid}`;
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.d.tickMs);
    this.timer.unref();
    this.wake();
  }

  /** Cheap: at most one tick runs at a time; a wake during it runs one more after. */
  wake(): void {
    if (this.stopped || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      if (this.ticking) {
        this.again = true;
        return;
      }
      this.ticking = this.tick()
        .catch((err: unknown) => this.d.log.warn({ err: (err as Error).message }, 'webhooks.tick_failed'))
        .finally(() => {
          this.ticking = undefined;
          if (this.again) {
            this.again = false;
            this.wake();
          }
        });
    }, 10);
    this.soon.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    await this.ticking;
  }

  /** One pass over every group's due webhooks, each in parallel with the others. */
  async tick(now = Date.now()): Promise<void> {
    const runs: Promise<void>[] = [];
    for (const g of await this.d.groups.all()) {
      for (const w of await g.webhooks.list()) {
        const key = `${g.name}\u0000${w._id}`;
        if (w.state !== 'active' || this.busy.has(key) || (w.health.nextAttempt && Date.parse(w.health.nextAttempt) > now)) continue;
        this.busy.add(key);
        runs.push(this.run(g, w._id).finally(() => this.busy.delete(key)));
      }
    }
    await Promise.allSettled(runs);
  }

  private async run(g: GroupStores, id: string): Promise<void> {
    const lease = await this.d.leases.acquire(`webhook:${g.name}:${id}`, this.d.leaseMs, this.instance);
    if (!lease) return;
    try {
      for (let n = 0; n < BATCHES_PER_RUN && !this.stopped; n++) {
        // Re-read under the lease: another instance may have moved the cursor, an admin paused it.
        const w = await g.webhooks.get(id);
        if (!w || w.state !== 'active' || (w.health.nextAttempt && Date.parse(w.health.nextAttempt) > Date.now())) return;
        const batch = await this.nextBatch(g, w);
        if (!(await this.d.leases.renew(lease, this.d.leaseMs))) return;
        if (!batch) return;
        if (batch.changes.length === 0) {
          await g.webhooks.update(id, { cursor: batch.through });
          return;
        }
        if (!(await this.send(g, w, batch))) return;
      }
    } catch (err) {
      this.d.log.warn({ group: g.name, webhook: id, err: (err as Error).message }, 'webhooks.run_failed');
    } finally {
      await this.d.leases.release(lease).catch(() => {});
    }
  }

  private readers(g: GroupStores, w: WebhookDoc): { readers: ChangeReader[]; alerts?: string } {
    const viewer = { organisation: w.organisation };
    const readers = [objectChanges(g, w.collection, viewer), deletionChanges(g, w.collection, viewer)];
    const alerts = collectionId(g.name, 'alerts');
    if (!w.alerts || alerts === w.collection) return { readers };
    return { readers: [...readers, objectChanges(g, alerts, viewer)], alerts };
  }

  /** The next run of one kind that passes the filters; undefined when nothing moved. */
  private async nextBatch(g: GroupStores, w: WebhookDoc): Promise<Batch | undefined> {
    const { readers, alerts } = this.readers(g, w);
    const keep = compileFilter(w.filters);
    const out: Change[] = [];
    let kind: Batch['kind'] | undefined;
    let at: SequencePosition = w.cursor;
    let moved = false;
    for (;;) {
      const page = await readMerged(readers, { after: at }, w.batchSize);
      for (const c of page) {
        const fromAlerts = c.kind === 'object' && c.doc.col === alerts;
        if (keep(c, fromAlerts)) {
          const k = c.kind === 'object' ? 'objects' : 'deletions';
          if (out.length && (k !== kind || out.length >= w.batchSize)) return { kind: kind!, changes: out, through: at };
          kind = k;
          out.push(c);
        }
        at = { added: c.added, key: c.key };
        moved = true;
      }
      if (page.length < w.batchSize) return moved ? { kind: kind ?? 'objects', changes: out, through: at } : undefined;
    }
  }

  private body(b: Batch): string {
    if (b.kind === 'objects') return `{"more":false,"objects":[${b.changes.map((c) => (c.kind === 'object' ? c.doc.raw : '')).join(',')}]}`;
    return JSON.stringify({ more: false, objects: [], x_puente_deleted: b.changes.map((c) => (c.kind === 'deletion' ? deletionNotice(c.deletion) : undefined)) });
  }

  /** One attempt; true when delivered (the caller may send the next batch). */
  private async send(g: GroupStores, w: WebhookDoc, b: Batch): Promise<boolean> {
    const body = this.body(b);
    const first = b.changes[0]!;
    const last = b.changes[b.changes.length - 1]!;
    const delivery = uuidV5(`puente/webhook-delivery/${w._id}/${first.added}/${first.key}/${last.key}`);
    const at = new Date();
    const started = Date.now();
    let status: number | undefined;
    let error: string | undefined;
    try {
      const r = await requestOnce(
        new URL(w.url),
        {
          method: 'POST',
          body,
          auth: { type: 'none' },
          headers: {
            'Content-Type': TAXII21,
            'User-Agent': 'puente-webhooks',
            'X-Puente-Signature': signatureOf(w.secret, body),
            'X-Puente-Delivery': delivery,
            'X-Puente-Timestamp': at.toISOString(),
            'X-Puente-Event': b.kind,
          },
        },
        { ...DEFAULT_RETRY, timeoutMs: this.d.timeoutMs, maxBodyBytes: MAX_ANSWER_BYTES },
      );
      status = r.status;
      if (status < 200 || status > 299) error = `${safeUrl(w.url)} answered ${status}`;
    } catch (err) {
      error = `${String((err as { code?: string }).code ?? (err as Error).message).slice(0, 200)} from ${safeUrl(w.url)}`;
    }
    const ms = Date.now() - started;
    const h = w.health;
    const log = { _id: `${delivery}:${h.consecutiveFailures + 1}:${started}`, webhook: w._id, delivery, at: at.toISOString(), attempt: h.consecutiveFailures + 1, kind: b.kind, count: b.changes.length, first: first.added, last: last.added, ms };
    const labels = { group: g.name, webhook: w._id, delivery, count: b.changes.length, ms };
    if (!error) {
      const health: WebhookHealth = { consecutiveFailures: 0, delivered: h.delivered + b.changes.length, lastAttempt: log.at, lastSuccess: log.at, lastStatus: status };
      await g.webhooks.update(w._id, { cursor: b.through, health });
      await g.webhooks.logDelivery({ ...log, outcome: 'delivered', status });
      this.d.log.info({ ...labels, status }, 'webhooks.delivered');
      return true;
    }
    const failures = h.consecutiveFailures + 1;
    const firstFailure = h.firstFailure ?? log.at;
    const pause = failures >= this.d.maxFailures || started - Date.parse(firstFailure) >= this.d.retryHours * 3_600_000;
    const wait = backoffMs(failures - 1, { ...DEFAULT_RETRY, baseDelayMs: this.d.retryBaseMs, maxDelayMs: this.d.retryMaxMs });
    const nextAttempt = pause ? undefined : new Date(started + ms + wait).toISOString();
    const health: WebhookHealth = {
      consecutiveFailures: failures, delivered: h.delivered, firstFailure, lastAttempt: log.at, lastError: error,
      ...(status !== undefined ? { lastStatus: status } : {}), ...(h.lastSuccess ? { lastSuccess: h.lastSuccess } : {}), ...(nextAttempt ? { nextAttempt } : {}),
    };
    await g.webhooks.update(w._id, { health, ...(pause ? { state: 'paused' as const, pausedBy: 'failures' as const } : {}) });
    await g.webhooks.logDelivery({ ...log, outcome: 'failed', error, ...(status !== undefined ? { status } : {}), ...(nextAttempt ? { nextAttempt } : {}) });
    if (pause) this.d.log.warn({ ...labels, failures, error }, 'webhooks.paused');
    else this.d.log.warn({ ...labels, failures, error, next_attempt: nextAttempt }, 'webhooks.delivery_failed');
    return false;
  }
}
