/**
 * Expiring job leases on PostgreSQL (`job_leases` of the admin schema): a job runs in one place at
 * a time, even with several hub instances on one database. Claiming is one statement: an insert,
 * or on conflict an update that only applies when the stored lease has expired. Row locking makes
 * it atomic: of two contenders for an expired lease the second re-checks the WHERE against the
 * first one's new row and gets nothing back. (MongoDB needs the takeover claims of
 * mongo/leases.ts because FerretDB's filtered updates are not atomic.)
 *
 * Time comes from the injected clock (`now`), not the server's, so tests can move it.
 */
import crypto from 'node:crypto';
import type { Lease, LeaseDoc } from '../jobs';
import type { LeaseRepository } from '../contract';
import { ident, type Queryable } from './sql';

export class PostgresLeases implements LeaseRepository {
  private readonly t: string;

  constructor(
    private readonly db: Queryable,
    adminSchema: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.t = `${ident(adminSchema)}.job_leases`;
  }

  /** Claims `key` for `ttlMs`; null when someone else holds an unexpired lease. */
  async acquire(key: string, ttlMs: number, instance = 'hub'): Promise<Lease | null> {
    const holder = `${instance}:${crypto.randomUUID()}`;
    const now = this.now();
    const expiresAt = new Date(now.getTime() + ttlMs);
    const { rows } = await this.db.query<{ holder: string }>(
      `INSERT INTO ${this.t} AS l (key, holder, acquired_at, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
       WHERE l.expires_at <= $3
       RETURNING holder`,
      [key, holder, now, expiresAt],
    );
    return rows[0]?.holder === holder ? { key, holder, expiresAt } : null;
  }

  /** Extends a lease we hold; false when it was lost (expired and taken over). */
  async renew(lease: Lease, ttlMs: number): Promise<boolean> {
    const expiresAt = new Date(this.now().getTime() + ttlMs);
    const r = await this.db.query(`UPDATE ${this.t} SET expires_at = $3 WHERE key = $1 AND holder = $2`, [lease.key, lease.holder, expiresAt]);
    if (r.rowCount === 1) lease.expiresAt = expiresAt;
    return r.rowCount === 1;
  }

  async release(lease: Lease): Promise<void> {
    await this.db.query(`DELETE FROM ${this.t} WHERE key = $1 AND holder = $2`, [lease.key, lease.holder]);
  }

  async get(key: string): Promise<LeaseDoc | null> {
    const { rows } = await this.db.query<{ key: string; holder: string; acquired_at: Date; expires_at: Date }>(
      `SELECT key, holder, acquired_at, expires_at FROM ${this.t} WHERE key = $1`,
      [key],
    );
    const r = rows[0];
    return r ? { _id: r.key, holder: r.holder, acquiredAt: r.acquired_at, expiresAt: r.expires_at } : null;
  }
}
