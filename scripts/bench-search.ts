/**
 * Search benchmark: observable lookup (and a few other searches) over HTTP against a hub on the
 * embedded PostgreSQL holding 1,000,000 indicators in one trust group. Prints figures; not a test.
 *
 *   flock /tmp/puente-bench.lock npx tsx scripts/bench-search.ts [--objects 1000000] [--data-dir /tmp/puente-bench-search] [--lookups 2000]
 *
 * The store is built once into --data-dir (its own embedded PostgreSQL) through
 * ObjectsRepository.add(), the one write path, with the observable keys ingestion derives, and
 * kept for the next run. Values: a mix of IPv4 addresses, domains and SHA-256 hashes (hits), plus
 * 10 % values that are not stored (misses). Each lookup is one GET through the whole stack
 * (authentication, rate limit, JSON), sequential, on a kept-alive connection.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import pino from 'pino';
import { Command } from 'commander';
import { loadConfig } from '../server/config';
import { createApp } from '../server/app';
import { createMetrics } from '../server/metrics';
import { buildHub } from '../server/hub';
import { openStorage } from '../server/storage/open';
import { collectionId } from '../server/storage/collections';
import type { ObjectDraft } from '../server/storage/objects';
import { observableKeysOf } from '../server/correlation';
import { comparisonsOf } from '../server/correlation/engine';
import { prng } from './bench/prng';
import { lookupValue } from '../server/search/values';

const opts = new Command()
  .option('--objects <n>', 'indicators in the store', (v) => Number(v), 1_000_000)
  .option('--data-dir <dir>', 'the embedded PostgreSQL of the benchmark', '/tmp/puente-bench-search')
  .option('--lookups <n>', 'timed single-value lookups', (v) => Number(v), 2000)
  .parse()
  .opts<{ objects: number; dataDir: string; lookups: number }>();

const GROUP = 'bench';
const ORG = 'identity--00000000-0000-4000-8000-00000000de00';
const log = (m: string) => process.stderr.write(`${m}\n`);

/** The i-th indicator's value: an IPv4 address, a domain or a SHA-256, in turn. */
function valueOf(i: number): { kind: 'ip' | 'domain' | 'hash'; value: string; pattern: string } {
  switch (i % 3) {
    case 0: {
      const v = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      return { kind: 'ip', value: v, pattern: `[ipv4-addr:value = '${v}']` };
    }
    case 1: {
      const v = `h${i}.c2-${i % 997}.example`;
      return { kind: 'domain', value: v, pattern: `[domain-name:value = '${v}']` };
    }
    default: {
      const v = crypto.createHash('sha256').update(String(i)).digest('hex');
      return { kind: 'hash', value: v, pattern: `[file:hashes.'SHA-256' = '${v}']` };
    }
  }
}

