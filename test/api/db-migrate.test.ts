/**
 * `npx puente db migrate --from ferretdb`: the FerretDB data folder of earlier versions is copied
 * into PostgreSQL with every object byte-identical and its date_added kept (so feeds' added_after
 * cursors keep their meaning), collections with their sharing policy, and the audit log; running
 * it again copies nothing twice.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createApp } from '../../server/app';
import { setSharingPolicy } from '../../server/admin';
import { loadConfig } from '../../server/config';
import { buildHub } from '../../server/hub';
import { createMetrics } from '../../server/metrics';
import { REPO_ROOT } from '../../server/paths';
import { MongoStorage } from '../../server/storage/mongo/database';
import { startEmbeddedDatabase } from '../../server/storage/mongo/embedded';
import { startTestHub, testDatabase } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { indicator, malware } from '../support/stix';

const prefix = `m${crypto.randomBytes(4).toString('hex')}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-migrate-'));
fs.chmodSync(dataDir, 0o711);
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function pullAll(c: Client, col: string): Promise<{ objects: unknown[]; added: string[] }> {
  const objects: unknown[] = [];
  const added: string[] = [];
  let next: string | undefined;
  do {
    const res = await c.get(`/colombia/collections/${col}/manifest/?limit=50${next ? `&next=${encodeURIComponent(next)}` : ''}`).expect(200);
    for (const m of res.body.objects ?? []) added.push(`${m.id} ${m.date_added}`);
    next = res.body.next;
  } while (next);
  next = undefined;
  do {
    const res: { body: { objects?: { id: string; date_added: string }[]; next?: string } } = await c.get(`/colombia/collections/${col}/objects/?limit=50${next ? `&next=${encodeURIComponent(next)}` : ''}`).expect(200);
    objects.push(...(res.body.objects ?? []));
    next = res.body.next;
  } while (next);
  return { objects, added };
}

function migrate(): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/puente.ts', 'db', 'migrate', '--from', 'ferretdb'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PUENTE_DATA_DIR: dataDir, PUENTE_DB_PREFIX: prefix, PUENTE_POSTGRES_URL: testDatabase('postgres').postgresUrl },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

it('copies a FerretDB data folder into PostgreSQL, objects byte-identical with their date_added, once', async () => {
  // An earlier version's hub, on FerretDB in the data folder; its sharing policy copies every object to eu (121 + 121).
  const ferret = await startEmbeddedDatabase({ dataDir, preferFerretDb: true });
  let before: { objects: unknown[]; added: string[] };
  let col: string;
  let auditCount: number;
  try {
    const storage = await MongoStorage.connect(ferret.uri, { prefix });
    const config = loadConfig({ PUENTE_DB_PREFIX: prefix, PUENTE_JOBS_ENABLED: 'false', PUENTE_LOG_LEVEL: 'silent', PUENTE_FRAMEWORKS_SEED: 'false' });
    const hub = await buildHub({ config, log: pino({ level: 'silent' }), metrics: createMetrics(false), storage });
    const c = client(createApp({ config, log: pino({ level: 'silent' }), metrics: createMetrics(false), storage, routers: hub.routers }));
    col = await c.collectionId('colombia', 'indicators');
    await setSharingPolicy(storage, 'colombia', 'indicators', ['eu']);
    for (let i = 0; i < 3; i++) await c.add('colombia', 'indicators', Array.from({ length: 40 }, () => indicator({ x_custom: { nested: [1, 'two', null] } })));
    await c.add('colombia', 'indicators', [malware()]);
    before = await pullAll(c, col);
    await hub.stop();
    // After stop: the buffered token-use entries are written by then.
    auditCount = (await storage.group('colombia').audit.page(undefined, 1000)).entries.length;
    await storage.close();
  } finally {
    await ferret.stop();
  }
  expect(before.objects).toHaveLength(121);

  const first = migrate();
  expect(first.stderr).not.toMatch(/Error/);
  expect(first.status).toBe(0);
  expect(first.stdout).toMatch(/migrated 3 trust groups, 15 collections, 242 objects/);
  const again = migrate();
  expect(again.status).toBe(0);

  const t = await startTestHub({ PUENTE_DB_PREFIX: prefix });
  try {
    const after = await pullAll(client(t.app), col);
    expect(after.added).toEqual(before.added);
    expect(JSON.stringify(after.objects)).toBe(JSON.stringify(before.objects));
    expect((await t.storage.group('colombia').collections.get(col))?.releaseTo).toEqual(['eu']);
    expect((await t.storage.group('colombia').audit.page(undefined, 1000)).entries.length).toBe(auditCount);
    expect(await t.storage.group('colombia').objects.count(col)).toBe(121);
  } finally {
    await t.close();
  }
});

it('says there is nothing to migrate when the data folder holds no FerretDB files', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-migrate-empty-'));
  try {
    const r = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/puente.ts', 'db', 'migrate', '--from', 'ferretdb'], {
      cwd: REPO_ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, PUENTE_DATA_DIR: empty, PUENTE_POSTGRES_URL: testDatabase('postgres').postgresUrl },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no FerretDB data/);
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});
