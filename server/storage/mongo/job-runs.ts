/**
 * Run history (`job_runs`, one per trust group database) and job checkpoints (`job_state`).
 * Each run is written by the one process that holds the job's lease, so plain updates suffice.
 * Index `job_started` { job, started } for the admin listing.
 */
import crypto from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Checkpoint, Outcome, RunDoc, Trigger } from '../jobs';
import type { CheckpointRepository, RunsRepository } from '../contract';
import { INSERT } from './writes';

interface StateDoc extends Checkpoint {
  _id: string;
  updated: string;
}

export class MongoRuns implements RunsRepository {
  private readonly c: Collection<RunDoc>;
  constructor(db: Db) {
    this.c = db.collection<RunDoc>('job_runs');
  }

  static async ensureIndexes(db: Db): Promise<void> {
    await db.collection('job_runs').createIndex({ job: 1, started: -1 }, { name: 'job_started' });
  }

  async start(job: string, group: string, trigger: Trigger, holder?: string): Promise<RunDoc> {
    const doc: RunDoc = { _id: crypto.randomUUID(), job, group, trigger, holder, started: new Date().toISOString(), outcome: 'running', counts: {} };
    if (!holder) delete doc.holder;
    await this.c.insertOne(doc, INSERT);
    return doc;
  }

  async finish(run: RunDoc, outcome: Outcome, counts: Record<string, number>, error?: string): Promise<RunDoc> {
    const set: Partial<RunDoc> = { ended: new Date().toISOString(), outcome, counts, ...(error ? { error } : {}) };
    await this.c.updateOne({ _id: run._id }, { $set: set });
    return { ...run, ...set };
  }

  /** Newest first. */
  async list(opts: { job?: string; limit: number }): Promise<RunDoc[]> {
    return this.c.find(opts.job ? { job: opts.job } : {}, { sort: { started: -1, _id: -1 }, limit: opts.limit }).toArray();
  }
}

export class MongoCheckpoints implements CheckpointRepository {
  private readonly c: Collection<StateDoc>;
  constructor(db: Db) {
    this.c = db.collection<StateDoc>('job_state');
  }

  async get(job: string): Promise<Checkpoint | undefined> {
    const d = await this.c.findOne({ _id: job });
    return d ? { added: d.added, key: d.key } : undefined;
  }

  async set(job: string, cp: Checkpoint): Promise<void> {
    await this.c.replaceOne({ _id: job }, { ...cp, updated: new Date().toISOString() }, { upsert: true });
  }

  async clear(job: string): Promise<void> {
    await this.c.deleteOne({ _id: job });
  }
}
