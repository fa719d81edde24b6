/**
 * Faults against the real processes, on the default deployment (the compiled hub with its own
 * embedded PostgreSQL in a data folder): kill -9 of the hub in the middle of concurrent ingest,
 * and the database killed under load. Loopback only; each test bounded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startLiveHub, type LiveHub } from '../support/live-hub';
import {
  acknowledged, call, duplicates, ensureBuilt, incidents, isAnswer, postgresIn, posters, storedIds, tempDataDir, until, type Answer,
} from '../support/faults';
import { TAXII } from '../support/hub';

jest.setTimeout(240_000);

const dirs: string[] = [];
const hubs: LiveHub[] = [];

beforeAll(() => ensureBuilt());
afterEach(async () => {
  for (const h of hubs.splice(0)) await h.kill('SIGKILL');
  for (const d of dirs.splice(0)) {
    await until('the embedded PostgreSQL to go', () => postgresIn(d).length === 0, 20_000).catch(() => {});
    fs.rmSync(d, { recursive: true, force: true });
  }
});

/** The hub as `npm start` runs it, on its own embedded PostgreSQL in `dataDir`. */
async function hubOn(dataDir: string, prefix: string): Promise<LiveHub> {
  const hub = await startLiveHub({ launcher: 'dist', database: {}, prefix, env: { PUENTE_DATA_DIR: dataDir, PUENTE_RATE_LIMIT_PER_MINUTE: '1000000' }, startTimeoutMs: 120_000 });
  hubs.push(hub);
  return hub;
}

it('loses and duplicates nothing acknowledged when the hub is killed with -9 in the middle of 8 concurrent ingests', async () => {
  const dir = tempDataDir();
  dirs.push(dir);
  const first = await hubOn(dir, 'crash');
  const load = posters(first.url, 8, 200);
  await until('ten acknowledged envelopes', () => load.posted.filter((p) => isAnswer(p.answer) && p.answer.status === 202).length >= 10, 60_000);
  await first.kill('SIGKILL');
  await load.stop();
  const acked = acknowledged(load.posted);
  expect(acked.length).toBeGreaterThanOrEqual(2000);
  // Requests cut by the kill got no answer; none got a 5xx.
  expect(load.posted.filter((p) => isAnswer(p.answer) && p.answer.status >= 500)).toEqual([]);

  // The guard stops the embedded PostgreSQL when the hub dies; the next hub starts on the folder.
  await until('the embedded PostgreSQL to stop after the hub', () => postgresIn(dir).length === 0, 20_000);
  const second = await hubOn(dir, 'crash');
  const stored = await storedIds(second.url);
  expect(duplicates(stored)).toEqual([]);
  const present = new Set(stored);
  expect(acked.filter((id) => !present.has(id))).toEqual([]);

  // A client that did not get its answer sends again: every envelope, once more.
  const replays = await Promise.all(
    load.posted.map((p) => call(`${second.url}/colombia/collections/${incidents()}/objects/`, { method: 'POST', body: p.body, headers: { 'Content-Type': TAXII } })),
  );
  expect(replays.map((r) => (isAnswer(r) ? r.status : r.error)).filter((s) => s !== 202)).toEqual([]);
  const after = await storedIds(second.url);
  expect(duplicates(after)).toEqual([]);
  // Exactly the objects of every envelope, each once: the acknowledged ones were not stored again.
  expect(new Set(after)).toEqual(new Set(load.posted.flatMap((p) => p.ids)));
});

it('answers 503 with Retry-After while the embedded database is down, restarts it, and recovers without a hub restart', async () => {
  const dir = tempDataDir();
  dirs.push(dir);
  const hub = await hubOn(dir, 'outage');
  const load = posters(hub.url, 4, 100);
  const reads: (Answer | { error: string })[] = [];
  let reading = true;
  const reader = (async () => {
    while (reading) reads.push(await call(`${hub.url}/colombia/collections/${incidents()}/objects/?limit=50`));
  })();
  await until('some acknowledged envelopes', () => acknowledged(load.posted).length >= 500, 60_000);

  const postmaster = Number(fs.readFileSync(path.join(dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const ready: number[] = [];
  const killedAt = Date.now();
  process.kill(postmaster, 'SIGKILL');
  await until('/readyz to fail', async () => {
    const r = await call(`${hub.url}/readyz`);
    ready.push(isAnswer(r) ? r.status : 0);
    return ready.includes(503);
  }, 20_000, 20);
  await until('/readyz to pass again', async () => {
    const r = await call(`${hub.url}/readyz`);
    return isAnswer(r) && r.status === 200;
  }, 60_000, 100);
  const downMs = Date.now() - killedAt;
  // Load goes on a little after the recovery, then stops.
  const before = load.posted.length;
  await until('envelopes acknowledged after the recovery', () => load.posted.slice(before).some((p) => isAnswer(p.answer) && p.answer.status === 202), 30_000);
  await load.stop();
  reading = false;
  await reader;

  const answers = [...load.posted.map((p) => p.answer), ...reads];
  // Every request got an answer (no hang, no reset), and no answer was a 500.
  expect(answers.filter((a) => !isAnswer(a))).toEqual([]);
  const statuses = answers.filter(isAnswer).map((a) => a.status);
  expect(statuses.filter((s) => ![200, 202, 503].includes(s))).toEqual([]);
  const unavailable = answers.filter(isAnswer).filter((a) => a.status === 503);
  expect(unavailable.length).toBeGreaterThan(0);
  for (const a of unavailable) {
    expect([a.body.error_code, a.retryAfter, a.contentType]).toEqual(['unavailable', '5', TAXII]);
    expect(JSON.stringify(a.body)).not.toMatch(/at .+\.(js|ts):\d+/);
  }
  expect(hub.logs().some((l) => l.msg === 'db.embedded.restarted')).toBe(true);
  expect(downMs).toBeLessThan(60_000);

  // The same hub process, and nothing acknowledged lost.
  const stored = new Set(await storedIds(hub.url));
  expect(acknowledged(load.posted).filter((id) => !stored.has(id))).toEqual([]);
  expect((await hub.kill('SIGTERM')).code).toBe(0);
});
