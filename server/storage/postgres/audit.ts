/** The append-only audit log on PostgreSQL (`audit`; keyset pages on the primary key). Insert only. */
import { newAuditEntries, type AuditEntry, type NewAuditEntry } from '../audit';
import type { AuditRepository } from '../contract';
import { chunks, ident, type Queryable } from './sql';

interface AuditRow {
  key: string;
  at: string;
  event: AuditEntry['event'];
  subject: string;
  organisation: string;
  token_id: string | null;
  details: Record<string, unknown>;
  [column: string]: unknown;
}

export class PostgresAudit implements AuditRepository {
  private readonly t: string;
  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    this.t = `${ident(schema)}.audit`;
  }

  async append(entries: NewAuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.insert(newAuditEntries(entries), '');
  }

  /** Ids already present are skipped (a migration run again). */
  async importEntries(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    for (const chunk of chunks(entries, 1000)) await this.insert(chunk, ' ON CONFLICT (key) DO NOTHING');
  }

  private async insert(docs: AuditEntry[], onConflict: string): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.t} (key, at, event, subject, organisation, token_id, details)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[])${onConflict}`,
      [
        docs.map((d) => d._id),
        docs.map((d) => d.at),
        docs.map((d) => d.event),
        docs.map((d) => d.subject),
        docs.map((d) => d.organisation),
        docs.map((d) => d.tokenId ?? null),
        docs.map((d) => JSON.stringify(d.details)),
      ],
    );
  }

  async page(after: string | undefined, limit: number): Promise<{ entries: AuditEntry[]; more: boolean }> {
    const { rows } = after
      ? await this.db.query<AuditRow>(`SELECT * FROM ${this.t} WHERE key > $1 ORDER BY key LIMIT $2`, [after, limit + 1])
      : await this.db.query<AuditRow>(`SELECT * FROM ${this.t} ORDER BY key LIMIT $1`, [limit + 1]);
    const entries = rows.slice(0, limit).map((r) => {
      const e: AuditEntry = { _id: r.key, at: r.at, event: r.event, subject: r.subject, organisation: r.organisation, details: r.details };
      if (r.token_id !== null) e.tokenId = r.token_id;
      return e;
    });
    return { entries, more: rows.length > limit };
  }
}
