/**
 * npm run bench:correlate — one incremental correlation run over 10,000 new objects against a
 * group holding 1,000,000 stored ones, through the storage contract (embedded PostgreSQL by
 * default). Data goes in through the one write path, `objects.add`, with the metadata ingestion
 * derives (observable keys, link ends); loading is not measured.
 *
 *   npm run bench:correlate -- [--backend postgres|mongodb] [--runs 3] [--keep-data DIR | --reuse-data DIR]
 *   BENCH_EXISTING=20000 BENCH_NEW=2000   (defaults: 1000000 / 10000 on postgres, 20000 / 2000 on mongodb)
 *
 * mongodb starts the embedded MongoDB-compatible server (a `mongod` on PATH, else FerretDB, which
 * scans the table for every query: small sizes, no verdict). Each run is a fresh process (as
 * `npm run correlate` would be) against the same database server, from the same state (no alerts,
 * checkpoint at the end of the existing data). Per run: time, peak RSS of the run's process, PSS of
 * the database server's process tree, CPU seconds of both, time per phase and per read; then the
 * median and, for 1,000,000 / 10,000 on postgres, a PASS/FAIL line against the 30 s target.
 * --keep-data DIR loads into DIR and keeps it; --reuse-data DIR reuses it (sizes in DIR/bench.json).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Command } from 'commander';
import pino from 'pino';
import { visibilityOf } from '../server/auth/visibility';
import { TLP2_MARKING_IDS } from '../server/stix/markings';
import { loadConfig } from '../server/config';
import { observableKeysOf, PhaseTimes } from '../server/correlation';
import { CORRELATION_JOB, CorrelationEngine, comparisonsOf } from '../server/correlation/engine';
import { linkEndsOf } from '../server/correlation/loader';
import { correlationConfigs, loadIcs } from '../server/jobs/config';
import { versionKey } from '../server/storage/clock';
import { collectionId } from '../server/storage/collections';
import type { Backend, Checkpoint, GraphReader, GroupStorage, ObjectGraph, Storage } from '../server/storage/contract';
import { startEmbeddedDatabase } from '../server/storage/mongo/embedded';
import { MongoStorage } from '../server/storage/mongo/database';
import type { ObjectDoc, ObjectDraft } from '../server/storage/objects';
import { startEmbeddedPostgres } from '../server/storage/postgres/embedded';
import { PostgresStorage } from '../server/storage/postgres/database';
import { TrustGroups } from '../server/storage/trust-groups';
import { prng } from './bench/prng';

const TARGET_S = 30;
const TARGET = { existing: 1_000_000, fresh: 10_000 };
const PREFIX = 'bench';
const GROUP = 'bench';
const OTHER = 'other';
const OTHER_N = 5000;
const BATCH = 5000;
const SAMPLE_MS = 200;
const SETTLE_FROM = 100_000;
const SETTLE_QUIET_MS = 65_000;
const SETTLE_MAX_MS = 600_000;
const ORGS = Array.from({ length: 8 }, (_, i) => `identity--0000000${i}-0000-4000-8000-00000000000${i}`);
const ts = '2026-01-01T00:00:00.000Z';

/**
 * Seeded STIX objects. Identities and threats go into pools that later objects refer to, so the
 * new objects link into the stored graph (and ICS techniques, a hub every run reaches).
 */
class Generator {
  private readonly identities: string[] = [];
  private readonly threats: string[] = [];
  private readonly r: () => number;

  constructor(
    seed: number,
    private readonly ics: string[],
    private readonly markings: string[] = [],
  ) {
    this.r = prng(seed);
  }

  private int(n: number): number {
    return Math.floor(this.r() * n);
  }

  private pick(xs: string[]): string | undefined {
    return xs[this.int(xs.length)];
  }

