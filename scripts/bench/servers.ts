/**
 * The database server under the hub, and the hub itself, for one benchmark run; data kept in a
 * folder between runs.
 *
 *   postgres: the hub's own embedded PostgreSQL (PUENTE_DATA_DIR=<dir>, no database URL), as a
 *             deployment with nothing configured runs it; the baseline connects through the same
 *             Unix socket (<dir>/postgres-run, see server/storage/postgres/embedded.ts).
 *   mongodb:  FerretDB 1.24.2 on SQLite in <dir>/ferretdb, started here; the hub gets MONGODB_URI.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Backend } from '../../server/storage/contract';
import { FERRETDB_BINARY, startEmbeddedDatabase, type EmbeddedDatabase } from '../../server/storage/mongo/embedded';
import { startLiveHub, type LiveHub } from '../../test/support/live-hub';
import { findProcess, parentOf } from './procs';

export const PREFIX = 'bench';
export const PAGINATION_SECRET = 'bench-pagination-secret-'.padEnd(40, 'x');

export interface Servers {
  hub: LiveHub;
  /** Connection string for the baseline client. */
  url: string;
  /** Root of the database server's process tree (the postmaster, or FerretDB). */
  dbPid: number;
  describe: string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  backend: Backend;
  dataDir: string;
  groups: string[];
  /** Node flags for the hub (--cpu-prof). */
  nodeArgs?: string[];
  log?: (m: string) => void;
}

function hubEnv(o: ServerOptions, extra: Record<string, string>): Record<string, string> {
  return {
    // A fixed prefix (live-hub picks a random one): the data is kept between runs.
    PUENTE_DB_PREFIX: PREFIX,
    PUENTE_TRUST_GROUPS: o.groups.join(','),
    PUENTE_RATE_LIMIT_PER_MINUTE: '100000000',
    PUENTE_PAGINATION_SECRET: PAGINATION_SECRET,
    ...extra,
  };
}

export async function startServers(o: ServerOptions): Promise<Servers> {
  fs.mkdirSync(o.dataDir, { recursive: true });
  let ferret: EmbeddedDatabase | undefined;
  if (o.backend === 'mongodb') ferret = await startEmbeddedDatabase({ dataDir: o.dataDir, preferFerretDb: true, onProgress: o.log });
  let hub: LiveHub;
  try {
    hub = await startLiveHub({
      // No connection string for postgres: the hub starts its embedded server in PUENTE_DATA_DIR.
      database: ferret ? { mongodbUri: ferret.uri } : {},
      launcher: 'dist',
      nodeArgs: o.nodeArgs,
      env: hubEnv(o, ferret ? {} : { PUENTE_DATA_DIR: o.dataDir }),
      startTimeoutMs: 180_000,
    });
  } catch (err) {
    await ferret?.stop();
    throw err;
  }
  // Never stop() without keepDatabases: dropping would open a storage of its own (an embedded one
  // in the repository, for postgres) and delete the kept data.
  const stopHub = async () => {
    await hub.stop({ keepDatabases: true, timeoutMs: 60_000 });
  };
  try {
    if (ferret) {
      const dbPid = findProcess((pid) => parentOf(pid) === process.pid && readlink(`/proc/${pid}/exe`) === FERRETDB_BINARY);
      if (!dbPid) throw new Error('cannot find the FerretDB process');
      return {
        hub,
        url: ferret.uri,
        dbPid,
        describe: `FerretDB 1.24.2 on SQLite (${path.join(o.dataDir, 'ferretdb')})`,
        stop: async () => {
          await stopHub();
          await ferret!.stop();
        },
      };
    }
    const socketDir = path.join(o.dataDir, 'postgres-run');
    if (!fs.existsSync(path.join(socketDir, '.s.PGSQL.5432'))) throw new Error(`no PostgreSQL socket in ${socketDir} (a data folder path too long for a socket?)`);
    const dbPid = Number(fs.readFileSync(path.join(o.dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const version = fs.readFileSync(path.join(o.dataDir, 'postgres', 'PG_VERSION'), 'utf8').trim();
    return {
      hub,
      url: `postgresql://postgres@/postgres?host=${encodeURIComponent(socketDir)}&port=5432`,
      dbPid,
      describe: `the hub's embedded PostgreSQL ${version} (${path.join(o.dataDir, 'postgres')})`,
      stop: stopHub,
    };
  } catch (err) {
    await stopHub();
    await ferret?.stop();
    throw err;
  }
}

function readlink(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}
