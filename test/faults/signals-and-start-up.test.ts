/**
 * Signals to whatever process the operator started (`npm start`, node, `npx puente serve`), SIGTERM
 * under load, and start-up refusals on the data folder: each against the real compiled hub and
 * its embedded PostgreSQL.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startLiveHub, type LiveHub, type LiveHubOptions } from '../support/live-hub';
import { acknowledged, call, ensureBuilt, incidents, isAnswer, postgresIn, posters, storedIds, tempDataDir, until, type Answer, type Failure } from '../support/faults';

jest.setTimeout(240_000);

const dirs: string[] = [];
const hubs: LiveHub[] = [];
const mounts: string[] = [];

beforeAll(() => ensureBuilt());
afterEach(async () => {
  for (const h of hubs.splice(0)) await h.kill('SIGKILL');
  for (const m of mounts.splice(0)) spawnSync('umount', [m], { timeout: 30_000 });
  for (const d of dirs.splice(0)) {
    await until('the embedded PostgreSQL to go', () => postgresIn(d).length === 0, 20_000).catch(() => {});
    fs.rmSync(d, { recursive: true, force: true });
  }
});

function dataDir(): string {
  const d = tempDataDir();
  dirs.push(d);
  return d;
}

async function hubOn(dir: string, o: Partial<LiveHubOptions> = {}): Promise<LiveHub> {
  const hub = await startLiveHub({
    launcher: 'dist', database: {}, prefix: 'signals', startTimeoutMs: 120_000, ...o,
    env: { PUENTE_DATA_DIR: dir, PUENTE_RATE_LIMIT_PER_MINUTE: '1000000', ...(o.env ?? {}) },
  });
  hubs.push(hub);
  return hub;
}

/** The process and every descendant (from /proc/<pid>/task/<pid>/children). */
function tree(pid: number): number[] {
  let kids: number[] = [];
  try {
    kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return [pid, ...kids.flatMap(tree)];
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};

/** Refused start-ups: what the hub printed, and its exit code. */
function startFails(dir: string): { code: number | null; stderr: string } {
  const main = path.join(__dirname, '..', '..', 'dist', 'server', 'main.js');
  const r = spawnSync(process.execPath, [main], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PUENTE_DATA_DIR: dir, PUENTE_PORT: '0', PUENTE_HOST: '127.0.0.1', PUENTE_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stderr: r.stderr };
}

describe.each([
  ['npm start', 'npm', 'SIGTERM'],
  ['npm start', 'npm', 'SIGINT'],
  ['node dist/server/main.js', 'dist', 'SIGINT'],
  ['npx puente serve', 'cli', 'SIGTERM'],
] as const)('%s', (_name, launcher, signal) => {
  it(`stops the hub and its database on ${signal} to the process started, exit 0, no orphan`, async () => {
    const dir = dataDir();
    const hub = await hubOn(dir, { launcher });
    const processes = [...tree(hub.pid), ...postgresIn(dir)];
    expect(postgresIn(dir).length).toBeGreaterThan(0);
    const exit = await hub.kill(signal);
    expect(exit).toEqual({ code: 0, signal: null });
    await until('every process of the hub to be gone', () => processes.every((p) => !alive(p)), 20_000);
    expect(postgresIn(dir)).toEqual([]);
    expect(hub.logs().some((l) => l.msg === 'server.stopped')).toBe(true);
  });
});

it('SIGTERM under load (20 clients posting and paging): no 5xx, every request in flight answered, exit 0 within the grace period', async () => {
  const dir = dataDir();
  const hub = await hubOn(dir, { env: { PUENTE_SHUTDOWN_TIMEOUT_MS: '30000' } });
  const writers = posters(hub.url, 10, 100);
  type Read = { started: number; answer: Answer | Failure };
  const reads: Read[] = [];
  let reading = true;
  const readers = Array.from({ length: 10 }, async () => {
    let next: string | undefined;
    while (reading) {
      const started = Date.now();
      const q = `limit=100${next ? `&next=${encodeURIComponent(next)}` : ''}`;
      const answer = await call(`${hub.url}/colombia/collections/${incidents()}/objects/?${q}`);
      reads.push({ started, answer });
      if (!isAnswer(answer)) break; // refused: the hub has stopped listening
      next = answer.body.more ? (answer.body.next as string) : undefined;
    }
  });
  await until('load to be under way', () => acknowledged(writers.posted).length >= 1000 && reads.length >= 20, 60_000);
  const signalled = Date.now();
  const exit = await hub.kill('SIGTERM');
  const stoppedMs = Date.now() - signalled;
  reading = false;
  await Promise.all(readers);
  await writers.stop();

  expect(exit).toEqual({ code: 0, signal: null });
  expect(stoppedMs).toBeLessThan(30_000);
  const answers = [...writers.posted.map((p) => p.answer), ...reads.map((r) => r.answer)].filter(isAnswer);
  expect(answers.filter((a) => a.status >= 500)).toEqual([]);
  // Requests sent before the signal were accepted: each got its answer. After it, a connection
  // may be refused (the listener is closed): never a reset in the middle of an accepted request.
  const before = [...reads, ...writers.posted].filter((r) => r.started < signalled);
  expect(before.length).toBeGreaterThan(20);
  expect(before.filter((r) => !isAnswer(r.answer)).map((r) => r.answer)).toEqual([]);

  const again = await hubOn(dir);
  const stored = new Set(await storedIds(again.url));
  expect(acknowledged(writers.posted).filter((id) => !stored.has(id))).toEqual([]);
});

it('refuses a second hub on the same data folder with a message naming it, and the first keeps serving', async () => {
  const dir = dataDir();
  const first = await hubOn(dir);
  const second = startFails(dir);
  expect(second.code).toBe(3);
  expect(second.stderr).toContain(path.join(dir, 'postgres'));
  expect(second.stderr).toMatch(/in use/i);
  expect(second.stderr).not.toMatch(/\n\s+at /);
  const r = await call(`${first.url}/readyz`);
  expect(isAnswer(r) && r.status).toBe(200);
});

it('starts beside stray *.sqlite files, and names the earlier FerretDB data it does not read', async () => {
  const dir = dataDir();
  fs.writeFileSync(path.join(dir, 'stray.sqlite'), 'not a database');
  fs.mkdirSync(path.join(dir, 'ferretdb'));
  fs.writeFileSync(path.join(dir, 'ferretdb', 'puente-colombia.sqlite'), 'an earlier version\'s data');
  const hub = await hubOn(dir);
  const r = await call(`${hub.url}/readyz`);
  expect(isAnswer(r) && r.status).toBe(200);
  const warning = hub.logs().find((l) => l.msg === 'db.earlier_data');
  expect(String(warning?.warning)).toContain('npx puente db migrate --from ferretdb');
});

describe('start-up on a data folder it cannot use: one line naming PUENTE_DATA_DIR and the path, no stack trace', () => {
  const oneLine = (stderr: string) => stderr.trim().split('\n').filter((l) => l.startsWith('puente:'));

  it('a file where the folder should be', () => {
    const dir = dataDir();
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    const r = startFails(path.join(dir, 'file', 'data'));
    expect(r.code).toBe(3);
    expect(oneLine(r.stderr)).toEqual([expect.stringMatching(/^puente: PUENTE_DATA_DIR=.*\/file\/data cannot be used: a part of the path is a file/)]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a corrupt file in the cluster (postgresql.conf)', async () => {
    const dir = dataDir();
    await (await hubOn(dir)).kill('SIGTERM');
    fs.appendFileSync(path.join(dir, 'postgres', 'postgresql.conf'), '\nthis is = not = a setting\n');
    const r = startFails(dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`^puente: the embedded PostgreSQL in PUENTE_DATA_DIR=${dir}:`, 'm'));
    expect(r.stderr).toContain('postgresql.conf');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  // Mounting needs root (CI and these machines run the suite as root).
  const asRoot = process.getuid?.() === 0;
  (asRoot ? it : it.skip)('a read-only file system, and a full one', () => {
    const ro = dataDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,ro', 'tmpfs', ro], { timeout: 30_000 });
    mounts.push(ro);
    const r1 = startFails(ro);
    expect(r1.code).toBe(3);
    expect(oneLine(r1.stderr)).toEqual([expect.stringMatching(new RegExp(`^puente: PUENTE_DATA_DIR=${ro} cannot be used: `))]);

    const full = dataDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m,mode=755', 'tmpfs', full], { timeout: 30_000 });
    mounts.push(full);
    const r2 = startFails(full);
    expect(r2.code).toBe(3);
    expect(r2.stderr).toMatch(new RegExp(`^puente: the embedded PostgreSQL in PUENTE_DATA_DIR=${full}: initdb failed`, 'm'));
    expect(r2.stderr).toMatch(/No space left on device/);
    expect(r2.stderr).not.toMatch(/\n\s+at /);
  });
});
