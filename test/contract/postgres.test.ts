/**
 * What only the PostgreSQL backend has, beside the contract suite (storage.test.ts): versioned
 * migrations per schema, one schema per trust group, schemas recreated after a drop, and
 * Unavailable when the server goes away. Runs on the test server of global-setup, except the
 * test that stops its server, which starts a private one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Unavailable } from '../../server/errors';
import { PostgresStorage } from '../../server/storage/postgres/database';
import { startEmbeddedPostgres } from '../../server/storage/postgres/embedded';
import { ADMIN_MIGRATIONS, GROUP_MIGRATIONS, migrate } from '../../server/storage/postgres/migrations';
import type { SearchQuery } from '../../server/storage/search';
import { openTestStorage } from '../support/hub';
import { A, draft, query } from './drafts';

// jest.config's testTimeout is not a project option; a private server starts and stops here.
jest.setTimeout(180_000);

const newPrefix = () => `p${crypto.randomBytes(5).toString('hex')}`;

async function openPostgres(prefix = newPrefix()): Promise<PostgresStorage> {
  const s = await openTestStorage('postgres', prefix);
  if (!(s instanceof PostgresStorage)) throw new Error('the postgres test storage is not a PostgresStorage');
  return s;
}

/** Storages opened by a test, dropped and closed after it (also when it fails). */
const opened: PostgresStorage[] = [];
async function open(prefix?: string): Promise<PostgresStorage> {
  const s = await openPostgres(prefix);
  opened.push(s);
  return s;
}
afterEach(async () => {
  for (const s of opened.splice(0)) {
    await s.dropAll().catch(() => {});
    await s.close();
  }
});

async function versions(s: PostgresStorage, schema: string): Promise<number[]> {
  const { rows } = await s.sql.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
  return rows.map((r) => r.version);
}

async function tables(s: PostgresStorage, schema: string): Promise<string[]> {
  const { rows } = await s.sql.query<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema]);
  return rows.map((r) => r.name);
}

