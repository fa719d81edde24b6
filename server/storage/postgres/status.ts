/**
 * TAXII status resources on PostgreSQL: the document as jsonb, `expires` as its own timestamptz
 * column (index `expires`, for the cleanup job) and restored as a Date.
 */
import type { StatusDoc } from '../status';
import type { StatusRepository } from '../contract';
import { ident, type Queryable } from './sql';

export class PostgresStatus implements StatusRepository {
  private readonly t: string;
  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    this.t = `${ident(schema)}.status`;
  }

  async insert(doc: StatusDoc): Promise<void> {
    const { _id, expires, ...rest } = doc;
    await this.db.query(`INSERT INTO ${this.t} (id, doc, expires) VALUES ($1, $2::jsonb, $3)`, [_id, JSON.stringify(rest), expires]);
  }

  async get(id: string): Promise<StatusDoc | null> {
    const { rows } = await this.db.query<{ doc: Omit<StatusDoc, '_id' | 'expires'>; expires: Date }>(`SELECT doc, expires FROM ${this.t} WHERE id = $1`, [id]);
    return rows[0] ? { _id: id, ...rows[0].doc, expires: rows[0].expires } : null;
  }

  /** Index expires. */
  async deleteExpired(now = new Date()): Promise<number> {
    return (await this.db.query(`DELETE FROM ${this.t} WHERE expires < $1`, [now])).rowCount ?? 0;
  }
}
