/**
 * A real hub for API tests: the real app, the real database over the wire (the embedded server
 * started by global-setup), its own database prefix per test file. Nothing is mocked.
 */
import crypto from 'node:crypto';
import type { Express, RequestHandler } from 'express';
import pino from 'pino';
import { loadConfig, type Config } from '../../server/config';
import { createApp } from '../../server/app';
import { createMetrics, type Metrics } from '../../server/metrics';
import { Database } from '../../server/storage/database';
import { buildHub, type Hub } from '../../server/hub';

export interface TestHub {
  app: Express;
  hub: Hub;
  db: Database;
  config: Config;
  metrics: Metrics;
  close(): Promise<void>;
}

export function testDbUri(): string {
  const uri = process.env.PUENTE_TEST_MONGODB_URI;
  if (!uri) throw new Error('PUENTE_TEST_MONGODB_URI is not set: run the tests through jest (global-setup starts the database)');
  return uri;
}

export async function startTestHub(env: Record<string, string> = {}, authenticate?: RequestHandler): Promise<TestHub> {
  const prefix = `t${crypto.randomBytes(5).toString('hex')}`;
  const config = loadConfig({
    PUENTE_DB_PREFIX: prefix,
    PUENTE_PAGINATION_SECRET: crypto.randomBytes(24).toString('hex'),
    PUENTE_JOBS_ENABLED: 'false',
    PUENTE_LOG_LEVEL: 'silent',
    ...env,
  });
  const log = pino({ level: 'silent' });
  const metrics = createMetrics(false);
  const db = await Database.connect(testDbUri(), config.dbPrefix);
  const hub = await buildHub({ config, log, metrics, db, authenticate });
  const app = createApp({ config, log, metrics, db, routers: hub.routers });
  return {
    app,
    hub,
    db,
    config,
    metrics,
    close: async () => {
      await hub.stop();
      for (const g of await hub.groups.all()) await db.group(g.name).dropDatabase();
      await db.admin().dropDatabase();
      await db.close();
    },
  };
}

export const TAXII = 'application/taxii+json;version=2.1';
