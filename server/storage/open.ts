/**
 * Which backend runs, chosen in one place from the settings:
 *   MONGODB_URI           -> MongoDB (production: a replica set, sharded when one set is not enough)
 *   PUENTE_POSTGRES_URL   -> an external PostgreSQL the CERT already runs
 *   neither               -> the embedded PostgreSQL, private to this hub, in PUENTE_DATA_DIR
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../paths';
import type { Storage } from './contract';
import { MongoStorage } from './mongo/database';
import { PostgresStorage } from './postgres/database';
import { EmbeddedPostgresUnavailable, startEmbeddedPostgres, type EmbeddedPostgresOptions } from './postgres/embedded';

export interface StorageSettings {
  mongodbUri?: string;
  postgresUrl?: string;
  dataDir: string;
  dbPrefix: string;
  readSettleMs?: number;
  /** MongoDB `w` (default majority). */
  mongodbWriteConcern?: string;
}

export interface OpenedStorage {
  storage: Storage;
  /** What runs, for the start-up log line. */
  description: string;
  /** Things the operator should know (e.g. data of an earlier version left to migrate). */
  warnings?: string[];
  /** Closes the storage and stops the embedded server, if one was started. */
  close(): Promise<void>;
}

export async function openStorage(
  s: StorageSettings,
  onProgress?: (message: string) => void,
  onEmbeddedEvent?: EmbeddedPostgresOptions['onEvent'],
): Promise<OpenedStorage> {
  const opts = { prefix: s.dbPrefix, readSettleMs: s.readSettleMs };
  if (s.mongodbUri) {
    const storage = await MongoStorage.connect(s.mongodbUri, { ...opts, writeConcern: s.mongodbWriteConcern ?? 'majority' });
    return { storage, description: 'mongodb', close: () => storage.close() };
  }
  if (s.postgresUrl) {
    const storage = await PostgresStorage.connect(s.postgresUrl, opts);
    return { storage, description: 'postgres (external)', close: () => storage.close() };
  }
  const dataDir = path.resolve(REPO_ROOT, s.dataDir);
  let embedded;
  try {
    embedded = await startEmbeddedPostgres({ dataDir, onProgress, onEvent: onEmbeddedEvent });
  } catch (err) {
    throw dataDirError(err, dataDir);
  }
  try {
    const storage = await PostgresStorage.connect(embedded.url, opts);
    return {
      storage,
      description: 'postgres (embedded)',
      warnings: earlierData(dataDir),
      close: async () => {
        await storage.close();
        await embedded.stop();
      },
    };
  } catch (err) {
    await embedded.stop();
    throw err;
  }
}

const FS_REASONS: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'a folder on the path is missing and cannot be made',
  EEXIST: 'a file is in the way',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links',
};

/** A file-system failure under the data folder, as one line naming the setting and the path. */
function dataDirError(err: unknown, dataDir: string): unknown {
  const e = err as NodeJS.ErrnoException;
  // initdb or postgres refused (no space, a corrupt file): their own words, with where.
  if (err instanceof EmbeddedPostgresUnavailable) return new EmbeddedPostgresUnavailable(`the embedded PostgreSQL in PUENTE_DATA_DIR=${dataDir}: ${err.message}`);
  const reason = e?.code ? FS_REASONS[e.code] : undefined;
  if (!reason) return err;
  return new EmbeddedPostgresUnavailable(`PUENTE_DATA_DIR=${dataDir} cannot be used: ${reason} (${e.code} on ${e.path ?? dataDir}).`);
}

/** Data folders of the FerretDB default of earlier versions, not read by this one until migrated. */
function earlierData(dataDir: string): string[] {
  const folder = path.join(dataDir, 'ferretdb');
  let files: string[] = [];
  try {
    files = fs.readdirSync(folder).filter((f) => f.endsWith('.sqlite'));
  } catch {
    return [];
  }
  return files.length
    ? [`${folder} holds data of the earlier FerretDB default, which this hub does not read: stop the hub and run \`npx puente db migrate --from ferretdb\` to copy it`]
    : [];
}

/** For command-line tools: the hub's storage (stop the hub first when it is the embedded one). */
export async function withCliStorage<T>(s: StorageSettings, work: (storage: Storage) => Promise<T>): Promise<T> {
  const opened = await openStorage(s);
  try {
    return await work(opened.storage);
  } finally {
    await opened.close();
  }
}