  private uuid(): string {
    const h = Array.from({ length: 4 }, () => this.int(2 ** 32).toString(16).padStart(8, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.int(4)]}${h.slice(17, 20)}-${h.slice(20)}`;
  }

  next(n: number): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    const sectors = ['energy', 'retail', 'water', 'education', 'healthcare', 'technology'];
    const marks = this.markings.length ? { object_marking_refs: this.markings } : {};
    const sdo = { spec_version: '2.1', created: ts, modified: ts, ...marks };
    while (out.length < n) {
      const r = this.r();
      const ip = `${10 + this.int(200)}.${this.int(256)}.${this.int(256)}.${this.int(256)}`;
      if (r < 0.05 || this.identities.length === 0) {
        const id = `identity--${this.uuid()}`;
        this.identities.push(id);
        out.push({ type: 'identity', ...sdo, id, name: 'Org', identity_class: 'organization', sectors: [sectors[out.length % sectors.length]] });
      } else if (r < 0.45) {
        const id = `indicator--${this.uuid()}`;
        this.threats.push(id);
        const pattern = this.r() < 0.6 ? `[ipv4-addr:value = '${ip}']` : `[domain-name:value = 'h${this.int(5000)}.example.net']`;
        out.push({ type: 'indicator', ...sdo, id, pattern, pattern_type: 'stix', valid_from: ts, indicator_types: ['malicious-activity'] });
      } else if (r < 0.55) {
        const id = `malware--${this.uuid()}`;
        this.threats.push(id);
        out.push({ type: 'malware', ...sdo, id, name: 'Family', is_family: true });
      } else if (r < 0.6) {
        out.push({ type: 'ipv4-addr', spec_version: '2.1', id: `ipv4-addr--${this.uuid()}`, value: ip, ...marks });
      } else if (r < 0.68) {
        const of = this.pick(this.threats) ?? `indicator--${this.uuid()}`;
        out.push({ type: 'sighting', ...sdo, id: `sighting--${this.uuid()}`, sighting_of_ref: of, where_sighted_refs: [this.pick(this.identities)] });
      } else {
        const from = this.pick(this.threats) ?? `malware--${this.uuid()}`;
        const useIcs = this.ics.length > 0 && this.r() < 0.03;
        const to = useIcs ? this.pick(this.ics)! : this.r() < 0.5 ? this.pick(this.identities)! : (this.pick(this.threats) ?? from);
        const type = useIcs ? 'uses' : to.startsWith('identity') ? 'targets' : 'indicates';
        out.push({ type: 'relationship', ...sdo, id: `relationship--${this.uuid()}`, relationship_type: type, source_ref: from, target_ref: to });
      }
    }
    return out;
  }
}

/** Drafts as taxii/ingest.ts builds them, with the correlation metadata of hub.ts (deriveMeta). */
function drafts(objects: Record<string, unknown>[], col: string, first: number): ObjectDraft[] {
  return objects.map((stix, i) => {
    const raw = JSON.stringify(stix);
    const version = typeof stix.modified === 'string' ? stix.modified : undefined;
    const ver = version ? versionKey(version) : undefined;
    const org = ORGS[(first + i) % ORGS.length]!;
    const vis = visibilityOf(stix, org);
    const keys = observableKeysOf(stix as Parameters<typeof observableKeysOf>[0], comparisonsOf);
    const links = linkEndsOf(stix);
    return {
      col,
      raw,
      versionPart: ver ?? `h:${crypto.createHash('sha256').update(raw).digest('hex').slice(0, 32)}`,
      meta: {
        id: String(stix.id).toLowerCase(),
        type: String(stix.type),
        sv: '2.1',
        ...(ver ? { ver, verRaw: version } : {}),
        sub: 'bench',
        org,
        tlp: vis.tlp,
        readers: vis.readers,
        restricted: vis.readers.length > 0,
        ...(keys.length ? { keys } : {}),
        ...(links.length ? { links } : {}),
      },
    };
  });
}

function readProc(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // gone, or not Linux
  }
}

/** Peak resident set (VmHWM) of this process, in MB. */
function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readProc('/proc/self/status') ?? '');
  return m ? Math.round(Number(m[1]) / 1024) : Math.round(process.memoryUsage().rss / 1048576);
}

/**
 * The database server as a process tree: the postmaster and its backends, or FerretDB alone.
 * CPU includes children that exited (the root waited for them: cutime/cstime), so a run's
 * backends count after they are gone. Memory is PSS, so shared buffers count once, sampled.
 */
class ServerTree {
  constructor(readonly root: number) {}

  private pids(): number[] {
    const out: number[] = [];
    for (const todo = [this.root]; todo.length > 0; ) {
      const pid = todo.pop()!;
      out.push(pid);
      for (const task of fs.existsSync(`/proc/${pid}/task`) ? fs.readdirSync(`/proc/${pid}/task`) : []) {
        todo.push(...(readProc(`/proc/${pid}/task/${task}/children`) ?? '').trim().split(/\s+/).filter(Boolean).map(Number));
      }
    }
    return out;
  }

  cpuS(): number {
    let ticks = 0;
    for (const pid of this.pids()) {
      const f = (readProc(`/proc/${pid}/stat`) ?? '').split(') ')[1]?.split(' ');
      if (f) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
    }
    return ticks / 100; // USER_HZ
  }

  pssMb(): number {
    let kb = 0;
    for (const pid of this.pids()) kb += Number(/^Pss:\s+(\d+) kB/m.exec(readProc(`/proc/${pid}/smaps_rollup`) ?? '')?.[1] ?? 0);
    return Math.round(kb / 1024);
  }
}

/** Our child whose command name matches (the embedded FerretDB or mongod has no pid in its handle). */
function childNamed(re: RegExp): number | undefined {
  const kids = (readProc(`/proc/${process.pid}/task/${process.pid}/children`) ?? '').trim().split(/\s+/).filter(Boolean);
  const pid = kids.find((k) => re.test(readProc(`/proc/${k}/comm`) ?? ''));
  return pid ? Number(pid) : undefined;
}

interface Server {
  backend: Backend;
  url: string;
  kind: string;
  tree?: ServerTree;
  stop(): Promise<void>;
}

async function startServer(backend: Backend, dir: string): Promise<Server> {
  if (backend === 'postgres') {
    const pg = await startEmbeddedPostgres({ dataDir: dir, onProgress: (m) => console.log(m) });
    return { backend, url: pg.url, kind: 'embedded PostgreSQL', tree: new ServerTree(pg.pid), stop: () => pg.stop() };
  }
  const db = await startEmbeddedDatabase({ dataDir: dir, onProgress: (m) => console.log(m) });
  const pid = childNamed(/ferretdb|mongod/);
  return { backend, url: db.uri, kind: db.kind, tree: pid ? new ServerTree(pid) : undefined, stop: () => db.stop() };
}

function connect(backend: Backend, url: string): Promise<Storage> {
  return backend === 'postgres' ? PostgresStorage.connect(url, { prefix: PREFIX }) : MongoStorage.connect(url, { prefix: PREFIX });
}

interface Manifest {
  backend: Backend;
  existing: number;
  fresh: number;
  /** Checkpoint at the end of the existing data: where every run starts. */
  checkpoint: Checkpoint;
  /** The last object loaded: anything after it in the group is a run's alerts. */
  end: Checkpoint;
}

type Reads = Record<string, { calls: number; values: number; rows: number; ms: number }>;

interface RunReport {
  ms: number;
  cpuS: number;
  peakMb: number;
  counts: Record<string, number>;
  phases: [string, number][];
  reads: Reads;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** The graph reads of every group, counted and timed (the backends do not time them). */
function countedGraph(graph: ObjectGraph, reads: Reads): ObjectGraph {
  const count = async (name: string, values: number, read: () => Promise<unknown[]>) => {
    const t = performance.now();
    const rows = await read();
    const r = (reads[name] ??= { calls: 0, values: 0, rows: 0, ms: 0 });
    r.calls++;
    r.values += values;
    r.rows += rows.length;
    r.ms += performance.now() - t;
    return rows;
  };
  return {
    reader(cols, phases) {
      const r = graph.reader(cols, phases);
      const counted: GraphReader = {
        newObjects: (after, until, limit) => count('newObjects', 0, () => r.newObjects(after, until, limit)) as Promise<ObjectDoc[]>,
        byIds: (ids) => count('byIds', ids.length, () => r.byIds(ids)) as Promise<ObjectDoc[]>,
        linksTouching: (ids) => count('linksTouching', ids.length, () => r.linksTouching(ids)) as Promise<ObjectDoc[]>,
        byKeys: (keys, since) => count('byKeys', keys.length, () => r.byKeys(keys, since)) as Promise<ObjectDoc[]>,
      };
      return counted;
    },
    shareableKeyReports: (keys, since, opts) =>
      count('shareableKeyReports', keys.length, () => graph.shareableKeyReports(keys, since, opts)) as ReturnType<ObjectGraph['shareableKeyReports']>,
  };
}

/** The storage with counted graph reads; one group handle per group, as the contract requires. */
function withCountedReads(storage: Storage, reads: Reads): Storage {
  const groups = new Map<string, GroupStorage>();
  const counted = Object.create(storage) as Storage;
  counted.group = (name) => {
    let g = groups.get(name);
    if (!g) {
      const real = storage.group(name);
      groups.set(name, (g = { ...real, graph: countedGraph(real.graph, reads) }));
    }
    return g;
  };
  return counted;
}

/** The measured part, in its own process: one incremental run of the engine. */
async function runOnce(backend: Backend, url: string): Promise<void> {
  const storage = await connect(backend, url);
  try {
    const config = loadConfig({ PUENTE_CORRELATION_SETTLE_MS: '0' });
    const reads: Reads = {};
    const engine = new CorrelationEngine({
      groups: new TrustGroups(withCountedReads(storage, reads)),
      configFor: correlationConfigs(config, {}),
      ics: loadIcs(config.attackIcsPath, () => {}),
      log: pino({ level: 'silent' }),
      settleMs: 0,
    });
    const phases = new PhaseTimes();
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    const counts = await engine.run(GROUP, { phases });
    const ms = performance.now() - t;
    const cpu = process.cpuUsage(cpu0);
    const report: RunReport = { ms, cpuS: (cpu.user + cpu.system) / 1e6, peakMb: peakRssMb(), counts, phases: phases.entries(), reads };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await storage.close();
  }
}

function child(backend: Backend, url: string): Promise<RunReport> {
  return new Promise((resolve, reject) => {
    // Same node flags (the tsx loader), this script, one run.
    const env = { ...process.env, BENCH_CHILD: JSON.stringify({ backend, url }) };
    const p = spawn(process.execPath, [...process.execArgv, __filename], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.once('error', reject);
    p.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`run exited with code ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as RunReport);
    });
  });
}

