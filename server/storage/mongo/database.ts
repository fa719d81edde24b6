/**
 * The MongoDB backend: one connection, one database per trust group (`<prefix>-<group>`) and one
 * for the hub's own registry and leases (`<prefix>-admin`). Production runs it on a replica set
 * (sharded when one set is not enough); the tests prove it against FerretDB, so it uses only what
 * both support (no transactions, no `$lookup`, no TTL or partial indexes; claims are unique inserts).
 * mongoose models (models.ts) hold the administrative documents; the raw driver serves objects,
 * the object graph, audit, status and leases.
 */
import mongoose, { type Connection } from 'mongoose';
import type { Db, W } from 'mongodb';
import { Unavailable } from '../../errors';
import type { GroupRegistry, GroupStorage, LeaseRepository, RateLimitRepository, Storage, StorageOptions } from '../contract';
import { DEFAULT_COLLECTIONS } from '../collections';
import { MongoAudit } from './audit';
import { MongoCollections, MongoGroupRegistry } from './collections';
import { MongoCheckpoints, MongoRuns } from './job-runs';
import { MongoLeases } from './leases';
import { MongoRateLimits } from './rate-limits';
import { MongoObjectGraph } from './object-graph';
import { MongoObjects, ensureObjectIndexes } from './objects';
import { MongoSearch, ensureSearchIndexes } from './search';
import { MongoAlertState } from './alert-state';
import { MongoStatus } from './status';
import { MongoSubscriptions } from './feeds';
import { MongoDeletions, MongoWebhooks } from './webhooks';
import { guarded } from './errors';

export class MongoStorage implements Storage {
  readonly backend = 'mongodb' as const;
  readonly registry: GroupRegistry;
  readonly leases: LeaseRepository;
  readonly rateLimits: RateLimitRepository;
  private readonly groups = new Map<string, GroupStorage>();

  private constructor(
    readonly connection: Connection,
    private readonly opts: StorageOptions,
  ) {
    this.registry = guarded(new MongoGroupRegistry(this.database(this.adminName())));
    this.leases = guarded(new MongoLeases(this.admin()));
    this.rateLimits = guarded(new MongoRateLimits(this.admin()));
  }

  /**
   * Writes are acknowledged to a client only once `writeConcern` (default majority) holds, so an
   * acknowledged object survives the loss of the primary. Reads go to the primary (the driver's
   * default, not overridden), so a client reads its own acknowledged writes.
   */
  static async connect(uri: string, opts: StorageOptions & { writeConcern?: string }): Promise<MongoStorage> {
    const w = opts.writeConcern ?? 'majority';
    const connection = mongoose.createConnection(uri, {
      writeConcern: { w: (/^\d+$/.test(w) ? Number(w) : w) as W },
      readPreference: 'primary',
      serverSelectionTimeoutMS: 10_000,
      // Indexes are created explicitly by the repositories (named, see objects.ts).
      autoIndex: false,
      autoCreate: false,
      // Models fail like the driver when the server is not there, instead of queueing.
      bufferCommands: false,
    });
    await connection.asPromise();
    return new MongoStorage(connection, opts);
  }

  /** The connection of one database (models bind to it); one per name, cached by mongoose. */
  private database(name: string): Connection {
    return this.connection.useDb(name, { useCache: true });
  }

  private db(name: string): Db {
    return this.database(name).db!;
  }

  private adminName(): string {
    return `${this.opts.prefix}-admin`;
  }

  private admin(): Db {
    return this.db(this.adminName());
  }

  group(name: string): GroupStorage {
    let g = this.groups.get(name);
    if (!g) {
      const conn = this.database(`${this.opts.prefix}-${name}`);
      const db = conn.db!;
      const collections = new MongoCollections(conn);
      g = guarded({
        name,
        ensure: async () => {
          await ensureObjectIndexes(db);
          await ensureSearchIndexes(db);
          await MongoStatus.ensureIndexes(db);
          await MongoRuns.ensureIndexes(conn);
          await MongoSubscriptions.ensureIndexes(db);
          await MongoWebhooks.ensureIndexes(db);
          for (const spec of DEFAULT_COLLECTIONS) await collections.ensure(name, spec);
        },
        objects: guarded(new MongoObjects(db, this.opts.readSettleMs)),
        collections: guarded(collections),
        status: guarded(new MongoStatus(db)),
        audit: guarded(new MongoAudit(db)),
        runs: guarded(new MongoRuns(conn)),
        checkpoints: guarded(new MongoCheckpoints(conn)),
        graph: guarded(new MongoObjectGraph(db)),
        subscriptions: guarded(new MongoSubscriptions(db)),
        search: guarded(new MongoSearch(db)),
        alerts: guarded(new MongoAlertState(db)),
        webhooks: guarded(new MongoWebhooks(db)),
        deletions: guarded(new MongoDeletions(db, this.opts.readSettleMs)),
      });
      this.groups.set(name, g);
    }
    return g;
  }

  leasesAt(now: () => Date): LeaseRepository {
    return guarded(new MongoLeases(this.admin(), now));
  }

  async ping(): Promise<void> {
    try {
      await this.connection.db!.command({ ping: 1 });
    } catch {
      throw new Unavailable('The database cannot be reached.');
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  async dropAll(): Promise<void> {
    const { databases } = await this.connection.db!.admin().listDatabases({ nameOnly: true });
    for (const d of databases) if (d.name.startsWith(`${this.opts.prefix}-`)) await this.db(d.name).dropDatabase();
    this.groups.clear();
  }
}
