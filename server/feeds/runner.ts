/**
 * One run of one subscription, under an expiring lease (`feed:<group>:<id>`, storage leases), so
 * a subscription never runs twice at once, across hub instances too. Pulls page after page from
 * the saved cursor (no waiting between pages), stores each page through the same pipeline as a
 * TAXII POST (taxii/ingest.ts: validation, markings, sharing policy, audit) with the
 * subscription's provenance in server metadata, then saves the cursor: a crash repeats at most
 * one page, and the repeat is a no-op. One bad object is counted and listed, never fatal.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Principal } from '../auth/principal';
import { BadRequest, NotFound } from '../errors';
import type { FeedCursor, FeedRunDoc, SubscriptionDoc } from '../storage/feeds';
import type { GroupStores } from '../storage/trust-groups';
import { ingestCounted } from '../taxii/ingest';
import type { RunnerDeps } from './deps';
import { retryPolicy, safeUrl } from './http';
import { pushPage } from './mirror';
import { shapeObject } from './shape';
import { sourceFor, type SourcePage } from './sources';


const MAX_INVALID_LISTED = 100;
const MAX_EMPTY_PAGES = 5;
/** stix/bounds.ts refusals: about one object of the envelope, not about the source. */
const BOUNDS_CODES = new Set(['too_many_properties', 'string_too_long', 'too_deep']);
const MAX_PAGES_PER_RUN = 100_000;

export class LeaseLost extends Error {}

/** Where a run starts when the subscription has no cursor yet. */
function startCursor(s: SubscriptionDoc): FeedCursor {
  if (s.cursor && Object.keys(s.cursor).length) return s.cursor;
  return s.start && s.start !== 'everything' ? { addedAfter: s.start } : {};
}


export type { RunnerDeps } from './deps';

export class FeedRunner {
  private readonly instance: string;
  constructor(private readonly d: RunnerDeps) {
    this.instance = d.instance ?? `${os.hostname()}:${process.pid}`;
  }

  async run(group: string, id: string, trigger: FeedRunDoc['trigger']): Promise<FeedRunDoc> {
    const g = await this.d.groups.get(group);
    const sub = g ? await g.subscriptions.get(id) : null;
    if (!g || !sub) throw new NotFound(`There is no subscription "${id.slice(0, 64)}".`);
    const run: FeedRunDoc = {
      _id: crypto.randomUUID(), subscription: id, trigger, started: new Date().toISOString(), outcome: 'running',
      pages: 0, new: 0, duplicate: 0, invalid: 0, invalidObjects: [], retries: 0, errors: [],
    };
    const lease = await this.d.leases.acquire(`feed:${group}:${id}`, this.d.leaseMs, this.instance);
    if (!lease) {
      run.outcome = 'skipped';
      run.errors.push('another run of this subscription holds the lease');
      run.ended = new Date().toISOString();
      if (trigger !== 'schedule') await g.subscriptions.saveRun(run);
      this.d.metrics.feedRuns.inc({ group, subscription: id, outcome: 'skipped' });
      return run;
    }
    run.holder = lease.holder;
    await this.closeInterrupted(g, id);
    let lost = false;
    const renew = setInterval(() => {
      this.d.leases.renew(lease, this.d.leaseMs).then((ok) => (lost ||= !ok), () => {});
    }, Math.max(1000, Math.floor(this.d.leaseMs / 3)));
    renew.unref();
    const started = Date.now();
    await g.subscriptions.saveRun(run);
    this.d.log.info({ group, subscription: id, kind: sub.kind, source: safeUrl(sub.url), trigger, run: run._id }, 'feeds.run_started');
    const stillOurs = async () => {
      if (lost || !(await this.d.leases.renew(lease, this.d.leaseMs))) throw new LeaseLost('the lease was lost; another instance continues');
    };
    try {
      if (sub.kind === 'mirror') await pushPage(this.d, g, sub, run, stillOurs);
      else await this.pull(g, sub, run, stillOurs);
      run.outcome = 'ok';
    } catch (err) {
      run.outcome = 'failed';
      run.errors.push(err instanceof Error ? err.message : String(err));
    } finally {
      clearInterval(renew);
    }
    run.ended = new Date().toISOString();
    run.ms = Date.now() - started;
    const prev = (await g.subscriptions.get(id))?.health ?? { consecutiveFailures: 0 };
    const health =
      run.outcome === 'ok'
        ? { ...prev, lastRun: run.ended, lastSuccess: run.ended, consecutiveFailures: 0 }
        : { ...prev, lastRun: run.ended, lastFailure: run.ended, consecutiveFailures: (prev.consecutiveFailures ?? 0) + 1, lastError: run.errors.at(-1)!.slice(0, 500) };
    await g.subscriptions.update(id, { health });
    await g.subscriptions.saveRun(run);
    await this.d.leases.release(lease).catch(() => {});
    const labels = { group, subscription: id };
    this.d.metrics.feedRuns.inc({ ...labels, outcome: run.outcome });
    this.d.metrics.feedObjects.inc({ ...labels, outcome: 'new' }, run.new);
    this.d.metrics.feedObjects.inc({ ...labels, outcome: 'duplicate' }, run.duplicate);
    this.d.metrics.feedObjects.inc({ ...labels, outcome: 'invalid' }, run.invalid);
    this.d.metrics.feedConsecutiveFailures.set(labels, health.consecutiveFailures);
    if (health.lastSuccess) this.d.metrics.feedLastSuccess.set(labels, Date.parse(health.lastSuccess) / 1000);
    const summary = { group, subscription: id, run: run._id, outcome: run.outcome, pages: run.pages, new: run.new, duplicate: run.duplicate, invalid: run.invalid, retries: run.retries, ms: run.ms };
    if (run.outcome === 'ok') this.d.log.info(summary, 'feeds.run_finished');
    else this.d.log.warn({ ...summary, error: run.errors.at(-1) }, 'feeds.run_failed');
    return run;
  }

