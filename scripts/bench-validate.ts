/**
 * npm run bench:validate — objects per second on one core, over the ATT&CK for ICS bundle
 * and over a generated indicator-heavy bundle, and the ratio to the OASIS stix2-validator
 * on the same content (timed on a subset when it is slow). Prints figures and one verdict
 * line per target; asserts nothing.
 *
 *   npm run bench:validate [-- --runs 5] [-- --no-oasis]
 *
 * Each figure is the median of --runs timed runs (default 3), in CPU time of this process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIMITS, createValidator } from '../server/stix';
import { prng } from './bench/prng';

const ROOT = path.resolve(__dirname, '..');
const ATTACK_CANDIDATES = [
  path.join(ROOT, 'reference/ics-attack/ics-attack-18.1.json'),
  path.resolve(ROOT, '..', 'shared', 'data', 'attack', 'ics-attack', 'ics-attack-18.1.json'),
];
const PYTHON = path.join(ROOT, '.cache/venv/bin/python');
const HELPER = path.join(ROOT, 'test/interop/stix2-validator-verdicts.py');
const OUT = path.join(ROOT, '.cache/bench');

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
}

function uuid4(r: () => number): string {
  const h = hex(r, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(r() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function ip(r: () => number): string {
  return [1, 2, 3, 4].map(() => Math.floor(r() * 256)).join('.');
}

function domain(r: () => number): string {
  const words = ['update', 'cdn', 'mail', 'secure', 'login', 'files', 'api', 'static'];
  return `${words[Math.floor(r() * words.length)]}-${hex(r, 6)}.example.${['com', 'net', 'org'][Math.floor(r() * 3)]}`;
}

const PATTERNS: ((r: () => number) => string)[] = [
  (r) => `[file:hashes.'SHA-256' = '${hex(r, 64)}']`,
  (r) => `[file:hashes.MD5 = '${hex(r, 32)}' OR file:hashes.'SHA-1' = '${hex(r, 40)}']`,
  (r) => `[ipv4-addr:value = '${ip(r)}/32']`,
  (r) => `[domain-name:value = '${domain(r)}']`,
  (r) => `[url:value = 'https://${domain(r)}/${hex(r, 8)}/index.php']`,
  (r) => `[email-message:from_ref.value MATCHES '^.+@${domain(r).replace(/\./g, '\\\\.')}$' AND email-message:subject LIKE '%invoice%']`,
  (r) => `[network-traffic:dst_ref.value = '${ip(r)}' AND network-traffic:dst_port = ${Math.floor(r() * 65535)}] FOLLOWEDBY [domain-name:value = '${domain(r)}'] WITHIN 600 SECONDS`,
  (r) => `[process:name = 'svc${hex(r, 4)}.exe' AND process:command_line LIKE '%-enc%'] REPEATS 3 TIMES`,
  (r) => `[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Software\\\\${hex(r, 6)}'] START t'2024-01-0${1 + Math.floor(r() * 9)}T00:00:00Z' STOP t'2024-12-31T00:00:00Z'`,
  (r) => `([ipv4-addr:value ISSUBSET '${ip(r)}/24'] OR [ipv6-addr:value = '2001:db8::${hex(r, 4)}']) AND [x509-certificate:serial_number = '${hex(r, 16)}']`,
];

export function indicatorBundle(count: number, seed = 21): Record<string, unknown> {
  const r = prng(seed);
  const identity = `identity--${uuid4(r)}`;
  const tlp = 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da';
  const objects: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    const created = `2024-03-${day}T10:${String(i % 60).padStart(2, '0')}:00.${String(i % 1000).padStart(3, '0')}Z`;
    objects.push({
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--${uuid4(r)}`,
      created_by_ref: identity,
      created,
      modified: created,
      name: `Indicator ${i}`,
      indicator_types: [['malicious-activity', 'compromised', 'anomalous-activity'][i % 3]],
      pattern: PATTERNS[i % PATTERNS.length](r),
      pattern_type: 'stix',
      pattern_version: '2.1',
      valid_from: created,
      object_marking_refs: [tlp],
      labels: ['bench'],
    });
  }
  return { type: 'bundle', id: `bundle--${uuid4(r)}`, objects };
}

const TARGETS = { attack: 100_000, indicators: 50_000 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');

function measure(name: string, body: { objects: unknown[] }, runs: number, minSeconds = 3): number {
  const validator = createValidator({ limits: { ...DEFAULT_LIMITS, maxObjects: 1_000_000 } });
  const first = validator.validateEnvelope(body).verdicts;
  const invalid = first.filter((v) => !v.ok).length;
  for (let i = 0; i < 2; i++) validator.validateEnvelope(body); // warm up the JIT
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    // CPU time of this process, not wall time: the figure is per core even on a busy machine.
    let objects = 0;
    const start = process.cpuUsage();
    let elapsed = 0;
    while (elapsed < minSeconds) {
      validator.validateEnvelope(body);
      objects += body.objects.length;
      const used = process.cpuUsage(start);
      elapsed = (used.user + used.system) / 1e6;
    }
    rates.push(objects / elapsed);
  }
  const rate = median(rates);
  console.log(
    `${name}: ${body.objects.length} objects (${invalid} invalid), ${fmt(rate)} objects/s on one core ` +
      `(median of ${runs}: ${rates.map(fmt).join(', ')})`,
  );
  return rate;
}

function verdict(name: string, rate: number, target: number): string {
  return `${rate >= target ? 'PASS' : 'FAIL'} ${name}: ${fmt(rate)} objects/s, target ${fmt(target)} (${((100 * rate) / target).toFixed(0)}% of target)`;
}

function oasisRate(file: string): number | undefined {
  if (!existsSync(PYTHON)) {
    console.log('  stix2-validator: not installed (python3 -m venv .cache/venv && .cache/venv/bin/pip install stix2-validator)');
    return undefined;
  }
  const out = JSON.parse(execFileSync(PYTHON, [HELPER, '--bench', file], { encoding: 'utf8', maxBuffer: 1 << 26 })) as { objects: number; seconds: number }[];
  const { objects, seconds } = out[0];
  const rate = objects / seconds;
  console.log(`  stix2-validator ${objects} objects in ${seconds.toFixed(2)} s: ${rate.toFixed(0)} objects/s`);
  return rate;
}

function main(): void {
  const args = process.argv.slice(2);
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Math.max(1, Number(args[runsAt + 1]) || 3) : 3;
  const oasis = !args.includes('--no-oasis');
  mkdirSync(OUT, { recursive: true });
  const attackFile = ATTACK_CANDIDATES.find((f) => existsSync(f));
  if (!attackFile) throw new Error(`ATT&CK for ICS bundle not found in ${ATTACK_CANDIDATES.join(' or ')}`);
  const attack = JSON.parse(readFileSync(attackFile, 'utf8')) as { objects: unknown[] };
  const ours1 = measure('ATT&CK for ICS 18.1', attack, runs);
  const theirs1 = oasis ? oasisRate(attackFile) : undefined;
  if (theirs1) console.log(`  ratio Puente / stix2-validator: ${(ours1 / theirs1).toFixed(0)}x`);

  const indicators = indicatorBundle(50_000) as { objects: unknown[] };
  const ours2 = measure('Indicators with STIX patterns', indicators, runs);
  // stix2-validator parses each pattern with ANTLR and is slow: time it on the first 2,000.
  let theirs2: number | undefined;
  if (oasis) {
    const subsetFile = path.join(OUT, 'indicators-2000.json');
    writeFileSync(subsetFile, JSON.stringify({ ...indicators, objects: indicators.objects.slice(0, 2000) }));
    theirs2 = oasisRate(subsetFile);
  }
  if (theirs2) console.log(`  ratio Puente / stix2-validator: ${(ours2 / theirs2).toFixed(0)}x (stix2-validator on a 2,000-indicator subset)`);
  console.log(verdict('ATT&CK for ICS 18.1 (1,826 mixed objects)', ours1, TARGETS.attack));
  console.log(verdict('50,000 indicators with STIX patterns', ours2, TARGETS.indicators));
}

if (require.main === module) main();
