/**
 * The PostgreSQL backend (the embedded default, or an external server): one pool, one schema per
 * trust group (`<prefix>-<group>`) and one for the hub's registry and leases (`<prefix>-admin`).
 * Schemas are created and migrated by migrations.ts: the admin schema on connect, a group's on
 * `ensure()`, and either again when a query finds its tables missing (SchemaSql in sql.ts).
 */
import pg from 'pg';
import type { GroupStorage, LeaseRepository, Storage, StorageOptions } from '../contract';
import { DEFAULT_COLLECTIONS } from '../collections';
import { PostgresAudit } from './audit';
import { PostgresCollections, PostgresGroupRegistry } from './collections';
import { PostgresCheckpoints, PostgresRuns } from './job-runs';
import { PostgresLeases } from './leases';
import { PostgresRateLimits } from './rate-limits';
import { ADMIN_MIGRATIONS, GROUP_MIGRATIONS, migrate } from './migrations';
import { PostgresObjectGraph } from './object-graph';
import { PostgresObjects } from './objects';
import { PostgresSearch } from './search';
import { PostgresAlertState } from './alert-state';
import { ident, SchemaSql, Sql } from './sql';
import { PostgresStatus } from './status';
import { PostgresSubscriptions } from './feeds';
import { PostgresDeletions, PostgresWebhooks } from './webhooks';

/** PostgreSQL truncates longer identifiers silently (NAMEDATALEN - 1), which could merge two groups. */
const MAX_IDENTIFIER_BYTES = 63;

export class PostgresStorage implements Storage {
  readonly backend = 'postgres' as const;
  readonly registry: PostgresGroupRegistry;
  readonly leases: PostgresLeases;
  readonly rateLimits: PostgresRateLimits;
  private readonly groups = new Map<string, GroupStorage>();
  /** Queries of the admin schema (recreated if dropAll removed it). */
  private readonly admin: SchemaSql;

  private constructor(
    readonly sql: Sql,
    private readonly opts: StorageOptions,
  ) {
    this.admin = new SchemaSql(sql, () => this.migrateAdmin());
    this.registry = new PostgresGroupRegistry(this.admin, this.adminSchema);
    this.leases = new PostgresLeases(this.admin, this.adminSchema);
    this.rateLimits = new PostgresRateLimits(this.admin, this.adminSchema);
  }

  private async migrateAdmin(): Promise<void> {
    await migrate(this.sql, this.adminSchema, ADMIN_MIGRATIONS);
  }

  static async connect(url: string, opts: StorageOptions & { poolSize?: number }): Promise<PostgresStorage> {
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: 10_000,
      application_name: 'puente',
    });
    const storage = new PostgresStorage(new Sql(pool), opts);
    try {
      await storage.migrateAdmin();
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
    return storage;
  }

  private schema(suffix: string): string {
    const name = `${this.opts.prefix}-${suffix}`;
    if (Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) throw new Error(`schema name "${name}" is longer than ${MAX_IDENTIFIER_BYTES} bytes`);
    return name;
  }

  private get adminSchema(): string {
    return this.schema('admin');
  }

  /** The same leases against another clock (tests of expiry). */
  leasesAt(now: () => Date): LeaseRepository {
    return new PostgresLeases(this.admin, this.adminSchema, now);
  }

  group(name: string): GroupStorage {
    let g: GroupStorage | undefined = this.groups.get(name);
    if (!g) {
      const schema = this.schema(name);
      const ensure = async () => {
        await migrate(this.sql, schema, GROUP_MIGRATIONS);
        // On the plain pool: a failure here must not re-enter the SchemaSql retry.
        const collections = new PostgresCollections(this.sql, schema);
        for (const spec of DEFAULT_COLLECTIONS) await collections.ensure(name, spec);
      };
      const q = new SchemaSql(this.sql, ensure);
      g = {
        name,
        ensure,
        objects: new PostgresObjects(q, schema, this.opts.readSettleMs),
        collections: new PostgresCollections(q, schema),
        status: new PostgresStatus(q, schema),
        audit: new PostgresAudit(q, schema),
        runs: new PostgresRuns(q, schema),
        checkpoints: new PostgresCheckpoints(q, schema),
        graph: new PostgresObjectGraph(q, schema),
        subscriptions: new PostgresSubscriptions(q, schema),
        search: new PostgresSearch(q, schema),
        alerts: new PostgresAlertState(q, schema),
        webhooks: new PostgresWebhooks(q, schema),
        deletions: new PostgresDeletions(q, schema, this.opts.readSettleMs),
      };
      this.groups.set(name, g);
    }
    return g;
  }

  /** Throws Unavailable (sql.ts) when the server cannot be reached. */
  async ping(): Promise<void> {
    await this.sql.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.sql.pool.end();
  }

  /**
   * Drops every schema of this prefix, the admin schema included. The storage stays usable: the
   * next query of a dropped schema recreates it (SchemaSql), as a MongoDB database comes back on
   * the next write.
   */
  async dropAll(): Promise<void> {
    const prefix = `${this.opts.prefix}-`;
    const { rows } = await this.sql.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)', [prefix]);
    for (const r of rows) await this.sql.query(`DROP SCHEMA IF EXISTS ${ident(r.nspname)} CASCADE`);
    this.groups.clear();
  }
}
