/**
 * Run history (`job_runs` of the group's schema) and job checkpoints (`job_state`). Each run is
 * written by the one process that holds the job's lease, so plain updates suffice.
 * Index `job_started` (job, started DESC) for the admin listing.
 */
import crypto from 'node:crypto';
import type { Checkpoint, Outcome, RunDoc, Trigger } from '../jobs';
import type { CheckpointRepository, RunsRepository } from '../contract';
import { ident, type Queryable } from './sql';

export class PostgresRuns implements RunsRepository {
  private readonly t: string;
  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    this.t = `${ident(schema)}.job_runs`;
  }

  async start(job: string, group: string, trigger: Trigger, holder?: string): Promise<RunDoc> {
    const doc: RunDoc = { _id: crypto.randomUUID(), job, group, trigger, holder, started: new Date().toISOString(), outcome: 'running', counts: {} };
    if (!holder) delete doc.holder;
    const { _id, ...rest } = doc;
    await this.db.query(`INSERT INTO ${this.t} (id, job, started, doc) VALUES ($1, $2, $3, $4::jsonb)`, [_id, job, doc.started, JSON.stringify(rest)]);
    return doc;
  }

  async finish(run: RunDoc, outcome: Outcome, counts: Record<string, number>, error?: string): Promise<RunDoc> {
    const set: Partial<RunDoc> = { ended: new Date().toISOString(), outcome, counts, ...(error ? { error } : {}) };
    await this.db.query(`UPDATE ${this.t} SET doc = doc || $2::jsonb WHERE id = $1`, [run._id, JSON.stringify(set)]);
    return { ...run, ...set };
  }

  /** Newest first; index job_started with a job. */
  async list(opts: { job?: string; limit: number }): Promise<RunDoc[]> {
    const { rows } = opts.job
      ? await this.db.query<{ id: string; doc: Omit<RunDoc, '_id'> }>(`SELECT id, doc FROM ${this.t} WHERE job = $1 ORDER BY started DESC, id DESC LIMIT $2`, [opts.job, opts.limit])
      : await this.db.query<{ id: string; doc: Omit<RunDoc, '_id'> }>(`SELECT id, doc FROM ${this.t} ORDER BY started DESC, id DESC LIMIT $1`, [opts.limit]);
    return rows.map((r) => ({ _id: r.id, ...r.doc }));
  }
}

export class PostgresCheckpoints implements CheckpointRepository {
  private readonly t: string;
  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    this.t = `${ident(schema)}.job_state`;
  }

  async get(job: string): Promise<Checkpoint | undefined> {
    const { rows } = await this.db.query<{ added: string; key: string }>(`SELECT added, key FROM ${this.t} WHERE job = $1`, [job]);
    return rows[0] ? { added: rows[0].added, key: rows[0].key } : undefined;
  }

  async set(job: string, cp: Checkpoint): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.t} (job, added, key, updated) VALUES ($1, $2, $3, $4)
       ON CONFLICT (job) DO UPDATE SET added = EXCLUDED.added, key = EXCLUDED.key, updated = EXCLUDED.updated`,
      [job, cp.added, cp.key, new Date().toISOString()],
    );
  }

  async clear(job: string): Promise<void> {
    await this.db.query(`DELETE FROM ${this.t} WHERE job = $1`, [job]);
  }
}
