/**
 * The benchmark's output: one table per family of figures (rows = stored size), each figure with
 * its ratio to the client next to it (× = hub time ÷ client time for the same work), the targets
 * of the embedded default as PASS/FAIL lines, and the curve of the build.
 */
import type { Backend } from '../../server/storage/contract';
import type { IngestFigure } from './ingest';
import type { MemoryPeaks, CpuSplit } from './procs';
import type { Figure, Pull, ReadName } from './reads';
import type { BuildRecord } from './store';
import { fmt, median, mib, ms, quantile, size, table } from './stats';

export interface StageResult {
  size: number;
  reads: Partial<Record<ReadName, Figure>>;
  pull: Pull;
  ingest: IngestFigure;
  memory: MemoryPeaks;
}

const PAGES: [ReadName, string][] = [
  ['first100', 'first 100'],
  ['first1000', 'first 1000'],
  ['next100@50', 'next 100 @50%'],
  ['next100@99', 'next 100 @99%'],
  ['next1000@50', 'next 1000 @50%'],
  ['next1000@99', 'next 1000 @99%'],
];
const OTHER: [ReadName, string][] = [
  ['poll', 'poll: added_after, newest 100'],
  ['manifest', 'manifest 100 @50%'],
  ['object', 'get object'],
];

const ratio = (hub: number, client: number) => `×${fmt(hub / client, hub / client < 10 ? 1 : 0)}`;

function cell(f: Figure | undefined, clampedNotes: Set<string>, s: number): string {
  if (!f) return 'n/a';
  const mark = f.clampedTo !== undefined ? '*' : '';
  if (mark) clampedNotes.add(`${size(s)}: at ${fmt(f.clampedTo! * 100, 1)}%`);
  return `${ms(f.hubMs)}${mark} (${ratio(f.hubMs, f.clientMs)})`;
}

const pullRate = (p: Pull) => (p.hubObjects * 1000) / p.hubMs;
const ingestRate = (i: IngestFigure) => (i.envelopes * 1000 * 1000) / i.hubWallMs;

function cores(c: CpuSplit): string {
  const k = (x: number) => fmt(x / c.wallMs, 2);
  return `${k(c.hubMs)} (JS ${k(c.hubMainMs)}) / ${k(c.dbMs)} (${k(c.dbBusiestMs)}) / ${k(c.benchMs)}`;
}

/** What the CPU split says bounds the rate. */
export function bound(c: CpuSplit, cpus: number): string {
  const share = (x: number) => x / c.wallMs;
  const busy = share(c.hubMs + c.dbMs + c.benchMs);
  const waiting = share(c.hubWaitMs + c.dbWaitMs);
  if (share(c.hubMainMs) >= 0.85) return "the hub's JS thread";
  if (share(c.dbBusiestMs) >= 0.85) return 'one database process';
  if (busy >= cpus * 0.85) return `CPU: the ${cpus} cores busy`;
  if (waiting >= 0.3) return `CPU: cores taken by other processes (${fmt(busy, 2)} busy)`;
  return `waits: fsync, round trips (${fmt(busy, 2)} of ${cpus} cores busy)`;
}

