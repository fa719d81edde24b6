/**
 * A real hub for API tests: the real app, the real database over the wire (the servers started
 * by global-setup), its own name prefix per test file. Nothing is mocked. API tests run on the
 * default backend (PostgreSQL); the pagination, concurrency and crash tests run on both.
 */
import crypto from 'node:crypto';
import type { Express, RequestHandler } from 'express';
import pino from 'pino';
import { loadConfig, type Config } from '../../server/config';
import { createApp } from '../../server/app';
import { createMetrics, type Metrics } from '../../server/metrics';
import type { Backend, Storage } from '../../server/storage/contract';
import { openStorage, type StorageSettings } from '../../server/storage/open';
import { buildHub, type Hub } from '../../server/hub';
import type { Logger } from '../../server/logger';

export interface TestHub {
  app: Express;
  hub: Hub;
  storage: Storage;
  config: Config;
  metrics: Metrics;
  close(): Promise<void>;
}

export const BACKENDS: readonly Backend[] = ['postgres', 'mongodb'];

/** Connection settings of a test database (started by global-setup). */
export function testDatabase(backend: Backend = 'postgres'): Pick<StorageSettings, 'mongodbUri' | 'postgresUrl'> {
  const name = backend === 'postgres' ? 'PUENTE_TEST_POSTGRES_URL' : 'PUENTE_TEST_MONGODB_URI';
  const url = process.env[name];
  if (!url) throw new Error(`${name} is not set: run the tests through jest (global-setup starts the databases)`);
  return backend === 'postgres' ? { postgresUrl: url } : { mongodbUri: url };
}

/** Opens a storage on a test database under a fresh prefix (contract tests). */
export async function openTestStorage(backend: Backend = 'postgres', prefix = `t${crypto.randomBytes(5).toString('hex')}`, readSettleMs = 0): Promise<Storage> {
  return (await openStorage({ ...testDatabase(backend), dataDir: '', dbPrefix: prefix, readSettleMs })).storage;
}

/** `log`: a logger of the test's own (tests of what is logged); silent otherwise. */
export async function startTestHub(env: Record<string, string> = {}, authenticate?: RequestHandler, backend: Backend = 'postgres', log: Logger = pino({ level: 'silent' })): Promise<TestHub> {
  const prefix = `t${crypto.randomBytes(5).toString('hex')}`;
  const config = loadConfig({
    PUENTE_DB_PREFIX: prefix,
    PUENTE_PAGINATION_SECRET: crypto.randomBytes(24).toString('hex'),
    PUENTE_JOBS_ENABLED: 'false',
    PUENTE_LOG_LEVEL: 'silent',
    // 2,300 reference objects per group per hub: only the tests of the frameworks collection want them.
    PUENTE_FRAMEWORKS_SEED: 'false',
    ...env,
  });
  const metrics = createMetrics(false);
  const storage = await openTestStorage(backend, config.dbPrefix, config.readSettleMs);
  const hub = await buildHub({ config, log, metrics, storage, authenticate });
  const app = createApp({ config, log, metrics, storage, routers: hub.routers });
  return {
    app,
    hub,
    storage,
    config,
    metrics,
    close: async () => {
      await hub.stop();
      await storage.dropAll();
      await storage.close();
    },
  };
}

export const TAXII = 'application/taxii+json;version=2.1';
