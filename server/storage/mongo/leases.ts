/**
 * Expiring job leases on MongoDB: a job runs in one place at a time, even with several hub instances on one
 * database. A lease is a document whose `_id` is the job name (plus the trust group), so claiming
 * it is an insert into the unique `_id` index: atomic on MongoDB and on FerretDB alike, where
 * findAndModify and updates are not. An expired lease is taken over by claiming the takeover
 * (a unique insert of "takeover|<key>|<expired holder>"), deleting exactly the expired document and
 * inserting again: of two contenders that both see it expired, only one gets past the claim.
 */
import crypto from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Lease, LeaseDoc } from '../jobs';
import type { LeaseRepository } from '../contract';

function isDuplicate(err: unknown): boolean {
  return (err as { code?: number }).code === 11000;
}

export class MongoLeases implements LeaseRepository {
  private readonly c: Collection<LeaseDoc>;

  constructor(
    db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.c = db.collection<LeaseDoc>('job_leases');
  }

  /** Claims `key` for `ttlMs`; null when someone else holds an unexpired lease. */
  async acquire(key: string, ttlMs: number, instance = 'hub'): Promise<Lease | null> {
    const holder = `${instance}:${crypto.randomUUID()}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const now = this.now();
      const doc: LeaseDoc = { _id: key, holder, acquiredAt: now, expiresAt: new Date(now.getTime() + ttlMs) };
      try {
        await this.c.insertOne(doc);
        return { key, holder, expiresAt: doc.expiresAt };
      } catch (err) {
        if (!isDuplicate(err)) throw err;
      }
      const current = await this.c.findOne({ _id: key });
      if (current && current.expiresAt.getTime() > now.getTime()) return null;
      if (current) {
        // Expired: the right to remove exactly this lease is itself claimed by a unique insert,
        // because a filtered delete is not atomic on FerretDB (it matches, then deletes by _id, so
        // a slow contender could delete the lease another one has just taken).
        try {
          // One claim per lease period: a contender that crashed between its claim and the delete
          // blocks the takeover for at most one period, never for good.
          const period = Math.floor(now.getTime() / ttlMs);
          await this.c.insertOne({ _id: `takeover|${key}|${current.holder}|${period}`, holder, acquiredAt: now, expiresAt: now });
        } catch (err) {
          if (!isDuplicate(err)) throw err;
          return null;
        }
        await this.c.deleteOne({ _id: key, holder: current.holder, expiresAt: current.expiresAt });
      }
    }
    return null;
  }

  /** Extends a lease we hold; false when it was lost (expired and taken over). */
  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    const expiresAt = new Date(this.now().getTime() + ttlMs);
    const r = await this.c.updateOne({ _id: lease.key, holder: lease.holder }, { $set: { expiresAt } });
    if (r.matchedCount === 1) lease.expiresAt = expiresAt;
    return r.matchedCount === 1;
  }

  async release(lease: Lease): Promise<void> {
    await this.c.deleteOne({ _id: lease.key, holder: lease.holder });
  }

  async get(key: string): Promise<LeaseDoc | null> {
    return this.c.findOne({ _id: key });
  }
}
