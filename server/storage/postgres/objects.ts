/**
 * Stored objects on PostgreSQL: table `objects` of the group's schema, one row per document
 * (object-rows.ts). Same semantics as mongo/objects.ts; each query names the index it relies on.
 *
 * Indexes (migrations.ts), all text COLLATE "C" so index order is JS string order:
 *   col_added      (col, added, key)        objects/manifest pages (keyset); scan and correlation's new
 *                                           objects, one range per collection (afterAcross)
 *   col_id_ver     UNIQUE (col, id, version part of key)  ON CONFLICT of inserts; match[id], versions,
 *                                           version bounds, findLatest, deleteByKeys (migration 11:
 *                                           it replaced the primary key on key and (col, id, ver))
 *   col_type_added (col, type, added)       match[type] pages (one type), findByType (migration 3: no key)
 *   keys_gin       GIN (keys)               correlation: reports of observable keys
 *   links_gin      GIN (links)              correlation: relationships/sightings touching ids
 */
import type { AddResult, ObjectsRepository } from '../contract';
import {
  addDrafts, keepVersions, keysetPage, latestVersions, WriteHorizon,
  type ObjectDoc, type ObjectDraft, type ObjectQuery, type Page, type Viewer,
} from '../objects';
import { insertStatement, OBJECT_COLUMNS, rowToDoc, type ObjectRow } from './object-rows';
import { chunks, ident, type Queryable } from './sql';

/** Positional parameters for a query being built. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

type Filter = Pick<ObjectQuery, 'collection' | 'viewer' | 'ids' | 'types' | 'specVersions'>;

/**
 * The conditions every read of a collection shares. One value is an equality, several `= ANY`:
 * an equality on `type` lets col_type_added return rows in (added, key) order, an `= ANY` does
 * not (PostgreSQL 15), which is why page() reads several types one range each.
 */
function where(f: Filter, p: Params): string[] {
  const w = [`col = ${p.add(f.collection)}`];
  const eq = (column: string, xs: string[] | undefined) => {
    if (xs?.length) w.push(xs.length === 1 ? `${column} = ${p.add(xs[0])}` : `${column} = ANY(${p.add(xs)}::text[])`);
  };
  eq('id', f.ids);
  eq('type', f.types);
  eq('sv', f.specVersions);
  // TLP: restricted objects only for the organisations named in readers.
  w.push(`(NOT restricted OR ${p.add(f.viewer.organisation)} = ANY(readers))`);
  return w;
}

/** Rows per INSERT beyond which a batch is split (a Bind message is at most 1 GB). */
const MAX_INSERT_ROWS = 10_000;
const MAX_INSERT_BYTES = 64 * 1024 * 1024;

export class PostgresObjects implements ObjectsRepository {
  private readonly horizon: WriteHorizon;
  private readonly t: string;
  private readonly collectionsTable: string;

  constructor(
    private readonly db: Queryable,
    schema: string,
    readSettleMs = 0,
  ) {
    this.horizon = new WriteHorizon(readSettleMs);
    this.t = `${ident(schema)}.objects`;
    this.collectionsTable = `${ident(schema)}.collections`;
  }

  async add(drafts: ObjectDraft[]): Promise<AddResult> {
    return addDrafts(this.horizon, drafts, async (docs) => {
      const inserted = await this.insert(docs);
      return new Set(docs.map((d) => d._id).filter((k) => !inserted.has(k)));
    });
  }


