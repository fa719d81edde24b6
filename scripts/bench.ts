/**
 * npm run bench: the hub's ingest and paged-pull throughput over real HTTP, each next to the raw
 * MongoDB driver doing the same database work on the same database in the same run, and the
 * hub's peak RSS. Prints figures; it is not a test (no time limits), see docs/benchmarks.md.
 *
 *   npm run bench [-- --envelopes=10 --size=1000 --page=1000 --rounds=2 --profile]
 *
 * Database: MONGODB_URI if set, else the embedded one (mongod on PATH, else FerretDB) in a
 * temporary folder. The hub runs as a child process (node --import tsx server/main.ts) so its
 * memory (/proc/<pid>/status VmHWM) is its own. --profile runs it with --cpu-prof and prints
 * where its CPU time went.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient, type Collection } from 'mongodb';
import { DEVELOPMENT_ORGANISATION } from '../server/auth/development';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../server/storage/embedded';
import type { ObjectDoc } from '../server/storage/objects';
import { startLiveHub, type LiveHub } from '../test/support/live-hub';
import { driverCollection, driverPage, toDocs } from './bench/driver';
import { generateObjects, type StixObject } from './bench/generate';
import { printSummary, summarise } from './bench/profile';

const TAXII = 'application/taxii+json;version=2.1';
const GROUP = 'bench';
const TARGET = 0.5;

function flag(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
}
const ENVELOPES = flag('envelopes', 10);
const SIZE = flag('size', 1000);
const PAGE = flag('page', 1000);
const ROUNDS = flag('rounds', 2);
const PROFILE = process.argv.includes('--profile');

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** user + system CPU time of a process, from /proc/<pid>/stat (NaN where there is no /proc). */
function cpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return NaN;
  }
}

