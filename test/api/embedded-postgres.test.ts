/**
 * The embedded PostgreSQL against the real server binaries: Unix socket only, data kept across
 * restarts, one hub per data folder, and no postgres left behind when the hub is killed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Client } from 'pg';
import { sharedBuffersMb, startEmbeddedPostgres, EmbeddedPostgresUnavailable, type EmbeddedPostgres } from '../../server/storage/postgres/embedded';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const MODULE = path.join(REPO_ROOT, 'server', 'storage', 'postgres', 'embedded.ts');
const asRoot = process.getuid?.() === 0;
const dirs: string[] = [];
const running: EmbeddedPostgres[] = [];

function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-pg-test-'));
  fs.chmodSync(dir, 0o755); // mkdtemp makes it 0700; the postgres user must get through when we are root
  dirs.push(dir);
  return dir;
}

async function start(dir: string, restart = true): Promise<EmbeddedPostgres> {
  const pg = await startEmbeddedPostgres({ dataDir: dir, restart });
  running.push(pg);
  return pg;
}

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** postgres processes working in a cluster folder (the postmaster and all its children). */
function serverProcessesIn(dir: string): string[] {
  const cluster = path.join(dir, 'postgres');
  return fs.readdirSync('/proc').filter((pid) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/cwd`) === cluster && fs.readFileSync(`/proc/${pid}/comm`, 'utf8') === 'postgres\n';
    } catch {
      return false;
    }
  });
}

async function noServerIn(dir: string, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if (serverProcessesIn(dir).length === 0) return true;
  }
  return false;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((pg) => pg.stop()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

it('answers through its Unix socket, listens on no TCP port, and is gone after stop()', async () => {
  const pg = await start(dataDir());
  expect(pg).toMatchObject({ kind: 'postgres', database: 'postgres', user: 'postgres' });
  expect(fs.existsSync(path.join(pg.socketDir, '.s.PGSQL.5432'))).toBe(true);
  expect(await query(pg.url, 'select 1 as one')).toEqual([{ one: 1 }]);
  expect(await query(pg.url, 'show listen_addresses')).toEqual([{ listen_addresses: '' }]);
  // Its buffer cache is sized from this machine's memory (setting in 8 kB pages).
  expect(await query(pg.url, "select setting::int * 8 / 1024 as mb from pg_settings where name = 'shared_buffers'")).toEqual([{ mb: sharedBuffersMb() }]);
  await pg.stop();
  expect(alive(pg.pid)).toBe(false);
  expect(serverProcessesIn(path.dirname(pg.socketDir))).toEqual([]);
});

it('sizes its buffer cache to an eighth of memory, between 128 MB and 2 GB', () => {
  expect(sharedBuffersMb(24 * 2 ** 30)).toBe(2048);
  expect(sharedBuffersMb(8 * 2 ** 30)).toBe(1024);
  expect(sharedBuffersMb(512 * 2 ** 20)).toBe(128);
});

it('keeps its data across a stop and a start on the same folder', async () => {
  const dir = dataDir();
  const first = await start(dir);
  await query(first.url, 'create table kept (id int); insert into kept values (42)');
  await first.stop();
  const second = await start(dir);
  expect(await query(second.url, 'select id from kept')).toEqual([{ id: 42 }]);
});

it('refuses a second server on a data folder in use, and the first one keeps working', async () => {
  const dir = dataDir();
  const first = await start(dir);
  const refused = startEmbeddedPostgres({ dataDir: dir });
  await expect(refused).rejects.toThrow(EmbeddedPostgresUnavailable);
  await expect(refused).rejects.toThrow(/is in use by another hub \(postmaster\.pid/);
  expect(await query(first.url, 'select 1 as one')).toEqual([{ one: 1 }]);
});

it('refuses the second of two simultaneous starts on one data folder', async () => {
  const dir = dataDir();
  await (await start(dir)).stop();
  const results = await Promise.allSettled([start(dir), start(dir)]);
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  const [refused] = results.filter((r) => r.status === 'rejected');
  expect(String(refused.reason)).toMatch(/is in use by another hub \(postmaster\.pid/);
});

it('starts after a crash of the server and keeps what was committed', async () => {
  const dir = dataDir();
  // The hub went down with it (no restart by the first handle): a new start finds a crash's locks.
  const crashed = await start(dir, false);
  await query(crashed.url, 'create table kept (id int); insert into kept values (7)');
  process.kill(crashed.pid, 'SIGKILL');
  expect(await noServerIn(dir, 15_000)).toBe(true);
  const pg = await start(dir);
  expect(await query(pg.url, 'select id from kept')).toEqual([{ id: 7 }]);
});

it('starts the server again itself when it is killed, on the same socket, with what was committed', async () => {
  const dir = dataDir();
  const events: string[] = [];
  const pg = await startEmbeddedPostgres({ dataDir: dir, onEvent: (e) => events.push(e) });
  running.push(pg);
  await query(pg.url, 'create table kept (id int); insert into kept values (7)');
  const first = pg.pid;
  process.kill(first, 'SIGKILL');
  const deadline = Date.now() + 30_000;
  while (!(events.includes('restarted') && alive(pg.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(events.slice(0, 1)).toEqual(['exited']);
  expect(events).toContain('restarted');
  expect(pg.pid).not.toBe(first);
  // The same connection string works again: a pool reconnects by itself.
  expect(await query(pg.url, 'select id from kept')).toEqual([{ id: 7 }]);
  await pg.stop();
  expect(await noServerIn(dir, 15_000)).toBe(true);
});

it('starts over a stale postmaster.pid whose pid now belongs to another process', async () => {
  const dir = dataDir();
  await (await start(dir)).stop();
  // The pid of a crashed server, recycled by a process of the same user, which postgres would take for a live server.
  const owner = fs.statSync(path.join(dir, 'postgres'));
  const other = spawn('sleep', ['60'], { uid: owner.uid, gid: owner.gid, stdio: 'ignore' });
  try {
    fs.writeFileSync(path.join(dir, 'postgres', 'postmaster.pid'), `${other.pid}\n${path.join(dir, 'postgres')}\n`);
    const pg = await start(dir);
    expect(await query(pg.url, 'select 1 as one')).toEqual([{ one: 1 }]);
  } finally {
    other.kill('SIGKILL');
  }
});

it('refuses a cluster made by another PostgreSQL major version', async () => {
  const dir = dataDir();
  fs.mkdirSync(path.join(dir, 'postgres'));
  fs.writeFileSync(path.join(dir, 'postgres', 'PG_VERSION'), '9\n');
  await expect(startEmbeddedPostgres({ dataDir: dir })).rejects.toThrow(/holds a PostgreSQL 9 cluster but the server binaries are PostgreSQL \d+/);
});

(asRoot ? it : it.skip)('names the folder the postgres user cannot traverse', async () => {
  const closed = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-pg-closed-')); // 0700, owned by root
  dirs.push(closed);
  await expect(startEmbeddedPostgres({ dataDir: path.join(closed, 'hub') })).rejects.toThrow(
    `${closed} cannot be traversed by user postgres`,
  );
});

it('leaves no postgres behind when the hub process is killed with SIGKILL', async () => {
  const dir = dataDir();
  const script = path.join(dir, 'hub.ts');
  fs.writeFileSync(
    script,
    `import { startEmbeddedPostgres } from ${JSON.stringify(MODULE)};\n` +
      `startEmbeddedPostgres({ dataDir: ${JSON.stringify(dir)} }).then((pg) => console.log(JSON.stringify({ hub: process.pid, pid: pg.pid })));\n` +
      'setInterval(() => {}, 1000);\n',
  );
  const hub = spawn(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: hub.stdout! }).once('line', resolve);
    hub.once('exit', (code) => reject(new Error(`hub exited with ${code} before starting postgres`)));
  });
  const { hub: hubPid, pid } = JSON.parse(line) as { hub: number; pid: number };
  expect(serverProcessesIn(dir)).toContain(String(pid));
  // tsx runs the script in a child node process: that one is the hub.
  process.kill(hubPid, 'SIGKILL');
  expect(await noServerIn(dir, 15_000)).toBe(true);
  hub.kill('SIGKILL');
  // The folder is free again: the server shut down, it did not merely vanish.
  const again = await start(dir);
  expect(await query(again.url, 'select 1 as one')).toEqual([{ one: 1 }]);
});
