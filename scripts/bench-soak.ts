/**
 * npm run bench:soak: the compiled hub on its own embedded PostgreSQL (a fresh data folder) under
 * steady mixed load for a while — 20 feeds polling and paging what is new, 4 CERTs pushing — and
 * what a production team watches: p50/p99 latency per endpoint, throughput, errors, and the hub's
 * RSS at start, after warm-up and at the end (target: no growth beyond 50 MiB after warm-up).
 * A benchmark, not a test: it prints figures and the one target.
 *
 *   npm run bench:soak [-- --minutes 10 --warmup 1 --feeds 20 --certs 4 --envelope 100 --seed 20000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../server/paths';
import { collectionId } from '../server/storage/collections';
import { startLiveHub } from '../test/support/live-hub';
import { generateEnvelope } from './bench/generate';
import { hwmKiB, rssKiB } from './bench/procs';
import { fmt, mib, ms, quantile } from './bench/stats';

const opts = new Command()
  .name('bench-soak')
  .option('--minutes <n>', 'measured minutes after the warm-up', (v) => Number(v), 10)
  .option('--warmup <n>', 'warm-up minutes (load runs, figures are not kept)', (v) => Number(v), 1)
  .option('--feeds <n>', 'feeds polling for what is new', (v) => Number(v), 20)
  .option('--certs <n>', 'CERTs pushing envelopes', (v) => Number(v), 4)
  .option('--envelope <n>', 'objects per pushed envelope', (v) => Number(v), 100)
  .option('--push-every <ms>', 'each CERT pushes at most once per this many ms', (v) => Number(v), 1000)
  .option('--poll-every <ms>', 'each feed polls again this long after it caught up', (v) => Number(v), 2000)
  .option('--seed <n>', 'objects stored before the load starts', (v) => Number(v), 20_000)
  .parse()
  .opts<{ minutes: number; warmup: number; feeds: number; certs: number; envelope: number; pushEvery: number; pollEvery: number; seed: number }>();

const TAXII = 'application/taxii+json;version=2.1';
const GROUP = 'colombia';
const COL = collectionId(GROUP, 'incidents');
const log = (m: string) => process.stderr.write(`${m}\n`);
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

type Endpoint = 'POST objects' | 'GET objects (poll)' | 'GET objects (next page)' | 'GET status';
const latencies = new Map<Endpoint, number[]>();
const errors = new Map<string, number>();
let measuring = false;
let pushedObjects = 0;
let pulledObjects = 0;

async function timed(endpoint: Endpoint, url: string, init: RequestInit = {}): Promise<{ status: number; body: string; headers: Headers } | undefined> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { ...init, headers: { accept: TAXII, ...(init.headers ?? {}) } });
    const body = await res.text();
    if (measuring) {
      const list = latencies.get(endpoint) ?? [];
      list.push(performance.now() - t0);
      latencies.set(endpoint, list);
      if (res.status >= 400) errors.set(`${endpoint} ${res.status}`, (errors.get(`${endpoint} ${res.status}`) ?? 0) + 1);
    }
    return { status: res.status, body, headers: res.headers };
  } catch (err) {
    if (measuring) errors.set(`${endpoint} ${(err as Error).name}`, (errors.get(`${endpoint} ${(err as Error).name}`) ?? 0) + 1);
    return undefined;
  }
}

async function main(): Promise<void> {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-soak-'));
  fs.chmodSync(dataDir, 0o755);
  const hub = await startLiveHub({
    launcher: 'dist',
    database: {},
    prefix: 'soak',
    env: { PUENTE_DATA_DIR: dataDir, PUENTE_RATE_LIMIT_PER_MINUTE: '100000000' },
    startTimeoutMs: 120_000,
  });
  const base = `${hub.url}/${GROUP}/collections/${COL}`;
  let stopping = false;
  try {
    log(`hub pid ${hub.pid}, data in ${dataDir}; seeding ${fmt(opts.seed)} objects…`);
    let envelopeIndex = 0;
    for (let n = 0; n < opts.seed; n += 1000) {
      const e = generateEnvelope(envelopeIndex++, 1000);
      const r = await timed('POST objects', `${base}/objects/`, { method: 'POST', body: e.body, headers: { 'content-type': TAXII } });
      if (r?.status !== 202) throw new Error(`seeding: ${r?.status} ${r?.body.slice(0, 300)}`);
    }
    const rssStart = rssKiB(hub.pid);

    const certs = Array.from({ length: opts.certs }, async () => {
      while (!stopping) {
        const t0 = Date.now();
        const e = generateEnvelope(envelopeIndex++, opts.envelope);
        const r = await timed('POST objects', `${base}/objects/`, { method: 'POST', body: e.body, headers: { 'content-type': TAXII } });
        if (r?.status === 202) {
          if (measuring) pushedObjects += (JSON.parse(r.body) as { success_count: number }).success_count;
          const id = (JSON.parse(r.body) as { id: string }).id;
          await timed('GET status', `${hub.url}/${GROUP}/status/${id}/`);
        }
        await sleep(Math.max(0, opts.pushEvery - (Date.now() - t0)));
      }
    });
    const feeds = Array.from({ length: opts.feeds }, async (_, f) => {
      // Each feed starts from a different point of the seed, then keeps up with what is new.
      let addedAfter = new Date(Date.now() - 3_600_000 - f * 1000).toISOString();
      while (!stopping) {
        let next: string | undefined;
        // A next token is bound to the filters it was issued for: the same added_after goes with it.
        const filters = `limit=1000&added_after=${addedAfter}`;
        do {
          const q = next ? `${filters}&next=${encodeURIComponent(next)}` : filters;
          const r = await timed(next ? 'GET objects (next page)' : 'GET objects (poll)', `${base}/objects/?${q}`);
          if (!r || r.status !== 200) break;
          const page = JSON.parse(r.body) as { more?: boolean; next?: string; objects?: unknown[] };
          if (measuring) pulledObjects += page.objects?.length ?? 0;
          addedAfter = r.headers.get('x-taxii-date-added-last') ?? addedAfter;
          next = page.more ? page.next : undefined;
        } while (next && !stopping);
        await sleep(opts.pollEvery);
      }
    });

    log(`load: ${opts.feeds} feeds, ${opts.certs} CERTs (${opts.envelope} objects every ${opts.pushEvery} ms each); warm-up ${opts.warmup} min…`);
    await sleep(opts.warmup * 60_000);
    const rssWarm = rssKiB(hub.pid);
    measuring = true;
    const t0 = Date.now();
    const samples: number[] = [];
    while (Date.now() - t0 < opts.minutes * 60_000) {
      await sleep(5000);
      samples.push(rssKiB(hub.pid));
      log(`  ${((Date.now() - t0) / 60_000).toFixed(1)} min: hub RSS ${mib(samples.at(-1)!)} MiB`);
    }
    const seconds = (Date.now() - t0) / 1000;
    measuring = false;
    stopping = true;
    await Promise.all([...certs, ...feeds]);
    const rssEnd = rssKiB(hub.pid);
    const peak = hwmKiB(hub.pid);

    console.log(`\n## Soak: ${opts.minutes} min measured after ${opts.warmup} min warm-up; ${opts.feeds} feeds, ${opts.certs} CERTs; ${fmt(opts.seed)} objects seeded\n`);
    console.log('| endpoint | requests | p50 ms | p99 ms | max ms |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const [endpoint, xs] of latencies) {
      console.log(`| ${endpoint} | ${fmt(xs.length)} | ${ms(quantile(xs, 0.5))} | ${ms(quantile(xs, 0.99))} | ${ms(Math.max(...xs))} |`);
    }
    console.log(`\nthroughput: pushed ${fmt(pushedObjects / seconds)} objects/s, pulled ${fmt(pulledObjects / seconds)} objects/s`);
    console.log(`errors: ${errors.size ? [...errors].map(([k, n]) => `${k}: ${n}`).join(', ') : 'none'}`);
    console.log(`hub RSS, MiB: after seeding ${mib(rssStart)}, after warm-up ${mib(rssWarm)}, end ${mib(rssEnd)}, peak ${mib(peak)}; ` +
      `sampled min/max after warm-up ${mib(Math.min(...samples))}/${mib(Math.max(...samples))}`);
    const growth = (rssEnd - rssWarm) / 1024;
    console.log(`${growth <= 50 ? 'PASS' : 'FAIL'}  RSS growth after warm-up: ${fmt(growth, 1)} MiB (target ≤ 50)`);
  } finally {
    stopping = true;
    await hub.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
