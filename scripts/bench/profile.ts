/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went: self time per
 * function (file:line) and per file, plus idle time (the hub waiting on the database).
 * Run: npx tsx scripts/bench/profile.ts <file.cpuprofile> [top]
 */
import fs from 'node:fs';
import path from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  gcMs: number;
  functions: { name: string; where: string; ms: number }[];
  files: { file: string; ms: number }[];
}

function short(url: string): string {
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) return file.slice(nm + 'node_modules/'.length);
  const root = path.resolve(__dirname, '..', '..') + path.sep;
  return file.startsWith(root) ? file.slice(root.length) : file || '(native)';
}

export function summarise(file: string): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const fn = new Map<string, { name: string; where: string; ms: number }>();
  const files = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const ms = us / 1000;
    total += ms;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') idle += ms;
    if (name === '(garbage collector)') gc += ms;
    const where = `${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    const key = `${name} ${where}`;
    const e = fn.get(key) ?? { name, where, ms: 0 };
    e.ms += ms;
    fn.set(key, e);
    const f = short(n.callFrame.url);
    files.set(f, (files.get(f) ?? 0) + ms);
  }
  return {
    totalMs: total,
    idleMs: idle,
    gcMs: gc,
    functions: [...fn.values()].sort((a, b) => b.ms - a.ms),
    files: [...files.entries()].map(([f, ms]) => ({ file: f, ms })).sort((a, b) => b.ms - a.ms),
  };
}

export function printSummary(s: ProfileSummary, top = 25): void {
  const pct = (ms: number) => `${((100 * ms) / s.totalMs).toFixed(1).padStart(5)}%`;
  console.log(`profile: ${s.totalMs.toFixed(0)} ms sampled, idle ${pct(s.idleMs)}, GC ${pct(s.gcMs)}`);
  console.log('\nself time by function:');
  for (const f of s.functions.slice(0, top)) console.log(`  ${pct(f.ms)}  ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}  ${f.where}`);
  console.log('\nself time by file:');
  for (const f of s.files.slice(0, top)) console.log(`  ${pct(f.ms)}  ${f.ms.toFixed(0).padStart(7)} ms  ${f.file}`);
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx scripts/bench/profile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  printSummary(summarise(file), Number(top) || 25);
}
