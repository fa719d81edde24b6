/**
 * Rate-limit counters on PostgreSQL (`rate_limits` of the admin schema, UNLOGGED). One statement
 * per request: an upsert that increments under the row lock, so concurrent hub instances never
 * lose a count. Index: the primary key (key, win).
 */
import type { RateLimitRepository } from '../contract';
import { ident, type Queryable } from './sql';

export class PostgresRateLimits implements RateLimitRepository {
  private readonly t: string;

  constructor(
    private readonly db: Queryable,
    adminSchema: string,
  ) {
    this.t = `${ident(adminSchema)}.rate_limits`;
  }

  async hit(key: string, window: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `INSERT INTO ${this.t} AS r (key, win, n) VALUES ($1, $2, 1)
       ON CONFLICT (key, win) DO UPDATE SET n = r.n + 1
       RETURNING n`,
      [key, window],
    );
    return rows[0]!.n;
  }

  async prune(window: number): Promise<void> {
    await this.db.query(`DELETE FROM ${this.t} WHERE win < $1`, [window]);
  }
}
