/**
 * Alert triage state on PostgreSQL (contract: AlertStateRepository). All reads and writes are by
 * primary key: alert_state (id), allowlist (key), alert_notified (id).
 */
import type { AlertStateRepository } from '../contract';
import type { AlertStateDoc, AllowEntry } from '../alert-state';
import { chunks, ident, type Queryable } from './sql';

export class PostgresAlertState implements AlertStateRepository {
  private readonly s: string;
  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    this.s = ident(schema);
  }

  async get(ids: string[]): Promise<AlertStateDoc[]> {
    const out: AlertStateDoc[] = [];
    for (const chunk of chunks([...new Set(ids)])) {
      const { rows } = await this.db.query<{ doc: AlertStateDoc }>(`SELECT doc FROM ${this.s}.alert_state WHERE id = ANY($1::text[])`, [chunk]);
      for (const r of rows) out.push(r.doc);
    }
    return out;
  }

  async create(doc: AlertStateDoc): Promise<boolean> {
    const { rowCount } = await this.db.query(`INSERT INTO ${this.s}.alert_state (id, version, doc) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [doc._id, doc.version, JSON.stringify(doc)]);
    return rowCount === 1;
  }

  async replace(doc: AlertStateDoc): Promise<boolean> {
    const { rowCount } = await this.db.query(`UPDATE ${this.s}.alert_state SET version = $2, doc = $3 WHERE id = $1 AND version = $4`, [doc._id, doc.version, JSON.stringify(doc), doc.version - 1]);
    return rowCount === 1;
  }

  async allow(entries: AllowEntry[]): Promise<void> {
    for (const e of entries) {
      await this.db.query(`INSERT INTO ${this.s}.allowlist (key, added, by_subject, alert) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING`, [e._id, e.added, e.by, e.alert]);
    }
  }

  async allowed(keys: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const chunk of chunks([...new Set(keys)])) {
      const { rows } = await this.db.query<{ key: string }>(`SELECT key FROM ${this.s}.allowlist WHERE key = ANY($1::text[])`, [chunk]);
      for (const r of rows) out.add(r.key);
    }
    return out;
  }

  async allowList(limit: number): Promise<AllowEntry[]> {
    const { rows } = await this.db.query<{ key: string; added: string; by_subject: string; alert: string }>(`SELECT * FROM ${this.s}.allowlist ORDER BY key LIMIT $1`, [limit]);
    return rows.map((r) => ({ _id: r.key, added: r.added, by: r.by_subject, alert: r.alert }));
  }

  async claimNotification(alertId: string): Promise<boolean> {
    const { rowCount } = await this.db.query(`INSERT INTO ${this.s}.alert_notified (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, [alertId]);
    return rowCount === 1;
  }
}
