/**
 * Run history (`job_runs`, one per trust group database) and job checkpoints (`job_state`), as
 * mongoose models (models.ts). Each run is written by the one process that holds the job's
 * lease, so plain updates suffice. Index `job_started` { job, started } for the admin listing.
 */
import crypto from 'node:crypto';
import type { Connection, Model } from 'mongoose';
import type { Checkpoint, Outcome, RunDoc, Trigger } from '../jobs';
import type { CheckpointRepository, RunsRepository } from '../contract';
import { groupModels, type StateDoc } from './models';

export class MongoRuns implements RunsRepository {
  private readonly m: Model<RunDoc>;
  constructor(db: Connection) {
    this.m = groupModels(db).runs;
  }

  static async ensureIndexes(db: Connection): Promise<void> {
    await groupModels(db).runs.collection.createIndex({ job: 1, started: -1 }, { name: 'job_started' });
  }

  async start(job: string, group: string, trigger: Trigger, holder?: string): Promise<RunDoc> {
    const doc: RunDoc = { _id: crypto.randomUUID(), job, group, trigger, holder, started: new Date().toISOString(), outcome: 'running', counts: {} };
    if (!holder) delete doc.holder;
    await this.m.create(doc);
    return doc;
  }

  async finish(run: RunDoc, outcome: Outcome, counts: Record<string, number>, error?: string): Promise<RunDoc> {
    const set: Partial<RunDoc> = { ended: new Date().toISOString(), outcome, counts, ...(error ? { error } : {}) };
    await this.m.updateOne({ _id: run._id }, { $set: set }, { runValidators: true });
    return { ...run, ...set };
  }

  /** Newest first. */
  async list(opts: { job?: string; limit: number }): Promise<RunDoc[]> {
    return this.m.find(opts.job ? { job: opts.job } : {}).sort({ started: -1, _id: -1 }).limit(opts.limit).lean<RunDoc[]>();
  }
}

export class MongoCheckpoints implements CheckpointRepository {
  private readonly m: Model<StateDoc>;
  constructor(db: Connection) {
    this.m = groupModels(db).state;
  }

  async get(job: string): Promise<Checkpoint | undefined> {
    const d = await this.m.findById(job).lean<StateDoc>();
    return d ? { added: d.added, key: d.key } : undefined;
  }

  async set(job: string, cp: Checkpoint): Promise<void> {
    await this.m.replaceOne({ _id: job }, { _id: job, added: cp.added, key: cp.key, updated: new Date().toISOString() }, { upsert: true, runValidators: true });
  }

  async clear(job: string): Promise<void> {
    await this.m.deleteOne({ _id: job });
  }
}
