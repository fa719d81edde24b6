/**
 * Starts the two test databases for the whole run, in fresh temporary folders: the embedded
 * PostgreSQL (the default backend: every API test) and FerretDB (a real MongoDB wire-protocol
 * server proving the MongoDB backend in the contract, pagination, concurrency and crash tests).
 * PUENTE_TEST_POSTGRES_URL / PUENTE_TEST_MONGODB_URI pointing at real servers skip either.
 * Each test file uses its own name prefix, so files never see each other's data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDatabase } from '../../server/storage/mongo/embedded';
import { startEmbeddedPostgres } from '../../server/storage/postgres/embedded';

export default async function globalSetup(): Promise<void> {
  const stops: (() => Promise<void>)[] = [];
  const dirs: string[] = [];
  if (!process.env.PUENTE_TEST_POSTGRES_URL) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-test-pg-'));
    // As root the server runs as the `postgres` user, who must be able to reach its folder.
    fs.chmodSync(dir, 0o711);
    dirs.push(dir);
    const started = Date.now();
    const pg = await startEmbeddedPostgres({ dataDir: dir, onProgress: (m) => process.stderr.write(`\n${m}\n`) });
    process.stderr.write(`\nembedded PostgreSQL for tests at ${pg.socketDir} (${Date.now() - started} ms)\n`);
    process.env.PUENTE_TEST_POSTGRES_URL = pg.url;
    stops.push(pg.stop);
  }
  if (!process.env.PUENTE_TEST_MONGODB_URI) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-test-db-'));
    dirs.push(dir);
    const started = Date.now();
    const db = await startEmbeddedDatabase({ dataDir: dir, onProgress: (m) => process.stderr.write(`\n${m}\n`) });
    process.stderr.write(`\nembedded ${db.kind} for tests at ${db.uri} (${Date.now() - started} ms)\n`);
    process.env.PUENTE_TEST_MONGODB_URI = db.uri;
    stops.push(db.stop);
  }
  (globalThis as Record<string, unknown>).__PUENTE_TEST_DB__ = { stops, dirs };
}