/**
 * After a large load autovacuum still has the table to vacuum and analyze (GIN pending lists,
 * statistics); the runs should not share the machine with it. Waits until the server has been
 * idle for one autovacuum naptime (60 s) and a margin.
 */
async function settle(tree: ServerTree): Promise<void> {
  const t = performance.now();
  console.log('waiting for the database server to settle (autovacuum after the load; not measured)…');
  let quietSince = performance.now();
  for (let cpu = tree.cpuS(); performance.now() - quietSince < SETTLE_QUIET_MS && performance.now() - t < SETTLE_MAX_MS; ) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = tree.cpuS();
    if (now - cpu > 0.05) quietSince = performance.now();
    cpu = now;
  }
  console.log(`  settled in ${((performance.now() - t) / 1000).toFixed(0)} s`);
}

/** Runs `work` while sampling the server tree's PSS; returns the work's result and the peak seen. */
async function sampled<T>(tree: ServerTree | undefined, work: () => Promise<T>): Promise<{ result: T; peakMb?: number }> {
  if (!tree) return { result: await work() };
  let peak = tree.pssMb();
  const timer = setInterval(() => (peak = Math.max(peak, tree.pssMb())), SAMPLE_MS);
  try {
    const result = await work();
    return { result, peakMb: Math.max(peak, tree.pssMb()) };
  } finally {
    clearInterval(timer);
  }
}

