/**
 * The baseline: the database client itself (`pg`, `mongodb`) running the very statements the
 * backend runs for a request. Nothing here restates a query: the backend's own repository class
 * (PostgresObjects from server/storage/postgres/objects.ts, MongoObjects from
 * server/storage/mongo/objects.ts) builds them, run over a thin wrapper of the raw client that
 * times each round trip (and, for inserts, records the statement without running it). So the
 * baseline follows the backend when its SQL or filters change.
 *
 * The one file outside server/storage allowed to import a database driver
 * (test/unit/architecture.test.ts): the baseline is the driver, by definition.
 */
import { MongoClient, type Collection, type Db } from 'mongodb';
import pg from 'pg';
import type { Backend, ObjectsRepository } from '../../server/storage/contract';
import { MongoObjects } from '../../server/storage/mongo/objects';
import type { ObjectDoc, ObjectQuery, Page } from '../../server/storage/objects';
import { PostgresObjects } from '../../server/storage/postgres/objects';
import { ident, type Queryable, type Row } from '../../server/storage/postgres/sql';

export interface Timed<T> {
  /** Time spent in the client's round trips (the repository's own JS between them not counted). */
  ms: number;
  statements: number;
  value: T;
}

/** A stored object's place in its collection's (date_added, key) order. */
export interface Position {
  added: string;
  key: string;
  id: string;
}

export interface Baseline {
  readonly backend: Backend;
  /** The backend's repository over the raw client, untimed: set-up and clean-up (counts, read-backs, deletes). */
  objects(group: string): ObjectsRepository;
  /** ObjectsRepository.page(q) as the backend runs it, timed on the client. */
  page(group: string, q: ObjectQuery): Promise<Timed<Page>>;
  /** The backend's insert of `docs`, built but not run; `run()` executes it once and returns its ms. */
  prepareInsert(group: string, docs: ObjectDoc[]): Promise<{ run(): Promise<number> }>;
  /** Positions at these 0-based ranks of a collection (set-up, not timed). */
  positions(group: string, col: string, ranks: number[]): Promise<Position[]>;
  /**
   * VACUUM ANALYZE (PostgreSQL): after the benchmark deleted its probe rows, so they do not linger
   * into later measurements, and after a build, which autovacuum would otherwise analyze only
   * some time later (until then the planner has no statistics of the new rows).
   */
  tidy(group: string): Promise<void>;
  /** EXPLAIN (ANALYZE, BUFFERS) of each statement page(q) runs (PostgreSQL only). */
  explain(group: string, q: ObjectQuery): Promise<string[]>;
  close(): Promise<void>;
}

interface Statement {
  text: string;
  values?: unknown[];
}

/** A Queryable over the pool that times each round trip; `dry` records statements without running them. */
class TimedPg implements Queryable {
  ms = 0;
  statements = 0;
  readonly recorded: Statement[] = [];

  constructor(
    private readonly pool: pg.Pool,
    private readonly dry = false,
  ) {}

  async query<R extends Row = Row>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    this.recorded.push({ text, values });
    if (this.dry) return { rows: [], rowCount: 0, command: '', oid: 0, fields: [] } as unknown as pg.QueryResult<R>;
    const t0 = performance.now();
    try {
      return await this.pool.query<R>(text, values);
    } finally {
      this.ms += performance.now() - t0;
      this.statements++;
    }
  }
}