function draft(col: string, i: number): ObjectDraft {
  const { pattern } = valueOf(i);
  const t = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  const stix = {
    type: 'indicator', spec_version: '2.1', id: `indicator--${crypto.randomUUID()}`, created: t, modified: t,
    name: `Bench indicator ${i}`, description: `Seen by sensor ${i % 101}`, labels: [`set-${i % 17}`],
    indicator_types: ['malicious-activity'], pattern, pattern_type: 'stix', valid_from: t, confidence: i % 101,
  };
  const ver = `${t.slice(0, 23)}000000Z`;
  const keys = observableKeysOf(stix, comparisonsOf);
  return {
    col, raw: JSON.stringify(stix), versionPart: ver,
    meta: { id: stix.id, type: 'indicator', sv: '2.1', ver, verRaw: t, sub: 'bench', org: ORG, tlp: null, readers: [], restricted: false, keys },
  };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function main(): Promise<void> {
  const dataDir = path.resolve(opts.dataDir);
  if (dataDir.includes(`${path.sep}.cache${path.sep}bench-data`)) throw new Error('--data-dir: the shared bench store is not this benchmark\'s to write');
  const config = loadConfig({
    PUENTE_DATA_DIR: dataDir, PUENTE_DB_PREFIX: 'bsearch', PUENTE_TRUST_GROUPS: GROUP, PUENTE_JOBS_ENABLED: 'false',
    PUENTE_RATE_LIMIT_PER_MINUTE: '100000000', PUENTE_LOG_LEVEL: 'silent',
  });
  const opened = await openStorage({ dataDir, dbPrefix: config.dbPrefix, readSettleMs: 0 });
  const storage = opened.storage;
  const logger = pino({ level: 'silent' });
  const hub = await buildHub({ config, log: logger, metrics: createMetrics(false), storage });
  const col = collectionId(GROUP, 'indicators');
  const repo = storage.group(GROUP).objects;
  const have = await repo.count(col);
  if (have < opts.objects) {
    log(`building ${opts.objects - have} indicators in ${dataDir}…`);
    const started = Date.now();
    const BATCH = 5000;
    for (let i = have; i < opts.objects; i += BATCH) {
      const drafts: ObjectDraft[] = [];
      for (let j = i; j < Math.min(i + BATCH, opts.objects); j++) drafts.push(draft(col, j));
      await repo.add(drafts);
      if ((i / BATCH) % 20 === 0) log(`  ${i + drafts.length} (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    log(`built in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  const n = await repo.count(col);
  const app = createApp({ config, log: logger, metrics: createMetrics(false), storage, routers: hub.routers });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = (method: string, p: string, body?: string) =>
    new Promise<{ status: number; ms: number; body: string }>((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const req = http.request({ host: '127.0.0.1', port, path: p, method, agent, headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - t0) / 1e6, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(body);
    });

  const rnd = prng(7);
  const f = (x: number) => x.toFixed(1).padStart(7);
  const line = (name: string, count: number, ms: number[], hits: number) =>
    process.stdout.write(`${name.padEnd(44)} n=${String(count).padStart(5)}  p50 ${f(pct(ms, 50))} ms  p95 ${f(pct(ms, 95))} ms  p99 ${f(pct(ms, 99))} ms  max ${f(Math.max(...ms))} ms  (${hits} with results)\n`);
  const time = async (name: string, count: number, next: () => [string, string, string?]) => {
    const ms: number[] = [];
    let hits = 0;
    for (let i = 0; i < count; i++) {
      const [method, p, body] = next();
      const r = await request(method, p, body);
      if (r.status !== 200) throw new Error(`${name}: ${r.status} ${r.body.slice(0, 300)}`);
      if ((JSON.parse(r.body) as { results: unknown[] }).results.length) hits++;
      ms.push(r.ms);
    }
    line(name, count, ms, hits);
    return ms;
  };
  /** The baseline: the same index probes through the search repository (SQL on the pg client), no HTTP, no hub. */
  const direct = async (name: string, count: number, next: () => [string, string]) => {
    const ms: number[] = [];
    let hits = 0;
    for (let i = 0; i < count; i++) {
      const value = decodeURIComponent(next()[1].split('value=')[1]!);
      const l = lookupValue(value)!;
      const t0 = process.hrtime.bigint();
      const found = (
        await Promise.all(
          [l.keys.length ? { keys: l.keys } : undefined, l.domains.length ? { domains: l.domains } : undefined]
            .filter((m) => m !== undefined)
            .map((match) => storage.group(GROUP).search.find({ match, collections: [col], viewer: { organisation: ORG }, limit: 101 })),
        )
      ).flat();
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (found.length) hits++;
    }
    line(name, count, ms, hits);
    return ms;
  };
  const lookup = (kind?: 'ip' | 'domain' | 'hash') => (): [string, string] => {
    let i = Math.floor(rnd() * n);
    if (kind) while (valueOf(i).kind !== kind) i = (i + 1) % n;
    const miss = rnd() < 0.1;
    const v = miss ? `192.0.2.${Math.floor(rnd() * 255)}` : valueOf(i).value;
    return ['GET', `/${GROUP}/search/observables/?value=${encodeURIComponent(v)}`];
  };
  process.stdout.write(`\nsearch benchmark: ${n} indicators in one trust group, embedded PostgreSQL (${dataDir}), sequential requests over HTTP\n\n`);
  await time('warm-up (not counted)', 200, lookup());
  const mixed = await time('lookup, one value (mixed, 10 % misses)', opts.lookups, lookup());
  const base = await direct('  the same probes, repository only (baseline)', opts.lookups, lookup());
  await time('lookup, one IPv4 (with its 24 networks)', 500, lookup('ip'));
  await time('lookup, one domain (with subdomains)', 500, lookup('domain'));
  await time('lookup, one SHA-256', 500, lookup('hash'));
  await time('lookup, parent domain c2-N.example (~330)', 200, () => ['GET', `/${GROUP}/search/observables/?value=c2-${Math.floor(rnd() * 997)}.example&limit=100`]);
  await time('bulk lookup, 1,000 values', 20, () => {
    const values = Array.from({ length: 1000 }, () => valueOf(Math.floor(rnd() * n)).value);
    return ['POST', `/${GROUP}/search/observables/`, JSON.stringify({ values, limit: 100 })];
  });
  await time('text search, two words (~10k matches), page of 100', 100, () => ['GET', `/${GROUP}/search/objects/?q=sensor%20${Math.floor(rnd() * 101)}&limit=100`]);
  await time('text search + facets (5,000 counted)', 20, () => ['GET', `/${GROUP}/search/objects/?q=sensor%20${Math.floor(rnd() * 101)}&facets=true&limit=20`]);
  const p50 = pct(mixed, 50);
  const p99 = pct(mixed, 99);
  process.stdout.write(`\nratio to the baseline (HTTP / repository): p50 ×${(p50 / pct(base, 50)).toFixed(1)}, p99 ×${(p99 / pct(base, 99)).toFixed(1)}\n`);
  process.stdout.write(`${p50 < 20 ? 'PASS' : 'FAIL'}  mixed lookup p50 ${p50.toFixed(1)} ms at ${n} (target < 20 ms)\n`);
  process.stdout.write(`${p99 < 100 ? 'PASS' : 'FAIL'}  mixed lookup p99 ${p99.toFixed(1)} ms at ${n} (target < 100 ms)\n`);
  server.close();
  agent.destroy();
  await hub.stop();
  await opened.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