  /**
   * Runs left `running` by a hub that died (we hold the lease now, so none of them is alive):
   * marked failed, so the history does not show a run that never ends. Their cursor is kept.
   */
  private async closeInterrupted(g: GroupStores, id: string): Promise<void> {
    for (const r of await g.subscriptions.runs(id, 10)) {
      if (r.outcome !== 'running') continue;
      r.outcome = 'failed';
      r.ended = new Date().toISOString();
      r.errors.push('interrupted: the hub running it stopped before the end; the next run resumed from the saved cursor');
      await g.subscriptions.saveRun(r);
    }
  }

  private async pull(g: GroupStores, sub: SubscriptionDoc, run: FeedRunDoc, stillOurs: () => Promise<void>): Promise<void> {
    const col = await g.collections.get(sub.collection);
    if (!col) throw new Error(`the target collection ${sub.collection} is gone`);
    const principal: Principal = { subject: `subscription:${sub._id}`, organisation: sub.organisation, roles: { [g.name]: ['writer'] } };
    const source = sourceFor({ sub, retry: retryPolicy(sub), onRetry: () => void run.retries++ });
    let cursor = startCursor(sub);
    let empty = 0;
    const chunk = Math.max(1, Math.min(this.d.maxObjects, 1000));
    let ahead: Promise<SourcePage> | undefined;
    for (let n = 0; n < MAX_PAGES_PER_RUN; n++) {
      const page = await (ahead ?? source(cursor));
      ahead = undefined;
      // The next page is fetched while this one is stored (the sync then takes the longer of the
      // two, not their sum); the cursor still moves only after this page is stored.
      if (!page.done && n + 1 < MAX_PAGES_PER_RUN) {
        ahead = source(JSON.parse(JSON.stringify(page.cursor)) as FeedCursor);
        ahead.catch(() => {}); // awaited next turn; a run that ends first drops it
      }
      run.pages++;
      if (page.note) run.errors.push(page.note);
      // A server that ignores `limit` may send any number: store in envelopes the pipeline accepts.
      const fetched = new Date().toISOString();
      const invalid = (id: string, reason: string) => {
        run.invalid++;
        if (run.invalidObjects.length < MAX_INVALID_LISTED) run.invalidObjects.push({ id, reason: reason.slice(0, 500) });
      };
      // An envelope refused whole by the size limits (one object with a too long array, say
      // ATT&CK's x-mitre-collection listing every object) is stored one object at a time, so
      // only the object over the limits is kept out.
      const store = async (objects: unknown[]): Promise<void> => {
        try {
          const r = await ingestCounted(this.d.service, principal, g, col, { objects }, { feed: { subscription: sub._id, source: safeUrl(sub.url), fetched } });
          run.new += r.stored;
          run.duplicate += r.duplicates;
          for (const f of r.status.failures) invalid(f.id, f.message ?? '');
        } catch (err) {
          if (!(err instanceof BadRequest) || !BOUNDS_CODES.has(err.code)) throw err;
          if (objects.length === 1) return invalid(String((objects[0] as { id?: unknown })?.id ?? '?'), err.message);
          for (const o of objects) await store([o]);
        }
      };
      for (let i = 0; i < page.objects.length; i += chunk) {
        const objects = page.objects.slice(i, i + chunk).map((o) => shapeObject(o, sub));
        await store(objects);
      }
      empty = page.objects.length ? 0 : empty + 1;
      // Never move a cursor under a lease someone else may now hold.
      await stillOurs();
      cursor = JSON.parse(JSON.stringify(page.cursor)) as FeedCursor;
      await g.subscriptions.update(sub._id, { cursor });
      await g.subscriptions.saveRun(run);
      if (page.done) return;
      if (empty >= MAX_EMPTY_PAGES) {
        run.errors.push(`${MAX_EMPTY_PAGES} empty pages in a row with more=true: stopped; the next run resumes`);
        return;
      }
    }
  }
}
