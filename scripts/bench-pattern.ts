// Patterns parsed per second over the OASIS corpus (test/fixtures/stix-patterns), repeated.
// Run: npx tsx scripts/bench-pattern.ts [seconds]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePattern } from '../server/stix/pattern';

type Entry = string | { pattern: string };
const corpus = JSON.parse(
  readFileSync(join(__dirname, '..', 'test', 'fixtures', 'stix-patterns', 'patterns-corpus-extracted.json'), 'utf8'),
) as Record<string, Record<string, Entry[]>>;

const all: string[] = [];
for (const sections of Object.values(corpus)) {
  for (const entries of Object.values(sections)) {
    for (const e of entries) all.push(typeof e === 'string' ? e : e.pattern);
  }
}
const valid = all.filter((p) => parsePattern(p).ok);

function run(label: string, patterns: string[], seconds: number): void {
  let n = 0;
  let sink = 0;
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const t0 = process.hrtime.bigint();
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < patterns.length; i++) if (parsePattern(patterns[i]).ok) sink++;
    n += patterns.length;
  }
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const avgLen = patterns.reduce((a, p) => a + p.length, 0) / patterns.length;
  console.log(`${label}: ${Math.round(n / elapsed).toLocaleString('en')} patterns/s (${patterns.length} patterns, avg ${avgLen.toFixed(0)} chars, ${sink > 0 ? 'ok' : ''})`);
}

const seconds = Number(process.argv[2] ?? 3);
run('warm-up', all, 1);
run('whole corpus (valid + invalid)', all, seconds);
run('valid patterns only', valid, seconds);
const big = '[' + Array.from({ length: 1000 }, (_, i) => `ipv4-addr:value = '10.0.${i >> 8}.${i & 255}'`).join(' OR ') + ']';
run(`one ${Math.round(big.length / 1024)} KB pattern, 1,000 comparisons`, [big], seconds);
