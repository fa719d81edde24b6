/**
 * Subscriptions (`subscriptions`: one jsonb document each) and their runs (`feed_runs`, index
 * feed_runs_started (sub, started DESC)) of a group's schema. Written by the lease holder only,
 * so plain updates suffice.
 */
import type { FeedRunDoc, SubscriptionDoc } from '../feeds';
import type { SubscriptionsRepository } from '../contract';
import { ident, type Queryable } from './sql';

export class PostgresSubscriptions implements SubscriptionsRepository {
  private readonly t: string;
  private readonly r: string;
  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    this.t = `${ident(schema)}.subscriptions`;
    this.r = `${ident(schema)}.feed_runs`;
  }

  async list(): Promise<SubscriptionDoc[]> {
    const { rows } = await this.db.query<{ id: string; doc: Omit<SubscriptionDoc, '_id'> }>(`SELECT id, doc FROM ${this.t} ORDER BY id`);
    return rows.map((r) => ({ _id: r.id, ...r.doc }));
  }

  async get(id: string): Promise<SubscriptionDoc | null> {
    const { rows } = await this.db.query<{ doc: Omit<SubscriptionDoc, '_id'> }>(`SELECT doc FROM ${this.t} WHERE id = $1`, [id]);
    return rows[0] ? { _id: id, ...rows[0].doc } : null;
  }

  async insert(doc: SubscriptionDoc): Promise<void> {
    const { _id, ...rest } = doc;
    await this.db.query(`INSERT INTO ${this.t} (id, doc) VALUES ($1, $2::jsonb)`, [_id, JSON.stringify(rest)]);
  }

  async update(id: string, set: Partial<Omit<SubscriptionDoc, '_id'>>): Promise<boolean> {
    const r = await this.db.query(`UPDATE ${this.t} SET doc = doc || $2::jsonb WHERE id = $1`, [id, JSON.stringify(set)]);
    return r.rowCount === 1;
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.db.query(`DELETE FROM ${this.t} WHERE id = $1`, [id]);
    return r.rowCount === 1;
  }

  async saveRun(run: FeedRunDoc): Promise<void> {
    const { _id, ...rest } = run;
    await this.db.query(
      `INSERT INTO ${this.r} (id, sub, started, doc) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc`,
      [_id, run.subscription, run.started, JSON.stringify(rest)],
    );
  }

  /** Index feed_runs_started. */
  async runs(subscription: string, limit: number): Promise<FeedRunDoc[]> {
    const { rows } = await this.db.query<{ id: string; doc: Omit<FeedRunDoc, '_id'> }>(
      `SELECT id, doc FROM ${this.r} WHERE sub = $1 ORDER BY started DESC, id DESC LIMIT $2`,
      [subscription, limit],
    );
    return rows.map((r) => ({ _id: r.id, ...r.doc }));
  }
}
