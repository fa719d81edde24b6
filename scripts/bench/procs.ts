/**
 * What the benchmark reads from /proc (Linux): CPU time and memory of the hub and of the database
 * server. PostgreSQL is several processes (the postmaster, one backend per connection, the
 * checkpointer, the WAL writer…), so its figures are of the postmaster's tree.
 *
 * Summed RSS counts shared memory (shared_buffers) once per process that touched it; summed PSS
 * (smaps_rollup) divides shared pages among the processes that map them, so it is what the tree
 * really holds. Both are printed.
 */
import fs from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat on Linux. */
const TICK_MS = 10;

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // gone, or not Linux
  }
}

/** Fields of /proc/<pid>/stat after the command name (so index 0 is field 3, `state`). */
function statFields(path: string): string[] | undefined {
  const text = read(path);
  return text ? text.slice(text.lastIndexOf(')') + 2).split(' ') : undefined;
}

/** user + system CPU ms of a process (all threads); with `reaped`, also that of its waited-for children. */
export function cpuMs(pid: number, reaped = false): number {
  const f = statFields(`/proc/${pid}/stat`);
  if (!f) return 0;
  const ticks = Number(f[11]) + Number(f[12]) + (reaped ? Number(f[13]) + Number(f[14]) : 0);
  return ticks * TICK_MS;
}

/** user + system CPU ms of one thread (the hub's JavaScript thread is the one whose tid is its pid). */
export function threadCpuMs(pid: number, tid = pid): number {
  const f = statFields(`/proc/${pid}/task/${tid}/stat`);
  return f ? (Number(f[11]) + Number(f[12])) * TICK_MS : 0;
}

/**
 * ms the process's threads spent runnable but waiting for a core (schedstat's run delay): CPU
 * taken by other processes of the machine, ours or not.
 */
export function runDelayMs(pid: number): number {
  let ns = 0;
  let tids: string[] = [];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const tid of tids) ns += Number(read(`/proc/${pid}/task/${tid}/schedstat`)?.split(' ')[1] ?? 0);
  return ns / 1e6;
}

export function children(pid: number): number[] {
  const text = read(`/proc/${pid}/task/${pid}/children`);
  return text ? text.trim().split(/\s+/).filter(Boolean).map(Number) : [];
}

/** The process and its children (a postmaster's children are all its processes). */
export function tree(pid: number): number[] {
  return [pid, ...children(pid)];
}

/** CPU ms of a tree, exited children included (their time is in the root's reaped fields). */
export function treeCpuMs(root: number): { totalMs: number; byPid: Map<number, number> } {
  const byPid = new Map<number, number>();
  let totalMs = cpuMs(root, true);
  for (const pid of children(root)) {
    const ms = cpuMs(pid);
    byPid.set(pid, ms);
    totalMs += ms;
  }
  return { totalMs, byPid };
}

function kib(text: string | undefined, key: string): number {
  const m = text ? new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text) : null;
  return m ? Number(m[1]) : 0;
}

export function rssKiB(pid: number): number {
  return kib(read(`/proc/${pid}/status`), 'VmRSS');
}

/** The kernel's own peak RSS of the process (exact, unlike a sampled peak). */
export function hwmKiB(pid: number): number {
  return kib(read(`/proc/${pid}/status`), 'VmHWM');
}

export function pssKiB(pid: number): number {
  return kib(read(`/proc/${pid}/smaps_rollup`), 'Pss');
}

/** "postgres: checkpointer", "postgres: postgres postgres [local] idle"… */
export function processName(pid: number): string {
  return (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0+$/, '').replace(/\0/g, ' ') || String(pid);
}

export function findProcess(match: (pid: number) => boolean): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && match(pid)) return pid;
  }
  return undefined;
}

export function parentOf(pid: number): number {
  return Number(statFields(`/proc/${pid}/stat`)?.[1] ?? 0);
}

export interface MemoryPeaks {
  hubRssKiB: number;
  dbSumRssKiB: number;
  dbSumPssKiB: number;
  dbLargest: { name: string; rssKiB: number };
}

/**
 * Samples the hub's RSS and the database tree's summed RSS every `intervalMs` (PSS every fifth
 * sample: smaps_rollup walks the page tables), keeping the peaks since the last reset().
 */
export class MemorySampler {
  private peaks: MemoryPeaks = MemorySampler.empty();
  private timer?: NodeJS.Timeout;
  private tick = 0;

  constructor(
    private readonly hubPid: number,
    private readonly dbRoot: number,
  ) {}

  private static empty(): MemoryPeaks {
    return { hubRssKiB: 0, dbSumRssKiB: 0, dbSumPssKiB: 0, dbLargest: { name: '', rssKiB: 0 } };
  }

  start(intervalMs = 200): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Peaks since the last reset, then starts over. */
  reset(): MemoryPeaks {
    this.sample();
    const out = this.peaks;
    this.peaks = MemorySampler.empty();
    return out;
  }

  private sample(): void {
    const p = this.peaks;
    p.hubRssKiB = Math.max(p.hubRssKiB, rssKiB(this.hubPid));
    const pids = tree(this.dbRoot);
    let sum = 0;
    for (const pid of pids) {
      const rss = rssKiB(pid);
      sum += rss;
      if (rss > p.dbLargest.rssKiB) p.dbLargest = { name: processName(pid), rssKiB: rss };
    }
    p.dbSumRssKiB = Math.max(p.dbSumRssKiB, sum);
    if (this.tick++ % 5 === 0) p.dbSumPssKiB = Math.max(p.dbSumPssKiB, pids.reduce((a, pid) => a + pssKiB(pid), 0));
  }
}

/** CPU of the hub, its JavaScript thread, the database tree and this process over a span of work. */
export interface CpuSplit {
  wallMs: number;
  hubMs: number;
  hubMainMs: number;
  dbMs: number;
  /** The busiest database process (a backend, on PostgreSQL). */
  dbBusiestMs: number;
  benchMs: number;
  /** Run-queue delay: the hub's threads, and the database's processes, waiting for a core. */
  hubWaitMs: number;
  dbWaitMs: number;
}

const treeDelayMs = (root: number) => tree(root).reduce((a, pid) => a + runDelayMs(pid), 0);

export function cpuSpan(hubPid: number, dbRoot: number): () => CpuSplit {
  const t0 = performance.now();
  const hub0 = cpuMs(hubPid);
  const main0 = threadCpuMs(hubPid);
  const db0 = treeCpuMs(dbRoot);
  const bench0 = process.cpuUsage();
  const hubWait0 = runDelayMs(hubPid);
  const dbWait0 = treeDelayMs(dbRoot);
  return () => {
    const db1 = treeCpuMs(dbRoot);
    let busiest = 0;
    for (const [pid, ms] of db1.byPid) busiest = Math.max(busiest, ms - (db0.byPid.get(pid) ?? 0));
    if (db1.byPid.size === 0) busiest = db1.totalMs - db0.totalMs; // one process (FerretDB)
    const bench = process.cpuUsage(bench0);
    return {
      wallMs: performance.now() - t0,
      hubMs: cpuMs(hubPid) - hub0,
      hubMainMs: threadCpuMs(hubPid) - main0,
      dbMs: db1.totalMs - db0.totalMs,
      dbBusiestMs: busiest,
      benchMs: (bench.user + bench.system) / 1000,
      hubWaitMs: runDelayMs(hubPid) - hubWait0,
      dbWaitMs: treeDelayMs(dbRoot) - dbWait0,
    };
  };
}
