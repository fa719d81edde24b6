/**
 * npm run bench:export — the text export (firewall EDL) of a collection of 100,000 indicators,
 * over HTTP from a hub on its own embedded PostgreSQL, next to the `pg` client running the very
 * statements the export's reads run (scripts/bench/baseline.ts: the backend's own repository over
 * the raw client). Loading goes through POST (validation, ingestion) and is not the measurement.
 *
 *   npm run bench:export -- [--indicators 100000] [--runs 5]
 *
 * Prints per run the export's time to the last byte, then the median, the baseline, their ratio
 * and a PASS/FAIL line against the 3 s target (at 100,000 indicators).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { EXPORT_BATCH } from '../server/exports/select';
import { startLiveHub } from '../test/support/live-hub';
import { connectPostgres } from './bench/baseline';
import { HubClient } from './bench/http';
import { prng } from './bench/prng';

const TARGET_MS = 3000;
const TARGET_N = 100_000;
const PREFIX = 'bench';
const GROUP = 'bench';
const ENVELOPE = 10_000;
const ORG = 'identity--8e2a4f1c-3b5d-5c7e-9f01-70756e746531';

function indicators(n: number, seed: number): string[] {
  const r = prng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = Math.floor(r() * 4_000_000_000);
    const kind = i % 10;
    const pattern =
      kind < 6
        ? `[ipv4-addr:value = '${(x >>> 24) & 255}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}']`
        : kind < 8
          ? `[domain-name:value = 'h${x.toString(36)}.example.org']`
          : kind < 9
            ? `[url:value = 'http://u${x.toString(36)}.example.net/p/${i}']`
            : `[file:hashes.'SHA-256' = '${x.toString(16).padStart(8, '0').repeat(8)}']`;
    const u = `${i.toString(16).padStart(8, '0')}-0000-4000-8000-${x.toString(16).padStart(12, '0').slice(-12)}`;
    out.push(
      JSON.stringify({
        type: 'indicator', spec_version: '2.1', id: `indicator--${u}`, created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z',
        name: `Bench indicator ${i}`, indicator_types: ['malicious-activity'], pattern, pattern_type: 'stix', valid_from: '2026-01-01T00:00:00Z',
        confidence: 50 + (i % 50), created_by_ref: ORG, object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'],
      }),
    );
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const o = new Command().option('--indicators <n>', 'indicators in the collection', String(TARGET_N)).option('--runs <n>', 'export runs', '5').parse().opts();
  const n = Number(o.indicators);
  const runs = Number(o.runs);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-bench-export-'));
  fs.chmodSync(dataDir, 0o755); // as root, the embedded server runs as the postgres user
  console.log(`bench:export — ${n.toLocaleString('en')} indicators, embedded PostgreSQL in ${dataDir}`);
  const hub = await startLiveHub({
    database: {},
    launcher: 'node',
    prefix: PREFIX,
    env: { PUENTE_DATA_DIR: dataDir, PUENTE_TRUST_GROUPS: GROUP, PUENTE_RATE_LIMIT_PER_MINUTE: '100000000', PUENTE_JOBS_ENABLED: 'false', PUENTE_LOG_LEVEL: 'info' },
    startTimeoutMs: 180_000,
  });
  try {
    const client = new HubClient(hub.url, GROUP);
    const col = (await client.collections()).indicators!;
    const all = indicators(n, 42);
    const t0 = performance.now();
    for (let i = 0; i < all.length; i += ENVELOPE) {
      const chunk = all.slice(i, i + ENVELOPE);
      await client.post(col, `{"objects":[${chunk.join(',')}]}`, chunk.length);
    }
    console.log(`loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s (POST, not measured)`);
    // As bench.ts does after a build: statistics now, not whenever autovacuum gets to them
    // (measured without: 16-30 s while the planner had none, 8 s once it had).
    const socketDir = path.join(dataDir, 'postgres-run');
    const baseline = await connectPostgres(`postgresql://postgres@/postgres?host=${encodeURIComponent(socketDir)}&port=5432`, PREFIX, 1);
    await baseline.tidy(GROUP);

    const times: number[] = [];
    let lines = 0;
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const res = await fetch(`${hub.url}/${GROUP}/collections/${col}/exports/text/`, { headers: { accept: 'text/plain' } });
      const body = await res.text();
      const ms = performance.now() - t;
      if (res.status !== 200) throw new Error(`export: ${res.status} ${body.slice(0, 300)}`);
      lines = Number(res.headers.get('x-puente-count'));
      bytes = Buffer.byteLength(body);
      times.push(ms);
      console.log(`  run ${i + 1}: ${ms.toFixed(0)} ms, ${lines.toLocaleString('en')} lines, ${(bytes / 1024 / 1024).toFixed(1)} MiB`);
    }

    // The same reads through the raw client: the repository's page() with the export's filter.
    const base: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      let ms = 0;
      rows = 0;
      let after: { added: string; key: string } | undefined;
      for (;;) {
        const page = await baseline.page(GROUP, {
          collection: col, viewer: { organisation: ORG }, versions: { all: false, first: false, last: true, exact: [] }, after, limit: EXPORT_BATCH,
        });
        ms += page.ms;
        rows += page.value.docs.length;
        const last = page.value.docs[page.value.docs.length - 1];
        if (!page.value.more || !last) break;
        after = { added: last.meta.added, key: last._id };
      }
      base.push(ms);
    }
    await baseline.close();
    const m = median(times);
    const b = median(base);
    console.log(`text export: median ${m.toFixed(0)} ms over ${runs} runs (${(n / (m / 1000)).toFixed(0)} indicators/s)`);
    console.log(`pg client, same statements: median ${b.toFixed(0)} ms for ${rows.toLocaleString('en')} rows`);
    console.log(`ratio export / pg: ${(m / b).toFixed(2)}`);
    if (n === TARGET_N) console.log(`${m < TARGET_MS ? 'PASS' : 'FAIL'}: target < ${TARGET_MS} ms`);
  } finally {
    await hub.stop({ keepDatabases: true, timeoutMs: 60_000 });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
