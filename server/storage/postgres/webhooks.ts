/**
 * Webhooks (`webhooks`: one jsonb document each), their delivery log (`webhook_deliveries`,
 * index webhook_deliveries_at (hook, at DESC)) and deletion records (`deletions`, index
 * deletions_col_added (col, added, key)) of a group's schema. Webhooks are written by the
 * lease holder only, so plain updates suffice.
 */
import type { DeletionsRepository, WebhooksRepository } from '../contract';
import { WriteHorizon, type Viewer } from '../objects';
import { recordDeletions, type DeletionDoc, type DeletionDraft, type DeliveryDoc, type SequencePosition, type WebhookDoc } from '../webhooks';
import { ident, type Queryable } from './sql';

export class PostgresWebhooks implements WebhooksRepository {
  private readonly t: string;
  private readonly d: string;
  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    this.t = `${ident(schema)}.webhooks`;
    this.d = `${ident(schema)}.webhook_deliveries`;
  }

  async list(): Promise<WebhookDoc[]> {
    const { rows } = await this.db.query<{ id: string; doc: Omit<WebhookDoc, '_id'> }>(`SELECT id, doc FROM ${this.t} ORDER BY id`);
    return rows.map((r) => ({ _id: r.id, ...r.doc }));
  }

  async get(id: string): Promise<WebhookDoc | null> {
    const { rows } = await this.db.query<{ doc: Omit<WebhookDoc, '_id'> }>(`SELECT doc FROM ${this.t} WHERE id = $1`, [id]);
    return rows[0] ? { _id: id, ...rows[0].doc } : null;
  }

  async insert(doc: WebhookDoc): Promise<void> {
    const { _id, ...rest } = doc;
    await this.db.query(`INSERT INTO ${this.t} (id, doc) VALUES ($1, $2::jsonb)`, [_id, JSON.stringify(rest)]);
  }

  async update(id: string, set: Partial<Omit<WebhookDoc, '_id'>>): Promise<boolean> {
    const r = await this.db.query(`UPDATE ${this.t} SET doc = doc || $2::jsonb WHERE id = $1`, [id, JSON.stringify(set)]);
    return r.rowCount === 1;
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.db.query(`DELETE FROM ${this.t} WHERE id = $1`, [id]);
    await this.db.query(`DELETE FROM ${this.d} WHERE hook = $1`, [id]);
    return r.rowCount === 1;
  }

  async logDelivery(d: DeliveryDoc): Promise<void> {
    const { _id, ...rest } = d;
    await this.db.query(`INSERT INTO ${this.d} (id, hook, at, doc) VALUES ($1, $2, $3, $4::jsonb)`, [_id, d.webhook, d.at, JSON.stringify(rest)]);
  }

  /** Index webhook_deliveries_at. */
  async deliveries(webhook: string, limit: number): Promise<DeliveryDoc[]> {
    const { rows } = await this.db.query<{ id: string; doc: Omit<DeliveryDoc, '_id'> }>(
      `SELECT id, doc FROM ${this.d} WHERE hook = $1 ORDER BY at DESC, id DESC LIMIT $2`,
      [webhook, limit],
    );
    return rows.map((r) => ({ _id: r.id, ...r.doc }));
  }
}

type DeletionRow = {
  key: string;
  col: string;
  id: string;
  type: string;
  ver_raw: string;
  added: string;
  org: string;
  tlp: DeletionDoc['tlp'];
  readers: string[];
  restricted: boolean;
};

export class PostgresDeletions implements DeletionsRepository {
  private readonly t: string;
  private readonly horizon: WriteHorizon;
  constructor(
    private readonly db: Queryable,
    schema: string,
    readSettleMs = 0,
  ) {
    this.t = `${ident(schema)}.deletions`;
    this.horizon = new WriteHorizon(readSettleMs);
  }

  async record(drafts: DeletionDraft[]): Promise<DeletionDoc[]> {
    // A DELETE removes the versions of one object: a few rows, one INSERT each.
    return recordDeletions(this.horizon, drafts, async (docs) => {
      for (const d of docs) {
        await this.db.query(
          `INSERT INTO ${this.t} (key, col, id, type, ver_raw, added, org, tlp, readers, restricted) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10)`,
          [d._id, d.col, d.id, d.type, d.version, d.added, d.org, d.tlp, d.readers, d.restricted],
        );
      }
    });
  }

  /** Index deletions_col_added; restricted records only for the organisations in readers. */
  async page(q: { collection: string; viewer: Viewer; after?: SequencePosition; addedAfter?: string; limit: number }): Promise<DeletionDoc[]> {
    const stop = this.horizon.stopAt();
    const values: unknown[] = [q.collection, q.viewer.organisation, q.limit];
    const w = ['col = $1', '(NOT restricted OR $2 = ANY(readers))'];
    if (q.after && (!q.addedAfter || q.after.added > q.addedAfter)) {
      values.push(q.after.added, q.after.key);
      w.push(`(added, key) > ($${values.length - 1}, $${values.length})`);
    } else if (q.addedAfter) {
      values.push(q.addedAfter);
      w.push(`added > $${values.length}`);
    }
    if (stop) {
      values.push(stop);
      w.push(`added < $${values.length}`);
    }
    const { rows } = await this.db.query<DeletionRow>(`SELECT * FROM ${this.t} WHERE ${w.join(' AND ')} ORDER BY added, key LIMIT $3`, values);
    return rows.map((r) => ({
      _id: r.key, col: r.col, id: r.id, type: r.type, version: r.ver_raw, added: r.added, org: r.org, tlp: r.tlp, readers: r.readers, restricted: r.restricted,
    }));
  }
}