function procStatus(pid: number): { rssMiB: number; hwmMiB: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
  } catch {
    return undefined; // not Linux
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

async function collectionIds(hub: LiveHub): Promise<Record<string, string>> {
  const res = await fetch(`${hub.url}/${GROUP}/collections/`, { headers: { accept: TAXII } });
  if (res.status !== 200) throw new Error(`GET collections: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { collections: { id: string; alias: string }[] };
  return Object.fromEntries(body.collections.map((c) => [c.alias, c.id]));
}

async function post(hub: LiveHub, col: string, body: string, expected: number): Promise<void> {
  const res = await fetch(`${hub.url}/${GROUP}/collections/${col}/objects/`, {
    method: 'POST',
    headers: { accept: TAXII, 'content-type': TAXII },
    body,
  });
  const text = await res.text();
  if (res.status !== 202) throw new Error(`POST objects: ${res.status} ${text.slice(0, 500)}`);
  const status = JSON.parse(text) as { success_count: number; failures: unknown[] };
  if (status.success_count !== expected) throw new Error(`POST objects: ${status.success_count}/${expected} stored: ${JSON.stringify(status.failures).slice(0, 800)}`);
}

/** GET objects, limit=PAGE, following next. The bodies are parsed after the clock stops. */
async function hubPull(hub: LiveHub, col: string): Promise<{ ms: number; cpuMs: number; objects: number; pages: number }> {
  const bodies: string[] = [];
  const cpu0 = cpuMs(hub.pid);
  const { ms } = await timed(async () => {
    let next: string | undefined;
    do {
      const qs = new URLSearchParams({ limit: String(PAGE), ...(next ? { next } : {}) });
      const res = await fetch(`${hub.url}/${GROUP}/collections/${col}/objects/?${qs}`, { headers: { accept: TAXII } });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`GET objects: ${res.status} ${text.slice(0, 500)}`);
      bodies.push(text);
      // The envelope starts {"more":…,"next":"…": read the cursor without parsing megabytes.
      const head = /^\{"more":(true|false)(?:,"next":("(?:[^"\\]|\\.)*"))?/.exec(text);
      next = head?.[1] === 'true' && head[2] ? (JSON.parse(head[2]) as string) : undefined;
    } while (next);
  });
  const ids = new Set<string>();
  for (const b of bodies) for (const o of (JSON.parse(b) as { objects?: StixObject[] }).objects ?? []) ids.add(o.id);
  return { ms, cpuMs: cpuMs(hub.pid) - cpu0, objects: ids.size, pages: bodies.length };
}

async function driverPull(
  objects: Collection<ObjectDoc>,
  col: string,
): Promise<{ ms: number; objects: number; pages: number; findMs: number; versionsMs: number }> {
  let count = 0;
  let pages = 0;
  let findMs = 0;
  let versionsMs = 0;
  const { ms } = await timed(async () => {
    let after: { added: string; key: string } | undefined;
    do {
      const page = await driverPage(objects, col, DEVELOPMENT_ORGANISATION, PAGE, after);
      count += page.docs.length;
      findMs += page.findMs;
      versionsMs += page.versionsMs;
      pages++;
      after = page.after;
    } while (after);
  });
  return { ms, objects: count, pages, findMs, versionsMs };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-bench-'));
  let embedded: EmbeddedDatabase | undefined;
  let uri = process.env.MONGODB_URI;
  if (!uri) {
    embedded = await startEmbeddedDatabase({ dataDir: tmp, onProgress: (m) => console.error(m) });
    uri = embedded.uri;
  }
  const profDir = path.join(tmp, 'prof');
  const hub = await startLiveHub({
    mongodbUri: uri,
    launcher: 'node',
    nodeArgs: PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    env: { PUENTE_TRUST_GROUPS: GROUP, PUENTE_RATE_LIMIT_PER_MINUTE: '1000000', PUENTE_PAGINATION_SECRET: 'b'.repeat(40) },
  });
  const client = await MongoClient.connect(uri);
  const cleanup = async () => {
    await client.close().catch(() => {});
    await hub.stop().catch(() => undefined);
    await embedded?.stop();
  };
  try {
    const db = client.db(`${hub.prefix}-${GROUP}`);
    const ids = await collectionIds(hub);
    const col = ids.indicators!;
    const warmCol = ids.incidents!;
    const hubObjects = db.collection<ObjectDoc>('objects');
    const driverObjects = await driverCollection(db, 'bench_driver_objects');
    const rss0 = procStatus(hub.pid);

    // Deterministic data: seed 1 for the warm-up, seed 2 for the measured run.
    const warm = generateObjects(SIZE, 1);
    const data = chunks(generateObjects(ENVELOPES * SIZE, 2), SIZE);
    const bodies = data.map((objects) => JSON.stringify({ objects }));
    const total = ENVELOPES * SIZE;
    console.log(`database: ${embedded ? `embedded ${embedded.kind}` : 'MONGODB_URI'}; ${ENVELOPES} envelopes x ${SIZE} objects (${fmt(bodies.reduce((a, b) => a + b.length, 0) / 1048576, 1)} MiB); pages of ${PAGE}`);

    // Warm-up: one envelope each way, into other collections.
    await post(hub, warmCol, JSON.stringify({ objects: warm }), SIZE);
    await driverObjects.insertMany(toDocs(warm, warmCol, 'development', DEVELOPMENT_ORGANISATION), { ordered: false });

    // Ingest, interleaved (hub envelope i, then driver batch i): the database file grows and
    // slows down as it goes, so running one side after the other would favour the first.
    // The driver inserts copies of the very documents the hub stored (read back, untimed), so
    // the baseline writes the same shape, derived metadata included.
    const hubIngest = { ms: 0, cpuMs: 0 };
    const driverIngest = { ms: 0 };
    for (let i = 0; i < ENVELOPES; i++) {
      const cpu0 = cpuMs(hub.pid);
      hubIngest.ms += (await timed(() => post(hub, col, bodies[i]!, SIZE))).ms;
      hubIngest.cpuMs += cpuMs(hub.pid) - cpu0;
      const keys = toDocs(data[i]!, col, 'development', DEVELOPMENT_ORGANISATION).map((d) => d._id);
      const docs = await hubObjects.find({ _id: { $in: keys } }).toArray();
      if (docs.length !== SIZE) throw new Error(`read back ${docs.length} of the ${SIZE} documents the hub stored`);
      driverIngest.ms += (await timed(() => driverObjects.insertMany(docs, { ordered: false }))).ms;
    }
    const rssIngest = procStatus(hub.pid);

    // Paged pull: the hub's own stored objects, both ways; warm-up one page each, then rounds.
    await fetch(`${hub.url}/${GROUP}/collections/${col}/objects/?limit=${PAGE}`, { headers: { accept: TAXII } }).then((r) => r.text());
    await driverPage(hubObjects, col, DEVELOPMENT_ORGANISATION, PAGE);
    const hubPulls: Awaited<ReturnType<typeof hubPull>>[] = [];
    const driverPulls: Awaited<ReturnType<typeof driverPull>>[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      hubPulls.push(await hubPull(hub, col));
      driverPulls.push(await driverPull(hubObjects, col));
    }
    for (const p of [...hubPulls, ...driverPulls]) {
      if (p.objects !== total) throw new Error(`pull returned ${p.objects} objects, expected ${total}`);
    }
    const rssEnd = procStatus(hub.pid);

    const best = <T extends { ms: number }>(xs: T[]) => xs.reduce((a, b) => (b.ms < a.ms ? b : a));
    const hp = best(hubPulls);
    const dp = best(driverPulls);
    const rate = (ms: number) => (total * 1000) / ms;
    const rows = [
      { what: 'ingest (POST envelopes)', hub: rate(hubIngest.ms), driver: rate(driverIngest.ms), hubMs: hubIngest.ms, driverMs: driverIngest.ms, cpuMs: hubIngest.cpuMs },
      { what: `paged pull (limit=${PAGE})`, hub: rate(hp.ms), driver: rate(dp.ms), hubMs: hp.ms, driverMs: dp.ms, cpuMs: hp.cpuMs },
    ];
    console.log('');
    console.log('| measure | hub objects/s | driver objects/s | hub / driver | hub ms | driver ms | hub CPU ms |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(`| ${r.what} | ${fmt(r.hub)} | ${fmt(r.driver)} | ${fmt(r.hub / r.driver, 2)} | ${fmt(r.hubMs)} | ${fmt(r.driverMs)} | ${fmt(r.cpuMs)} |`);
    }
    console.log('(hub CPU ms: user+system time of the hub process during the measured requests; the rest of its wall time it waits on the database)');
    console.log(`\npull rounds (ms): hub ${hubPulls.map((p) => fmt(p.ms)).join(', ')}; driver ${driverPulls.map((p) => fmt(p.ms)).join(', ')} (${hp.pages} pages each)`);
    console.log(
      `driver pull split: page find ${fmt(dp.findMs)} ms, version-resolution find ($in over the page's ids) ${fmt(dp.versionsMs)} ms ` +
        `(${fmt((100 * dp.versionsMs) / dp.ms)}% of the pull)`,
    );
    if (rssEnd) {
      console.log(
        `hub RSS: ${fmt(rss0?.rssMiB ?? NaN)} MiB after start, ${fmt(rssIngest?.rssMiB ?? NaN)} MiB after ingest, ` +
          `${fmt(rssEnd.rssMiB)} MiB at the end; peak (VmHWM) ${fmt(rssEnd.hwmMiB)} MiB`,
      );
    } else {
      console.log('hub RSS: not available (no /proc)');
    }
    console.log('');
    for (const r of rows) {
      const ratio = r.hub / r.driver;
      console.log(`${ratio >= TARGET ? 'PASS' : 'MISS'}  ${r.what}: hub/driver = ${fmt(ratio, 2)} (target >= ${TARGET})`);
    }
    console.log(`\ntotal ${fmt((Date.now() - started) / 1000, 1)} s`);
  } finally {
    await cleanup();
  }
  if (PROFILE) {
    // One profile per thread; tsx's loader runs in a worker. The main thread's is the largest.
    const files = fs.existsSync(profDir) ? fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')) : [];
    files.sort((a, b) => fs.statSync(path.join(profDir, b)).size - fs.statSync(path.join(profDir, a)).size);
    if (files.length === 0) console.log('\nno CPU profile was written');
    else {
      const kept = path.join(os.tmpdir(), `puente-hub-${files[0]}`);
      fs.copyFileSync(path.join(profDir, files[0]!), kept);
      console.log(`\nhub CPU profile (main thread): ${kept}\n`);
      printSummary(summarise(kept), 30);
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
