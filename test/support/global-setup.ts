/**
 * Starts one embedded database (mongod from PATH, else FerretDB) in a fresh temporary folder for
 * the whole test run, unless PUENTE_TEST_MONGODB_URI points at a real server. Each test file then
 * uses its own database prefix, so files never see each other's data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedDatabase } from '../../server/storage/embedded';

export default async function globalSetup(): Promise<void> {
  if (process.env.PUENTE_TEST_MONGODB_URI) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-test-db-'));
  const started = Date.now();
  const db = await startEmbeddedDatabase({ dataDir: dir, onProgress: (m) => process.stderr.write(`\n${m}\n`) });
  process.stderr.write(`\nembedded ${db.kind} for tests at ${db.uri} (${Date.now() - started} ms)\n`);
  process.env.PUENTE_TEST_MONGODB_URI = db.uri;
  (globalThis as Record<string, unknown>).__PUENTE_TEST_DB__ = { stop: db.stop, dir };
}