export function printTables(backend: Backend, stages: StageResult[], cpus: number, describe: string): void {
  const db = backend === 'postgres' ? 'PostgreSQL' : 'FerretDB';
  const client = backend === 'postgres' ? 'the `pg` client' : 'the `mongodb` driver';
  console.log(`\n## ${backend}: ${describe}\n`);
  console.log(`Median ms over HTTP; (×) = hub ÷ ${client} running the same statements on the same database.\n`);
  const notes = new Set<string>();
  console.log(table(['stored', ...PAGES.map(([, t]) => t)], stages.map((s) => [size(s.size), ...PAGES.map(([n]) => cell(s.reads[n], notes, s.size))])));
  if (notes.size) console.log(`\n\\* cursor moved back so that a full page follows: ${[...notes].join(', ')}. n/a: the store is too small for a full page there.`);
  console.log('');
  console.log(
    table(
      ['stored', ...OTHER.map(([, t]) => t), 'pull newest 100k (limit=1000)', 'pull objects/s'],
      stages.map((s) => [
        size(s.size),
        ...OTHER.map(([n]) => cell(s.reads[n], notes, s.size)),
        `${fmt(s.pull.hubMs / 1000, 2)} s${s.pull.partial ? ` (partial: ${fmt(s.pull.hubObjects)} in budget)` : s.pull.expected < 100_000 ? ` (all ${size(s.pull.expected)})` : ''} (${ratio(s.pull.hubMs / s.pull.hubObjects, s.pull.clientMs / s.pull.clientObjects)})`,
        fmt(pullRate(s.pull)),
      ]),
    ),
  );
  console.log('');
  const c = stages[0]?.ingest.concurrency ?? 0;
  console.log(
    `Ingest: bursts of ${stages[0]?.ingest.envelopes ?? 0} envelopes of 1,000, ${c} requests in flight, during the hub's burst: ` +
      `CPU ms per envelope: hub / ${db} (${db} in the client's burst, the same inserts without the hub); cores busy: hub (its JS thread) / ${db} (its busiest process) / this benchmark process; ` +
      'run-queue wait in cores (hub / database: runnable, waiting for a core).\n',
  );
  console.log(
    table(
      ['stored', 'POST ms, median / p90', 'ingest objects/s', 'client objects/s', 'CPU ms / envelope', 'cores busy', 'run-queue wait', 'bound by'],
      stages.map((s) => {
        const i = s.ingest;
        const h = i.hubCpu;
        return [
          size(s.size),
          `${ms(median(i.hubMs))} / ${ms(quantile(i.hubMs, 0.9))} (${ratio(median(i.hubMs), median(i.clientMs))})`,
          `${fmt(ingestRate(i))} (${ratio(i.hubWallMs, i.clientWallMs)})`,
          fmt((i.envelopes * 1e6) / i.clientWallMs),
          `${fmt(h.hubMs / i.envelopes)} / ${fmt(h.dbMs / i.envelopes)} (${fmt(i.clientCpu.dbMs / i.envelopes)})`,
          cores(h),
          `${fmt(h.hubWaitMs / h.wallMs, 2)} / ${fmt(h.dbWaitMs / h.wallMs, 2)}`,
          bound(h, cpus),
        ];
      }),
    ),
  );
  console.log('');
  console.log(`Memory, MiB: peaks sampled every 200 ms while the row was measured (hub VmRSS; ${db}: ${backend === 'postgres' ? "the postmaster tree's summed RSS, which counts shared_buffers once per process, and summed PSS, which does not" : 'one process'}).\n`);
  console.log(
    table(
      ['stored', 'hub RSS', `${db} RSS${backend === 'postgres' ? ' (sum)' : ''}`, ...(backend === 'postgres' ? ['PostgreSQL PSS (sum)', 'largest PostgreSQL process'] : [])],
      stages.map((s) => [
        size(s.size),
        mib(s.memory.hubRssKiB),
        mib(s.memory.dbSumRssKiB),
        ...(backend === 'postgres' ? [mib(s.memory.dbSumPssKiB), `${mib(s.memory.dbLargest.rssKiB)} (${s.memory.dbLargest.name.replace(/^postgres: /, '')})`] : []),
      ]),
    ),
  );
}