export async function connectPostgres(url: string, prefix: string, poolSize: number): Promise<Baseline> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: 'bench-baseline' });
  pool.on('error', () => {});
  await pool.query('SELECT 1');
  const schema = (group: string) => `${prefix}-${group}`;
  const table = (group: string) => `${ident(schema(group))}.objects`;
  const repo = (group: string, q: Queryable) => new PostgresObjects(q, schema(group));
  return {
    backend: 'postgres',
    objects: (group) => repo(group, pool),
    async page(group, q) {
      const c = new TimedPg(pool);
      const value = await repo(group, c).page(q);
      return { ms: c.ms, statements: c.statements, value };
    },
    async prepareInsert(group, docs) {
      // importDocs runs the same insert() as add(): one insertStatement per batch (object-rows.ts).
      const c = new TimedPg(pool, true);
      await repo(group, c).importDocs(docs);
      return {
        run: async () => {
          const t0 = performance.now();
          for (const s of c.recorded) await pool.query(s.text, s.values);
          return performance.now() - t0;
        },
      };
    },
    async positions(group, col, ranks) {
      const out: Position[] = [];
      for (const rank of ranks) {
        // Index-only walk of col_added; set-up only.
        const { rows } = await pool.query<Position>(`SELECT added, key, id FROM ${table(group)} WHERE col = $1 ORDER BY added, key OFFSET $2 LIMIT 1`, [col, rank]);
        if (!rows[0]) throw new Error(`no object at rank ${rank} of collection ${col}`);
        out.push(rows[0]);
      }
      return out;
    },
    async tidy(group) {
      await pool.query(`VACUUM ANALYZE ${table(group)}`);
      await pool.query(`VACUUM ANALYZE ${ident(schema(group))}.status`);
    },
    async explain(group, q) {
      const c = new TimedPg(pool);
      await repo(group, c).page(q);
      const plans: string[] = [];
      for (const s of c.recorded) {
        const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${s.text}`, s.values);
        plans.push(`${s.text}\n${rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n')}`);
      }
      return plans;
    },
    close: () => pool.end(),
  };
}

interface MongoTimer {
  ms: number;
  statements: number;
  dry: boolean;
  inserts: ObjectDoc[][];
}

/**
 * The objects collection as MongoObjects sees it, with find() timed (the cursor is drained in one
 * timed call, then iterated from memory) and insertMany() recorded when dry.
 */
function timedCollection(c: Collection<ObjectDoc>, t: MongoTimer): Collection<ObjectDoc> {
  return new Proxy(c, {
    get(target, prop) {
      if (prop === 'find') {
        return (...args: Parameters<Collection<ObjectDoc>['find']>) => {
          const drain = async () => {
            const t0 = performance.now();
            try {
              return await target.find(...args).toArray();
            } finally {
              t.ms += performance.now() - t0;
              t.statements++;
            }
          };
          return {
            toArray: drain,
            async *[Symbol.asyncIterator]() {
              yield* await drain();
            },
          };
        };
      }
      if (prop === 'insertMany' && t.dry) {
        return async (docs: ObjectDoc[]) => {
          t.inserts.push(docs);
          return { acknowledged: true, insertedCount: docs.length, insertedIds: {} };
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export async function connectMongo(uri: string, prefix: string): Promise<Baseline> {
  const client = await MongoClient.connect(uri);
  const db = (group: string) => client.db(`${prefix}-${group}`);
  const repo = (group: string, t?: MongoTimer) => {
    const real = db(group);
    if (!t) return new MongoObjects(real);
    const objects = timedCollection(real.collection<ObjectDoc>('objects'), t);
    return new MongoObjects({ collection: () => objects } as unknown as Db);
  };
  return {
    backend: 'mongodb',
    objects: (group) => repo(group),
    async page(group, q) {
      const t: MongoTimer = { ms: 0, statements: 0, dry: false, inserts: [] };
      const value = await repo(group, t).page(q);
      return { ms: t.ms, statements: t.statements, value };
    },
    async prepareInsert(group, docs) {
      const t: MongoTimer = { ms: 0, statements: 0, dry: true, inserts: [] };
      await repo(group, t).importDocs(docs);
      const objects = db(group).collection<ObjectDoc>('objects');
      return {
        run: async () => {
          const t0 = performance.now();
          for (const batch of t.inserts) await objects.insertMany(batch, { ordered: false });
          return performance.now() - t0;
        },
      };
    },
    async positions(group, col, ranks) {
      // One pass in index order (FerretDB scans the table for any of these, so once is enough).
      const all = await db(group)
        .collection<ObjectDoc>('objects')
        .find({ col }, { projection: { 'meta.added': 1, 'meta.id': 1 }, sort: { 'meta.added': 1, _id: 1 } })
        .toArray();
      return ranks.map((r) => {
        const d = all[r];
        if (!d) throw new Error(`no object at rank ${r} of collection ${col}`);
        return { added: d.meta.added, key: d._id, id: d.meta.id };
      });
    },
    tidy: async () => {},
    explain: async () => [],
    close: () => client.close(),
  };
}