  /** Keys actually inserted; a key already stored is skipped by ON CONFLICT (an identical re-post). */
  private async insert(docs: ObjectDoc[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    // One statement per call in practice; only a batch too big for one message is split.
    let start = 0;
    while (start < docs.length) {
      let end = start;
      let bytes = 0;
      while (end < docs.length && end - start < MAX_INSERT_ROWS && (end === start || bytes + docs[end]!.raw.length * 3 <= MAX_INSERT_BYTES)) {
        bytes += docs[end]!.raw.length * 3;
        end++;
      }
      const { text, values } = insertStatement(this.t, docs.slice(start, end));
      const { rows } = await this.db.query<{ key: string }>(text, values);
      for (const r of rows) inserted.add(r.key);
      start = end;
    }
    return inserted;
  }

  async importDocs(docs: ObjectDoc[]): Promise<number> {
    return (await this.insert(docs)).size;
  }

  /**
   * Index col_added (col_type_added with one match[type], col_id_ver with match[id]). The keyset
   * must stay a row-value comparison: the OR form is not an index bound.
   *
   * Plans at 200k rows (EXPLAIN ANALYZE, limit 101, cursor at 50 % or 99 %), each 0.1-0.3 ms:
   *   collection of 10 % of the rows:
   *     Index Scan using col_added  Index Cond: (col = $1) AND (ROW(added, key) > ROW($2, $3))
   *   (before migration 3 the planner took an added_key index for a collection holding most rows;
   *   that index is gone: every page is a col_added range, whatever the other collections hold)
   *   match[type]=<one>: Index Scan using col_type_added  Index Cond: col, type, ROW(added, key)
   *   match[id]: Index Scan using col_id_ver (col, id), then a Sort of those ids' few versions.
   * With several types, `type = ANY` leaves the planner two shapes, col_added filtering on type
   * (unbounded when the types are rare) or col_type_added then a Sort of every matching row
   * (unbounded when they are common). So: a LATERAL subquery per type, each an Index Scan using
   * col_type_added with LIMIT n, then a top-n Sort of at most n x types rows (measured 4 ms).
   */
  async page(q: ObjectQuery): Promise<Page> {
    const stop = this.horizon.stopAt();
    const v = q.versions;
    // Exact versions only: a plain condition on ver, same result as filtering the batches.
    const exactOnly = !v.all && !v.first && !v.last;
    // Several types (without ids): one bounded index range per type, merged (see page's comment).
    const perType = (q.types?.length ?? 0) > 1 && !q.ids?.length;
    const read = async (after: { added: string; key: string } | undefined, batchSize: number) => {
      const p = new Params();
      const w = where(perType ? { ...q, types: undefined } : q, p);
      if (exactOnly) w.push(`ver = ANY(${p.add(v.exact)}::text[])`);
      // One lower bound: whichever of the cursor and added_after is later (a cursor after
      // added_after implies it), so the index range starts at the right place. A cursor at
      // added_after itself does not: another object may share that date_added (imported, or
      // written by another instance), and added_after is strictly after (TAXII 2.1 §3.4).
      if (after && (!q.addedAfter || after.added > q.addedAfter)) w.push(`(added, key) > (${p.add(after.added)}, ${p.add(after.key)})`);
      else if (q.addedAfter) w.push(`added > ${p.add(q.addedAfter)}`);
      if (stop) w.push(`added < ${p.add(stop)}`);
      const limit = p.add(batchSize);
      const sql = perType
        ? `SELECT o.* FROM unnest(${p.add([...new Set(q.types)])}::text[]) AS t(type) CROSS JOIN LATERAL ` +
          `(SELECT ${OBJECT_COLUMNS} FROM ${this.t} WHERE ${w.join(' AND ')} AND type = t.type ORDER BY added, key LIMIT ${limit}) o ` +
          `ORDER BY o.added, o.key LIMIT ${limit}`
        : `SELECT ${OBJECT_COLUMNS} FROM ${this.t} WHERE ${w.join(' AND ')} ORDER BY added, key LIMIT ${limit}`;
      const { rows } = await this.db.query<ObjectRow>(sql, p.values);
      return rows.map(rowToDoc);
    };
    return keysetPage(q, read, v.all || exactOnly ? undefined : (batch) => this.keep(q, batch));
  }

  /**
   * match[version] first/last, resolved against all visible versions of each id (with the same
   * type and spec_version filters, as on MongoDB). Index col_id_ver.
   */
  private async keep(q: ObjectQuery, batch: ObjectDoc[]): Promise<ObjectDoc[]> {
    const v = q.versions as { all: false; first: boolean; last: boolean; exact: string[] };
    const bounds = new Map<string, { first: string; last: string }>();
    for (const ids of chunks([...new Set(batch.map((d) => d.meta.id))])) {
      const p = new Params();
      const w = where({ ...q, ids }, p);
      const { rows } = await this.db.query<{ id: string; first: string; last: string }>(
        `SELECT id, min(ver) AS first, max(ver) AS last FROM ${this.t} WHERE ${w.join(' AND ')} GROUP BY id`,
        p.values,
      );
      for (const r of rows) bounds.set(r.id, { first: r.first, last: r.last });
    }
    return keepVersions(batch, v, bounds);
  }

  private async find(f: Filter, extra = ''): Promise<ObjectDoc[]> {
    const p = new Params();
    const w = where(f, p);
    const { rows } = await this.db.query<ObjectRow>(`SELECT ${OBJECT_COLUMNS} FROM ${this.t} WHERE ${w.join(' AND ')}${extra}`, p.values);
    return rows.map(rowToDoc);
  }

  /** Index col_id_ver. */
  async findVersions(collection: string, id: string, viewer: Viewer): Promise<ObjectDoc[]> {
    return this.find({ collection, viewer, ids: [id] }, ' ORDER BY added, key');
  }

  /** Index col_id_ver. */
  async findLatest(collection: string, ids: string[], viewer: Viewer): Promise<ObjectDoc[]> {
    const out: ObjectDoc[] = [];
    for (const chunk of chunks([...new Set(ids)])) out.push(...(await this.find({ collection, viewer, ids: chunk })));
    return latestVersions(out);
  }

  /**
   * Index col_type_added, one range per collection of the group, for a rare type. For a type with
   * a large share of the rows the planner rightly reads the table (at 200k rows, a type of 1/6:
   * Parallel Seq Scan, 70 ms). No ORDER BY: the contract asks for none, and sorting the rows with
   * their raw text spilled to disk (580 ms).
   */
  async findByType(type: string): Promise<ObjectDoc[]> {
    const { rows } = await this.db.query<ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM ${this.t} WHERE col = ANY(ARRAY(SELECT id FROM ${this.collectionsTable})) AND type = $1 AND NOT restricted`,
      [type],
    );
    return rows.map(rowToDoc);
  }

  /**
   * Index col_id_ver: a key is "<col>|<id>|<version part>", so its collection and id bound the
   * index range (Index Cond: col = ANY AND id = ANY) and the key itself picks the rows.
   */
  async deleteByKeys(keys: string[]): Promise<number> {
    let n = 0;
    for (const chunk of chunks(keys)) {
      const cols = new Set<string>();
      const ids = new Set<string>();
      for (const k of chunk) {
        const a = k.indexOf('|');
        const b = k.indexOf('|', a + 1);
        if (a < 0 || b < 0) continue; // not a key of this table: nothing to delete
        cols.add(k.slice(0, a));
        ids.add(k.slice(a + 1, b));
      }
      if (ids.size === 0) continue;
      n +=
        (await this.db.query(`DELETE FROM ${this.t} WHERE col = ANY($1::text[]) AND id = ANY($2::text[]) AND key = ANY($3::text[])`, [[...cols], [...ids], chunk]))
          .rowCount ?? 0;
    }
    return n;
  }

  /** Exact count: index-only scans on col_added (a sequential scan without a collection). */
  async count(collection?: string): Promise<number> {
    const { rows } = collection
      ? await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.t} WHERE col = $1`, [collection])
      : await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.t}`);
    return Number(rows[0]!.n);
  }

  /** Index col_added: one (col, added) range per collection, the viewer rule on the rows. */
  async countAdded(q: { collections: string[]; viewer: Viewer; from: string; to: string }): Promise<number> {
    if (q.collections.length === 0) return 0;
    const { rows } = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.t} WHERE col = ANY($1::text[]) AND added >= $2 AND added < $3 AND (NOT restricted OR $4 = ANY(readers))`,
      [q.collections, q.from, q.to, q.viewer.organisation],
    );
    return Number(rows[0]!.n);
  }

  /**
   * Every stored row after the cursor, merged over the collections that hold rows (index
   * col_added: a recursive skip scan finds them, one probe per collection; then one range each).
   */
  async scan(after: { added: string; key: string } | undefined, limit: number): Promise<ObjectDoc[]> {
    const { rows } = await this.db.query<{ col: string }>(
      `WITH RECURSIVE c AS (
         SELECT min(col) AS col FROM ${this.t}
         UNION ALL SELECT (SELECT min(col) FROM ${this.t} WHERE col > c.col) FROM c WHERE c.col IS NOT NULL)
       SELECT col FROM c WHERE col IS NOT NULL`,
    );
    return afterAcross(this.db, this.t, rows.map((r) => r.col), after, undefined, limit);
  }
}

/**
 * Rows of several collections after a keyset cursor (and before `until`), in (added, key) order:
 * one bounded col_added range per collection (LATERAL), merged by a top-n sort of at most
 * collections x limit rows. This is what spares the table an index on (added, key) alone.
 */
export async function afterAcross(
  db: Queryable,
  table: string,
  cols: string[],
  after: { added: string; key: string } | undefined,
  until: string | undefined,
  limit: number,
): Promise<ObjectDoc[]> {
  if (cols.length === 0) return [];
  const { rows } = await db.query<ObjectRow>(
    `SELECT o.* FROM unnest($1::text[]) AS c(col) CROSS JOIN LATERAL
       (SELECT ${OBJECT_COLUMNS} FROM ${table}
         WHERE col = c.col AND (added, key) > ($2, $3)${until === undefined ? '' : ' AND added < $5'}
         ORDER BY added, key LIMIT $4) AS o
     ORDER BY o.added, o.key LIMIT $4`,
    [cols, after?.added ?? '', after?.key ?? '', limit, ...(until === undefined ? [] : [until])],
  );
  return rows.map(rowToDoc);
}
