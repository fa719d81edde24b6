/** Collections of one trust group and the trust-group registry, on PostgreSQL. */
import { collectionId, type CollectionDoc, type GroupDoc } from '../collections';
import type { CollectionsRepository, GroupRegistry } from '../contract';
import { ident, type Queryable } from './sql';

interface CollectionRow {
  id: string;
  alias: string;
  title: string;
  description: string | null;
  writable: boolean;
  release_to: string[];
  created: string;
  [column: string]: unknown;
}

function toDoc(r: CollectionRow): CollectionDoc {
  const doc: CollectionDoc = { _id: r.id, alias: r.alias, title: r.title, writable: r.writable, releaseTo: r.release_to, created: r.created };
  if (r.description !== null) doc.description = r.description;
  return doc;
}

export class PostgresCollections implements CollectionsRepository {
  private readonly t: string;
  constructor(
    private readonly db: Queryable,
    schema: string,
  ) {
    this.t = `${ident(schema)}.collections`;
  }

  async list(): Promise<CollectionDoc[]> {
    const { rows } = await this.db.query<CollectionRow>(`SELECT * FROM ${this.t} ORDER BY alias, id`);
    return rows.map(toDoc);
  }

  async get(id: string): Promise<CollectionDoc | null> {
    const { rows } = await this.db.query<CollectionRow>(`SELECT * FROM ${this.t} WHERE id = $1`, [id]);
    return rows[0] ? toDoc(rows[0]) : null;
  }

  /** The first writer wins: an insert that conflicts on the id returns the stored row. */
  async ensure(group: string, spec: Omit<CollectionDoc, '_id' | 'created'>): Promise<CollectionDoc> {
    const doc: CollectionDoc = { _id: collectionId(group, spec.alias), created: new Date().toISOString(), ...spec };
    const { rows } = await this.db.query<CollectionRow>(
      `INSERT INTO ${this.t} (id, alias, title, description, writable, release_to, created) VALUES ($1, $2, $3, $4, $5, $6::text[], $7)
       ON CONFLICT (id) DO NOTHING RETURNING *`,
      [doc._id, doc.alias, doc.title, doc.description ?? null, doc.writable, doc.releaseTo, doc.created],
    );
    return rows[0] ? toDoc(rows[0]) : (await this.get(doc._id))!;
  }

  async setReleaseTo(id: string, groups: string[]): Promise<boolean> {
    const r = await this.db.query(`UPDATE ${this.t} SET release_to = $2::text[] WHERE id = $1`, [id, groups]);
    return r.rowCount === 1;
  }
}

export class PostgresGroupRegistry implements GroupRegistry {
  private readonly t: string;
  constructor(
    private readonly db: Queryable,
    adminSchema: string,
  ) {
    this.t = `${ident(adminSchema)}.groups`;
  }

  async list(): Promise<GroupDoc[]> {
    const { rows } = await this.db.query<{ id: string; title: string; description: string; created: string }>(
      `SELECT id, title, description, created FROM ${this.t} ORDER BY id`,
    );
    return rows.map((r) => ({ _id: r.id, title: r.title, description: r.description, created: r.created }));
  }

  async ensure(name: string, title?: string, description?: string): Promise<void> {
    await this.db.query(`INSERT INTO ${this.t} (id, title, description, created) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`, [
      name,
      title ?? `Puente: ${name}`,
      description ?? `Trust group ${name}`,
      new Date().toISOString(),
    ]);
  }
}
