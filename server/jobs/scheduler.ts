/**
 * Scheduled jobs (node-cron): `correlation` and `status-cleanup`, each run per trust group under
 * an expiring lease (storage: leases), renewed while it runs, with a record in the group's `job_runs`.
 */
import os from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { LeaseRepository } from '../storage/contract';
import type { RunDoc, Trigger } from '../storage/jobs';
import type { TrustGroups } from '../storage/trust-groups';
import type { CorrelationEngine, RunOptions } from '../correlation/engine';

export const JOBS = ['correlation', 'status-cleanup'] as const;
export type JobName = (typeof JOBS)[number];

export interface JobsDeps {
  groups: TrustGroups;
  /** Default: the storage's leases (tests inject a clock). */
  leases?: LeaseRepository;
  log: Logger;
  metrics: Metrics;
  engine: CorrelationEngine;
  schedules: Record<JobName, string>;
  leaseMs: number;
  /** Names this instance in lease holders and run records. */
  instance?: string;
}

export class LeaseLost extends Error {}

export class Jobs {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Set<Promise<unknown>>();
  readonly leases: LeaseRepository;
  private readonly instance: string;

  constructor(private readonly d: JobsDeps) {
    this.leases = d.leases ?? d.groups.storage.leases;
    this.instance = d.instance ?? `${os.hostname()}:${process.pid}`;
    for (const job of JOBS) {
      if (!cron.validate(d.schedules[job])) throw new Error(`invalid cron schedule for ${job}: "${d.schedules[job]}"`);
    }
  }

  start(): void {
    for (const job of JOBS) {
      const task: ScheduledTask = cron.schedule(
        this.d.schedules[job],
        (ctx) => this.track(this.runEveryGroup(job, ctx.date, task.getNextRuns(2).find((d) => d > ctx.date) ?? null)),
        { name: job, noOverlap: true },
      );
      this.tasks.push(task);
    }
    this.d.log.info({ schedules: this.d.schedules }, 'jobs.started');
  }

  async stop(): Promise<void> {
    for (const t of this.tasks.splice(0)) await t.destroy();
    await Promise.allSettled([...this.running]);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    void p.finally(() => this.running.delete(p)).catch(() => {});
    return p;
  }

  /**
   * One scheduled tick: every instance's cron fires, and each (job, group) of the tick runs in
   * one of them. The job lease alone would let a second instance run a short job again once the
   * first has released it, so the tick itself is claimed first: a lease `<job>:<group>:tick` that
   * lives half the time to the next tick and is never released (the next tick finds it expired).
   */
  private async runEveryGroup(job: JobName, tick: Date, next: Date | null): Promise<void> {
    const ttlMs = next ? Math.max(500, Math.floor((next.getTime() - tick.getTime()) / 2)) : 1000;
    for (const g of await this.d.groups.all()) {
      try {
        if (!(await this.leases.acquire(`${job}:${g.name}:tick`, ttlMs, this.instance))) {
          this.d.log.debug({ job, group: g.name, tick }, 'jobs.tick_taken');
          continue;
        }
        await this.run(job, g.name, 'schedule');
      } catch (err) {
        this.d.log.error({ job, group: g.name, err }, 'jobs.run_error');
      }
    }
  }

  /**
   * Runs `job` for `group` if no one else is: returns the run record (outcome `skipped` when the
   * lease is held elsewhere; such skips are recorded only for api/cli triggers, not every tick).
   */
  run(job: JobName, group: string, trigger: Trigger, opts: RunOptions = {}): Promise<RunDoc> {
    return this.track(this.runLeased(job, group, trigger, opts));
  }

  private async runLeased(job: JobName, group: string, trigger: Trigger, opts: RunOptions): Promise<RunDoc> {
    const runs = this.d.groups.storage.group(group).runs;
    const lease = await this.leases.acquire(`${job}:${group}`, this.d.leaseMs, this.instance);
    if (!lease) {
      this.d.metrics.jobRuns.inc({ job, outcome: 'skipped' });
      this.d.log.info({ job, group, trigger }, 'jobs.skipped_lease_held');
      const skipped = { _id: '', job, group, trigger, started: new Date().toISOString(), outcome: 'skipped' as const, counts: {} };
      if (trigger === 'schedule') return skipped;
      const rec = await runs.start(job, group, trigger);
      return runs.finish(rec, 'skipped', {}, 'another instance holds the lease');
    }
    let lost = false;
    const renew = setInterval(() => {
      this.leases.renew(lease, this.d.leaseMs).then(
        (ok) => {
          if (!ok) lost = true;
        },
        (err) => this.d.log.warn({ job, group, err }, 'jobs.lease_renew_failed'),
      );
    }, Math.max(1000, Math.floor(this.d.leaseMs / 3)));
    renew.unref();
    const rec = await runs.start(job, group, trigger, lease.holder);
    const started = Date.now();
    this.d.log.info({ job, group, trigger, run: rec._id }, 'jobs.run_started');
    try {
      const counts = await this.execute(job, group, {
        ...opts,
        afterAlertsWritten: async () => {
          await opts.afterAlertsWritten?.();
          // Never move a checkpoint under a lease someone else may now hold.
          if (lost || !(await this.leases.renew(lease, this.d.leaseMs))) throw new LeaseLost(`lease ${lease.key} was lost`);
        },
      });
      this.d.metrics.jobRuns.inc({ job, outcome: 'ok' });
      this.d.log.info({ job, group, run: rec._id, ms: Date.now() - started, ...counts }, 'jobs.run_finished');
      return await runs.finish(rec, 'ok', counts);
    } catch (err) {
      this.d.metrics.jobRuns.inc({ job, outcome: 'failed' });
      this.d.log.error({ job, group, run: rec._id, err }, 'jobs.run_failed');
      return await runs.finish(rec, 'failed', {}, err instanceof Error ? err.message : String(err));
    } finally {
      clearInterval(renew);
      await this.leases.release(lease).catch(() => {});
    }
  }

  private async execute(job: JobName, group: string, opts: RunOptions): Promise<Record<string, number>> {
    if (job === 'correlation') return this.d.engine.run(group, opts);
    const g = await this.d.groups.get(group);
    return { deleted: g ? await g.status.deleteExpired() : 0 };
  }
}
