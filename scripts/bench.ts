/**
 * npm run bench: the hub over real HTTP as its store grows to 1,000,000 objects in one trust
 * group, each figure next to the database client running the same statements on the same
 * database (scripts/bench/baseline.ts). Prints tables and the targets; it is not a test (no time
 * limits), see docs/benchmarks.md.
 *
 *   npm run bench [-- --backend postgres|mongodb --max N --sizes 1000,10000 --fresh
 *                     --concurrency 3 --envelopes 20 --reps 7 --pull-budget 60 --explain --profile]
 *
 * Stores are built once into .cache/bench-data/<backend>/ and kept (--fresh rebuilds them).
 * The hub runs as a child process, compiled first (npm run build) and started with the node flags
 * of `npm start` (node … dist/server/main.js), so the figures are the production hub's and /proc
 * gives its own CPU and memory; --profile runs it with --cpu-prof and prints where its CPU time went.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { REPO_ROOT } from '../server/paths';
import type { Backend } from '../server/storage/contract';
import { connectMongo, connectPostgres, type Baseline, type Position } from './bench/baseline';
import { HubClient } from './bench/http';
import { timeIngest } from './bench/ingest';
import { hwmKiB, MemorySampler } from './bench/procs';
import { printSummary, summarise } from './bench/profile';
import { ranksFor, readSpecs, timePull, timeRead, type Figure, type ReadName } from './bench/reads';
import { printBuild, printTables, targets, type StageResult } from './bench/report';
import { PREFIX, startServers, type Servers } from './bench/servers';
import { ensureStore, groupName, readManifest } from './bench/store';
import { fmt, mib, size } from './bench/stats';

const SIZES = [1_000, 10_000, 100_000, 1_000_000];

const program = new Command()
  .name('bench')
  .addOption(new Option('--backend <backend>', 'database under the hub').choices(['postgres', 'mongodb']).default('postgres'))
  .option('--max <n>', 'largest store size', (v) => Number(v))
  .option('--sizes <list>', 'store sizes, comma-separated', (v) => v.split(',').map(Number), SIZES)
  .option('--fresh', 'delete the kept stores and build them again', false)
  .option('--concurrency <n>', 'POSTs in flight while ingesting', (v) => Number(v), 3)
  .option('--envelopes <n>', 'probe envelopes of 1,000 per ingest burst', (v) => Number(v), 20)
  .option('--reps <n>', 'timed requests per read figure and side (median)', (v) => Number(v), 7)
  .option('--pull-budget <s>', 'seconds each side may spend on the pull before it stops (FerretDB)', (v) => Number(v), 60)
  .option('--data-dir <dir>', 'where the stores are kept', path.join(REPO_ROOT, '.cache', 'bench-data'))
  .option('--explain', 'print EXPLAIN ANALYZE of the statements of each read at the largest size (postgres)', false)
  .option('--profile', "profile the hub's CPU (node --cpu-prof) and print where its time went", false)
  .parse();

const opts = program.opts<{
  backend: Backend; max?: number; sizes: number[]; fresh: boolean; concurrency: number; envelopes: number;
  reps: number; pullBudget: number; dataDir: string; explain: boolean; profile: boolean;
}>();

const log = (m: string) => process.stderr.write(`${m}\n`);

function sizesOf(): number[] {
  const bad = opts.sizes.find((s) => !Number.isInteger(s) || s < 1000);
  if (bad !== undefined) throw new Error(`--sizes: ${bad} is not a whole number of at least 1000`);
  const out = opts.max === undefined ? [...opts.sizes] : opts.sizes.filter((s) => s <= opts.max!);
  if (opts.max !== undefined && !out.includes(opts.max)) out.push(opts.max);
  return [...new Set(out)].sort((a, b) => a - b);
}

async function measure(servers: Servers, baseline: Baseline, sampler: MemorySampler, n: number): Promise<StageResult> {
  const hub = new HubClient(servers.hub.url, groupName(n));
  const cols = await hub.collections();
  const col = cols.indicators!;
  sampler.reset();
  const built = await ensureStore({ hub, baseline, col, size: n, concurrency: opts.concurrency, dataDir: dataDir(), log });
  const buildPeaks = sampler.reset();
  const record = built ?? readManifest(dataDir()).groups[hub.group];
  if (record && n === Math.max(...sizesOf())) printBuild(hub.group, record, built ? buildPeaks : undefined);

  log(`measuring ${size(n)}…`);
  const ranks = ranksFor(n);
  const at = new Map<number, Position>((await baseline.positions(hub.group, col, ranks)).map((p, i) => [ranks[i]!, p]));
  const reads: Partial<Record<ReadName, Figure>> = {};
  for (const spec of await readSpecs(hub, col, n, at)) {
    reads[spec.name] = await timeRead(hub, baseline, spec, opts.reps);
    if (opts.explain && n === Math.max(...sizesOf())) {
      for (const plan of await baseline.explain(hub.group, spec.query)) {
        // Statements carry up to 1,000 ids: cut long lines.
        console.log(`\n${spec.name} at ${size(n)}:\n${plan.split('\n').map((l) => (l.length > 240 ? `${l.slice(0, 240)}…` : l)).join('\n')}`);
      }
    }
  }
  log(`  pull…`);
  const pull = await timePull(hub, baseline, col, n, at, opts.pullBudget * 1000);
  log(`  ingest…`);
  const ingest = await timeIngest({
    hub, baseline, probeCol: cols.incidents!, envelopes: opts.envelopes, concurrency: opts.concurrency, hubPid: servers.hub.pid, dbPid: servers.dbPid,
  });
  return { size: n, reads, pull, ingest, memory: sampler.reset() };
}

const dataDir = () => path.join(opts.dataDir, opts.backend);

async function main(): Promise<void> {
  const started = Date.now();
  const sizes = sizesOf();
  if (opts.fresh) fs.rmSync(dataDir(), { recursive: true, force: true });
  log('building the hub (npm run build)…');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  const profDir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-bench-prof-'));
  const servers = await startServers({
    backend: opts.backend,
    dataDir: dataDir(),
    groups: sizes.map(groupName),
    nodeArgs: opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    log,
  });
  const baseline = opts.backend === 'postgres' ? await connectPostgres(servers.url, PREFIX, opts.concurrency + 2) : await connectMongo(servers.url, PREFIX);
  const sampler = new MemorySampler(servers.hub.pid, servers.dbPid);
  sampler.start();
  const stages: StageResult[] = [];
  let hubPeak = 0;
  try {
    log(`database: ${servers.describe}; hub pid ${servers.hub.pid}; sizes ${sizes.map(size).join(', ')}`);
    for (const n of sizes) stages.push(await measure(servers, baseline, sampler, n));
    hubPeak = hwmKiB(servers.hub.pid);
  } finally {
    sampler.stop();
    await baseline.close().catch(() => {});
    await servers.stop();
  }

  printTables(opts.backend, stages, os.cpus().length, servers.describe);
  for (const s of stages) console.log(`\npull check at ${size(s.size)}: ${s.pull.check}`);
  console.log(`\nhub peak RSS over the whole run (VmHWM, the build included): ${mib(hubPeak)} MiB`);
  if (opts.backend === 'postgres') {
    console.log('\nTargets (the embedded default):');
    for (const t of targets(stages)) console.log(`${t.ok ? 'PASS' : 'FAIL'}  ${t.line}`);
  }
  console.log(`\ntotal ${fmt((Date.now() - started) / 1000, 0)} s`);

  if (opts.profile) {
    // One profile per thread; tsx's loader runs in a worker. The main thread's is the largest.
    const files = fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
    files.sort((a, b) => fs.statSync(path.join(profDir, b)).size - fs.statSync(path.join(profDir, a)).size);
    if (files.length === 0) console.log('\nno CPU profile was written');
    else {
      const kept = path.join(os.tmpdir(), `puente-hub-${files[0]}`);
      fs.copyFileSync(path.join(profDir, files[0]!), kept);
      console.log(`\nhub CPU profile (main thread): ${kept}\n`);
      printSummary(summarise(kept), 30);
    }
  }
  fs.rmSync(profDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