/** `peaks`: memory during the build, when it ran in this run. */
export function printBuild(group: string, r: BuildRecord, peaks?: MemoryPeaks): void {
  const now = peaks !== undefined;
  if (r.posts.length === 0) return;
  const cuts = [1e3, 1e4, 1e5, ...Array.from({ length: 10 }, (_, i) => (i + 1) * (r.size / 10))].filter((x, i, xs) => x <= r.size && xs.indexOf(x) === i && x >= 1e3).sort((a, b) => a - b);
  const rows: string[][] = [];
  let lo = 0;
  for (const hi of cuts) {
    const posts = r.posts.filter((_, k) => {
      const storedBefore = (r.firstEnvelope + k) * 1000;
      return storedBefore >= lo && storedBefore < hi;
    });
    if (posts.length) {
      const wall = Math.max(...posts.map((p) => p[1])) - Math.min(...posts.map((p) => p[0]));
      rows.push([`${size(lo)}–${size(hi)}`, fmt(posts.length), ms(median(posts.map((p) => p[1] - p[0]))), fmt((posts.length * 1e6) / wall)]);
    }
    lo = hi;
  }
  const total = Math.max(...r.posts.map((p) => p[1]));
  console.log(`\nBuild of ${group} ${now ? 'in this run' : `on ${r.builtAt}`} (${r.concurrency} POSTs in flight, ${fmt(total / 1000, 1)} s for ${fmt(r.posts.length)} envelopes):\n`);
  console.log(table(['stored before the POST', 'envelopes', 'POST ms (median)', 'objects/s'], rows));
  if (peaks) {
    console.log(
      `\nMemory during the build (peaks, MiB): hub RSS ${mib(peaks.hubRssKiB)}; database RSS (sum) ${mib(peaks.dbSumRssKiB)}, PSS (sum) ${mib(peaks.dbSumPssKiB)}; ` +
        `largest process ${mib(peaks.dbLargest.rssKiB)} (${peaks.dbLargest.name})`,
    );
  }
}

export interface Target {
  ok: boolean;
  line: string;
}

/** The targets of the embedded default (PostgreSQL). */
export function targets(stages: StageResult[]): Target[] {
  const out: Target[] = [];
  const small = stages[0]!;
  const big = stages[stages.length - 1]!;
  const t = (ok: boolean, line: string) => out.push({ ok, line });
  for (const [name, title] of [...PAGES, ...OTHER]) {
    const base = stages.find((s) => s.reads[name]);
    const top = big.reads[name];
    if (!base || !top || base === big) continue;
    const r = top.hubMs / base.reads[name]!.hubMs;
    t(r <= 2, `${title}: ${ms(top.hubMs)} ms at ${size(big.size)} = ${fmt(r, 2)}× its ${ms(base.reads[name]!.hubMs)} ms at ${size(base.size)} (target ≤ 2×)`);
  }
  const p = big.pull;
  const projected = p.partial ? (p.hubMs * p.expected) / p.hubObjects : p.hubMs;
  t(projected < 30_000, `pull of the newest ${size(p.expected)} at ${size(big.size)}: ${fmt(projected / 1000, 2)} s${p.partial ? ' (projected)' : ''} (target < 30 s)`);
  for (const name of ['first100', 'first1000'] as const) {
    const f = big.reads[name];
    if (f) t(f.hubMs < 100, `first page (limit=${name.slice(5)}) at ${size(big.size)}: ${ms(f.hubMs)} ms (target < 100 ms)`);
  }
  const slowest = stages.reduce((a, s) => (ingestRate(s.ingest) < ingestRate(a.ingest) ? s : a));
  t(ingestRate(slowest.ingest) >= 25_000, `ingest: ${fmt(ingestRate(slowest.ingest))} objects/s at ${size(slowest.size)}, the slowest size (${stages.map((s) => `${size(s.size)} ${fmt(ingestRate(s.ingest))}`).join(', ')}) (target ≥ 25,000)`);
  const m0 = median(small.ingest.hubMs);
  const m1 = median(big.ingest.hubMs);
  if (big !== small) t(m1 <= 2 * m0, `ingest flat per POST: median ${ms(m1)} ms at ${size(big.size)} = ${fmt(m1 / m0, 2)}× its ${ms(m0)} ms at ${size(small.size)} (target ≤ 2×)`);
  return out;
}