async function main() {
  if (process.env.BENCH_CHILD) {
    const { backend, url } = JSON.parse(process.env.BENCH_CHILD) as { backend: Backend; url: string };
    return runOnce(backend, url);
  }
  const opts = new Command()
    .option('--backend <name>', 'postgres (embedded PostgreSQL) or mongodb (embedded mongod or FerretDB)', 'postgres')
    .option('--runs <n>', 'incremental runs over the same data (median reported)', '1')
    .option('--keep-data <dir>', 'load into <dir> and keep it for --reuse-data')
    .option('--reuse-data <dir>', 'run over data prepared by --keep-data (no load)')
    .parse()
    .opts<{ backend: string; runs: string; keepData?: string; reuseData?: string }>();
  if (opts.backend !== 'postgres' && opts.backend !== 'mongodb') throw new Error(`--backend ${opts.backend}: expected postgres or mongodb`);
  const backend: Backend = opts.backend;
  const runs = Math.max(1, Number(opts.runs));
  const kept = opts.reuseData ?? opts.keepData;
  const dir = kept ? path.resolve(kept) : fs.mkdtempSync(path.join(os.tmpdir(), 'puente-bench-corr-'));
  const manifestPath = path.join(dir, 'bench.json');
  if (opts.reuseData && !fs.existsSync(manifestPath)) throw new Error(`${manifestPath} not found: prepare it with --keep-data ${opts.reuseData}`);
  if (opts.keepData && fs.existsSync(manifestPath)) throw new Error(`${dir} already holds bench data: use --reuse-data ${opts.keepData}`);
  let manifest: Manifest | undefined;
  if (opts.reuseData) {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest;
    if (manifest.backend !== backend) throw new Error(`${dir} holds ${manifest.backend} data: run with --backend ${manifest.backend}`);
  }
  fs.mkdirSync(dir, { recursive: true });
  // As root the embedded PostgreSQL runs as user postgres, which must get through to <dir>/postgres.
  if (!kept) fs.chmodSync(dir, 0o711);
  const server = await startServer(backend, dir);
  const storage = await connect(backend, server.url).catch(async (err: unknown) => {
    await server.stop();
    throw err;
  });
  try {
    if (manifest) {
      console.log(`reusing ${dir}: ${manifest.existing} existing objects, ${manifest.fresh} new`);
      // Kept data of an earlier version: its schema takes this version's migrations first.
      const t = performance.now();
      await storage.group(GROUP).ensure();
      console.log(`schema migrated to this version in ${((performance.now() - t) / 1000).toFixed(1)} s (not measured)`);
    }
    else {
      const small = backend === 'mongodb';
      const existing = Number(process.env.BENCH_EXISTING ?? (small ? 20_000 : TARGET.existing));
      const fresh = Number(process.env.BENCH_NEW ?? (small ? 2000 : TARGET.fresh));
      manifest = await load(storage, backend, existing, fresh);
      if (opts.keepData) fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
      if (server.tree && backend === 'postgres' && existing >= SETTLE_FROM) await settle(server.tree);
    }
    const g = storage.group(GROUP);
    const alertsCol = collectionId(GROUP, 'alerts');
    const reports: (RunReport & { dbCpuS?: number; dbPeakMb?: number })[] = [];
    const tree = server.tree;
    const loadavg = () => (readProc('/proc/loadavg') ?? 'n/a').split(' ').slice(0, 3).join(' ');
    console.log(`load average before the runs: ${loadavg()}`);
    for (let r = 1; r <= runs; r++) {
      const t = performance.now();
      const deleted = await reset(g, alertsCol, manifest);
      console.log(`reset: ${deleted} alerts deleted, checkpoint set back, in ${((performance.now() - t) / 1000).toFixed(1)} s (not measured)`);
      const dbCpu0 = tree?.cpuS() ?? 0;
      const { result, peakMb } = await sampled(tree, () => child(backend, server.url));
      const rep = { ...result, ...(tree ? { dbCpuS: tree.cpuS() - dbCpu0, dbPeakMb: peakMb } : {}) };
      reports.push(rep);
      console.log(`run ${r}/${runs}: ${(rep.ms / 1000).toFixed(1)} s; peak RSS ${rep.peakMb} MB${tree ? ` + database server ${rep.dbPeakMb} MB (PSS)` : ''}; ` +
        `CPU ${rep.cpuS.toFixed(1)} s${tree ? ` + database server ${rep.dbCpuS!.toFixed(1)} s` : ''}`);
      console.log(`  ${JSON.stringify(rep.counts)}`);
      // Phases nest: "new objects" and "preload" include "parse"; "preload" includes "other groups" and "graph build".
      for (const [p, v] of rep.phases) console.log(`  ${p.padEnd(22)} ${(v / 1000).toFixed(2).padStart(7)} s`);
      for (const [name, x] of Object.entries(rep.reads)) {
        console.log(`  read ${name.padEnd(20)} ${(x.ms / 1000).toFixed(2).padStart(7)} s  ${x.calls} calls, ${x.values} values, ${x.rows} rows`);
      }
    }
    const med = median(reports.map((x) => x.ms)) / 1000;
    const cpuMed = (xs: number[]) => median(xs).toFixed(1);
    console.log(`incremental run: ${manifest.fresh} new objects over ${manifest.existing} stored, ${server.kind}, ${os.cpus().length} CPUs, load average after ${loadavg()}`);
    console.log(`median of ${runs}: ${med.toFixed(1)} s (runs ${reports.map((x) => (x.ms / 1000).toFixed(1)).join(', ')}); ` +
      `peak RSS ${Math.max(...reports.map((x) => x.peakMb))} MB${tree ? ` + database server ${Math.max(...reports.map((x) => x.dbPeakMb ?? 0))} MB (PSS)` : ''}; ` +
      `median CPU ${cpuMed(reports.map((x) => x.cpuS))} s${tree ? ` + database server ${cpuMed(reports.map((x) => x.dbCpuS ?? 0))} s` : ''}`);
    if (backend !== 'postgres' || manifest.existing !== TARGET.existing || manifest.fresh !== TARGET.fresh) {
      console.log(`NO VERDICT: the ${TARGET_S} s target is for ${TARGET.fresh} new objects over ${TARGET.existing} stored, on the embedded PostgreSQL`);
    } else {
      console.log(`${med < TARGET_S ? 'PASS' : 'FAIL'}: median ${med.toFixed(1)} s ${med < TARGET_S ? '<' : '>='} ${TARGET_S} s target`);
      if (med >= TARGET_S) process.exitCode = 1;
    }
  } finally {
    await storage.close();
    await server.stop();
    if (!kept) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Back to the state right after loading: no alerts, checkpoint at the end of the existing data.
 * The contract deletes by key only: alerts are found by a scan from the end of the loaded data
 * (index added_key), which reads only what runs added.
 */
async function reset(g: GroupStorage, alertsCol: string, m: Manifest): Promise<number> {
  const keys: string[] = [];
  for (let after: Checkpoint = m.end; ; ) {
    const docs = await g.objects.scan(after, BATCH);
    for (const d of docs) if (d.col === alertsCol) keys.push(d._id);
    if (docs.length < BATCH) break;
    const last = docs[docs.length - 1]!;
    after = { added: last.meta.added, key: last._id };
  }
  const deleted = keys.length ? await g.objects.deleteByKeys(keys) : 0;
  await g.checkpoints.set(CORRELATION_JOB, m.checkpoint);
  return deleted;
}

/** Adds `n` generated objects in batches; returns the last stored document's position. */
async function addAll(g: GroupStorage, gen: Generator, col: string, n: number, progress: (done: number) => void): Promise<Checkpoint> {
  let last: ObjectDoc | undefined;
  for (let done = 0; done < n; ) {
    const size = Math.min(BATCH, n - done);
    const { docs } = await g.objects.add(drafts(gen.next(size), col, done));
    // date_added increases in draft order within a call, and from one call to the next.
    last = docs[docs.length - 1] ?? last;
    done += size;
    progress(done);
  }
  if (!last) throw new Error('nothing was loaded');
  return { added: last.meta.added, key: last._id };
}

/** Loads OTHER_N TLP:CLEAR objects in another group, EXISTING objects, notes the checkpoint, then NEW objects. */
async function load(storage: Storage, backend: Backend, existingN: number, freshN: number): Promise<Manifest> {
  const groups = new TrustGroups(storage);
  await groups.ensure(GROUP);
  await groups.ensure(OTHER);
  const ics = loadIcs(loadConfig({}).attackIcsPath, () => {});
  const icsIds = [...ics.byStixId.keys()].slice(0, 40);
  const t = performance.now();
  let shown = 0;
  const progress = (label: string, total: number) => (done: number) => {
    if (done !== total && done - shown < 100_000) return;
    shown = done === total ? 0 : done;
    const s = (performance.now() - t) / 1000;
    console.log(`  ${label}: ${done}/${total} (${s.toFixed(0)} s)`);
  };
  await addAll(storage.group(OTHER), new Generator(2, [], [TLP2_MARKING_IDS.clear]), collectionId(OTHER, 'indicators'), OTHER_N, () => {});
  const g = storage.group(GROUP);
  const col = collectionId(GROUP, 'indicators');
  const gen = new Generator(1, icsIds);
  const checkpoint = await addAll(g, gen, col, existingN, progress('existing', existingN));
  const end = await addAll(g, gen, col, freshN, progress('new', freshN));
  console.log(`loaded ${existingN} existing + ${freshN} new objects (+${OTHER_N} in another group) in ${((performance.now() - t) / 1000).toFixed(1)} s (not measured)`);
  return { backend, existing: existingN, fresh: freshN, checkpoint, end };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