describe('postgres schemas and migrations', () => {
  it('records every migration of the admin schema on connect and of a group schema on ensure', async () => {
    const p = newPrefix();
    const s = await open(p);
    expect(await versions(s, `${p}-admin`)).toEqual(ADMIN_MIGRATIONS.map((m) => m.version));
    expect(await tables(s, `${p}-admin`)).toEqual(['groups', 'job_leases', 'rate_limits', 'schema_migrations']);
    await s.group('alpha').ensure();
    await s.group('alpha').ensure();
    expect(await versions(s, `${p}-alpha`)).toEqual(GROUP_MIGRATIONS.map((m) => m.version));
    expect(await tables(s, `${p}-alpha`)).toEqual(['alert_notified', 'alert_state', 'allowlist', 'audit', 'collections', 'deletions', 'feed_runs', 'job_runs', 'job_state', 'objects', 'schema_migrations', 'status', 'subscriptions', 'webhook_deliveries', 'webhooks']);
    // A second process on the same prefix finds nothing left to do.
    const again = await open(p);
    expect(await migrate(again.sql, `${p}-admin`, ADMIN_MIGRATIONS)).toEqual([]);
    expect(await migrate(again.sql, `${p}-alpha`, GROUP_MIGRATIONS)).toEqual([]);
  });

  it('applies only the migrations a schema has not seen', async () => {
    const p = newPrefix();
    const s = await open(p);
    expect(await migrate(s.sql, `${p}-old`, GROUP_MIGRATIONS.slice(0, 1))).toEqual([1]);
    const gin = async () => (await s.sql.query<{ opts: string[] | null }>('SELECT reloptions AS opts FROM pg_class WHERE oid = $1::regclass', [`"${p}-old".keys_gin`])).rows[0]!.opts;
    expect(await gin()).toBeNull();
    await s.group('old').ensure();
    expect(await versions(s, `${p}-old`)).toEqual(GROUP_MIGRATIONS.map((m) => m.version));
    expect(await gin()).toEqual(['fastupdate=off']);
    expect(await migrate(s.sql, `${p}-old`, GROUP_MIGRATIONS)).toEqual([]);
  });

  it('fills the search columns of rows stored before migration 8, which searches then find', async () => {
    const p = newPrefix();
    const s = await open(p);
    const schema = `${p}-old8`;
    expect(await migrate(s.sql, schema, GROUP_MIGRATIONS.filter((m) => m.version < 8))).toEqual([1, 2, 3, 6, 7]);
    const id = 'indicator--7b0e6a3c-7d4e-4f3c-9a55-2c1f0e3e2d11';
    const raw = JSON.stringify({ type: 'indicator', id, name: 'Substation gateway beacon', labels: ['scanner'], pattern: "[domain-name:value = 'c2.grid.example.org']" });
    await s.sql.query(
      `INSERT INTO "${schema}".objects (key, col, id, type, sv, ver, ver_raw, added, sub, org, tlp, readers, restricted, keys, raw)
       VALUES ($1, 'col-1', $2, 'indicator', '2.1', $3, $3, $3, 'analyst', 'org-a', 'clear', '{}', false, $4::text[], $5)`,
      [`col-1|${id}|v`, id, '2026-01-01T00:00:00.000000Z', '{domain:c2.grid.example.org}', raw],
    );
    await s.group('old8').ensure();
    expect(await versions(s, schema)).toEqual(GROUP_MIGRATIONS.map((m) => m.version));
    const { rows } = await s.sql.query<{ words: string; domains: string[] }>(`SELECT words, domains FROM "${schema}".objects`);
    expect(rows[0]!.words).toBe('Substation gateway beacon scanner');
    expect([...rows[0]!.domains].sort()).toEqual(['c2.grid.example.org', 'example.org', 'grid.example.org', 'org']);
    const find = async (match: SearchQuery['match']) =>
      (await s.group('old8').search.find({ match, collections: ['col-1'], viewer: { organisation: 'org-b' }, limit: 10 })).map((d) => d.meta.id);
    expect(await find({ words: ['gateway', 'substation'] })).toEqual([id]);
    expect(await find({ words: ['transformer'] })).toEqual([]);
    expect(await find({ domains: ['example.org'] })).toEqual([id]);
    expect(await find({ domains: ['other.example.org'] })).toEqual([]);
  });

  it('gives the two search indexes a small pending list (migration 10), which a search reads before it is merged', async () => {
    const p = newPrefix();
    const s = await open(p);
    const g = s.group('g');
    await g.ensure();
    const { rows } = await s.sql.query<{ relname: string; reloptions: string[] }>(
      `SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname IN ('words_gin', 'domains_gin', 'keys_gin', 'links_gin') ORDER BY c.relname`,
      [`${p}-g`],
    );
    expect(Object.fromEntries(rows.map((r) => [r.relname, [...r.reloptions].sort()]))).toEqual({
      domains_gin: ['fastupdate=on', 'gin_pending_list_limit=256'],
      keys_gin: ['fastupdate=off'],
      links_gin: ['fastupdate=off'],
      words_gin: ['fastupdate=on', 'gin_pending_list_limit=256'],
    });
    const col = (await g.collections.list()).find((c) => c.alias === 'indicators')!._id;
    const id = 'indicator--5d0c3a9e-1f2b-4c3d-8e4f-5a6b7c8d9e0f';
    const raw = JSON.stringify({ type: 'indicator', id, name: 'Pipeline telemetry beacon', pattern: "[domain-name:value = 'beacon.ops.example.net']" });
    await g.objects.add([
      {
        col,
        raw,
        versionPart: 'v1',
        words: 'Pipeline telemetry beacon',
        meta: { id, type: 'indicator', sv: '2.1', sub: 'analyst', org: 'org-a', tlp: 'clear', readers: [], restricted: false, keys: ['domain:beacon.ops.example.net'] },
      },
    ]);
    // One object is far below 256 kB: its words and domains are still in the pending lists.
    const find = async (match: SearchQuery['match']) =>
      (await g.search.find({ match, collections: [col], viewer: { organisation: 'org-b' }, limit: 10 })).map((d) => d.meta.id);
    expect(await find({ words: ['telemetry'] })).toEqual([id]);
    expect(await find({ domains: ['example.net'] })).toEqual([id]);
    expect(await find({ words: ['substation'] })).toEqual([]);
  });

  it('keeps rows stored before migration 11 unique by (collection, id, version part), so a re-post is still a no-op', async () => {
    const p = newPrefix();
    const s = await open(p);
    const schema = `${p}-old11`;
    expect(await migrate(s.sql, schema, GROUP_MIGRATIONS.filter((m) => m.version < 11))).toEqual([1, 2, 3, 6, 7, 8, 9, 10]);
    const id = 'indicator--8c1d2e3f-4a5b-4c6d-9e7f-8a9b0c1d2e3f';
    const raw = JSON.stringify({ type: 'indicator', id, name: 'Old row' });
    const ver = '2026-01-01T00:00:00.000000000Z';
    await s.sql.query(
      `INSERT INTO "${schema}".objects (key, col, id, type, sv, ver, ver_raw, added, sub, org, tlp, readers, restricted, raw)
       VALUES ($1, 'col-1', $2, 'indicator', '2.1', $3, $3, '2026-01-02T00:00:00.000000Z', 'analyst', 'org-a', 'clear', '{}', false, $4)`,
      [`col-1|${id}|${ver}`, id, ver, raw],
    );
    const g = s.group('old11');
    await g.ensure();
    expect(await versions(s, schema)).toEqual(GROUP_MIGRATIONS.map((m) => m.version));
    const { rows } = await s.sql.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname', [schema, 'objects']);
    expect(rows.map((r) => r.indexname)).toEqual(['col_added', 'col_id_ver', 'col_type_added', 'domains_gin', 'keys_gin', 'links_gin', 'words_gin']);
    const draft = {
      col: 'col-1',
      raw,
      versionPart: ver,
      meta: { id, type: 'indicator', sv: '2.1', ver, verRaw: ver, sub: 'analyst', org: 'org-a', tlp: 'clear' as const, readers: [], restricted: false },
    };
    const again = await g.objects.add([draft, { ...draft, versionPart: 'v2', meta: { ...draft.meta, ver: '2026-02-01T00:00:00.000000000Z' } }]);
    expect([...again.existing]).toEqual([`col-1|${id}|${ver}`]);
    expect((await g.objects.findVersions('col-1', id, { organisation: 'org-b' })).map((d) => d._id).sort()).toEqual([`col-1|${id}|${ver}`, `col-1|${id}|v2`]);
    expect(await g.objects.deleteByKeys([`col-1|${id}|${ver}`, 'not-a-key'])).toBe(1);
    expect((await g.objects.findVersions('col-1', id, { organisation: 'org-b' })).map((d) => d._id)).toEqual([`col-1|${id}|v2`]);
  });

  it('migrates each schema once when two processes race', async () => {
    const p = newPrefix();
    const [a, b] = await Promise.all([open(p), open(p)]);
    await Promise.all([a.group('g').ensure(), b.group('g').ensure(), a.group('g').ensure()]);
    expect(await versions(a, `${p}-g`)).toEqual(GROUP_MIGRATIONS.map((m) => m.version));
    expect((await a.group('g').collections.list()).map((c) => c.alias)).toEqual(['alerts', 'frameworks', 'incidents', 'indicators', 'released-in']);
  });

  it('sorts and compares text columns in byte order, whatever the server locale', async () => {
    const p = newPrefix();
    const s = await open(p);
    await s.group('g').ensure();
    const { rows } = await s.sql.query<{ column_name: string; collation_name: string | null }>(
      `SELECT column_name, collation_name FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = 'objects' AND column_name IN ('key', 'col', 'added', 'id', 'type', 'ver', 'org')`,
      [`${p}-g`],
    );
    expect(rows).toHaveLength(7);
    expect(rows.filter((r) => r.collation_name !== 'C')).toEqual([]);
  });

  it('keeps each trust group in its own schema, and the registry and leases in the admin schema', async () => {
    const p = newPrefix();
    const s = await open(p);
    for (const g of ['alpha', 'beta']) {
      await s.registry.ensure(g);
      await s.group(g).ensure();
    }
    const col = (await s.group('alpha').collections.list())[0]!._id;
    await s.group('alpha').objects.add([draft(col), draft(col)]);
    await s.group('beta').objects.add([draft(col)]);
    await s.leases.acquire('job:x', 60_000);
    const count = async (table: string) => Number((await s.sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    expect(await count(`"${p}-alpha".objects`)).toBe(2);
    expect(await count(`"${p}-beta".objects`)).toBe(1);
    expect(await count(`"${p}-admin".groups`)).toBe(2);
    expect(await count(`"${p}-admin".job_leases`)).toBe(1);
    const { rows } = await s.sql.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY nspname', [`${p}-`]);
    expect(rows.map((r) => r.nspname)).toEqual([`${p}-admin`, `${p}-alpha`, `${p}-beta`]);
    await s.dropAll();
    expect((await s.sql.query('SELECT 1 FROM pg_namespace WHERE starts_with(nspname, $1)', [`${p}-`])).rowCount).toBe(0);
  });

  it('refuses a schema name PostgreSQL would truncate, which could merge two groups', async () => {
    const s = await open();
    expect(() => s.group('g'.repeat(60))).toThrow(/longer than 63 bytes/);
    await expect(PostgresStorage.connect(process.env.PUENTE_TEST_POSTGRES_URL!, { prefix: 'x'.repeat(60) })).rejects.toThrow(/longer than 63 bytes/);
  });

  it('recreates a dropped schema, with its default collections, on the next query', async () => {
    const p = newPrefix();
    const s = await open(p);
    await s.group('alpha').ensure();
    await s.sql.query(`DROP SCHEMA "${p}-alpha" CASCADE`);
    await s.sql.query(`DROP SCHEMA "${p}-admin" CASCADE`);
    expect(await s.group('alpha').objects.count()).toBe(0);
    expect((await s.group('alpha').collections.list()).map((c) => c.alias)).toEqual(['alerts', 'frameworks', 'incidents', 'indicators', 'released-in']);
    expect(await s.registry.list()).toEqual([]);
    expect(await versions(s, `${p}-alpha`)).toEqual(GROUP_MIGRATIONS.map((m) => m.version));
    // A group used before its ensure() gets its schema the same way.
    expect(await s.group('unseen').objects.count()).toBe(0);
    expect(await tables(s, `${p}-unseen`)).toContain('objects');
  });
});

describe('postgres when the server is not there', () => {
  it('answers Unavailable when the server cannot be reached', async () => {
    const missing = path.join(os.tmpdir(), `puente-no-such-socket-${crypto.randomUUID()}`);
    const url = `postgresql://postgres@/postgres?host=${encodeURIComponent(missing)}&port=5432`;
    await expect(PostgresStorage.connect(url, { prefix: newPrefix() })).rejects.toBeInstanceOf(Unavailable);
  });

  it('answers Unavailable when the server ends a query, and the next query gets a new connection', async () => {
    const p = newPrefix();
    const [a, b] = await Promise.all([open(p), open(p)]);
    const marker = crypto.randomUUID();
    const slow = a.sql.query(`SELECT pg_sleep(60) -- ${marker}`);
    slow.catch(() => {});
    // Wait until that query runs, then end its backend as an administrator would.
    let pid: number | undefined;
    while (pid === undefined) {
      const { rows } = await b.sql.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE state = 'active' AND strpos(query, $1) > 0 AND pid <> pg_backend_pid()`, [marker]);
      pid = rows[0]?.pid;
      if (pid === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    await b.sql.query('SELECT pg_terminate_backend($1)', [pid]);
    await expect(slow).rejects.toBeInstanceOf(Unavailable);
    await a.ping();
    expect(await a.group('alpha').objects.count()).toBe(0);
  });

  it('answers Unavailable while its server is stopped and carries on once it is back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-pg-contract-'));
    // As root the server runs as user postgres, who must be able to reach its folder.
    fs.chmodSync(dir, 0o711);
    let server = await startEmbeddedPostgres({ dataDir: dir });
    let s: PostgresStorage | undefined;
    try {
      s = await PostgresStorage.connect(server.url, { prefix: newPrefix() });
      const g = s.group('alpha');
      await g.ensure();
      const col = (await g.collections.list())[0]!._id;
      const d = draft(col);
      await g.objects.add([d]);
      const url = server.url;

      const pending = s.sql.query('SELECT pg_sleep(60)');
      pending.catch(() => {});
      await server.stop();
      await expect(pending).rejects.toBeInstanceOf(Unavailable);
      await expect(s.ping()).rejects.toBeInstanceOf(Unavailable);
      await expect(g.objects.page(query(col))).rejects.toBeInstanceOf(Unavailable);
      await expect(g.objects.add([draft(col)])).rejects.toBeInstanceOf(Unavailable);
      await expect(s.leases.acquire('job:x', 1000)).rejects.toBeInstanceOf(Unavailable);
      await expect(g.ensure()).rejects.toBeInstanceOf(Unavailable);

      server = await startEmbeddedPostgres({ dataDir: dir });
      expect(server.url).toBe(url);
      await s.ping();
      expect((await g.objects.findVersions(col, d.meta.id, A)).map((x) => x.raw)).toEqual([d.raw]);
      expect(await g.objects.count()).toBe(1);
    } finally {
      await s?.close();
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
