/**
 * npm run bench:feeds — the initial sync of a subscription (issue 11): a hub on its own embedded
 * PostgreSQL pulls N objects from a local TAXII 2.1 upstream through the whole feeds path (fetch,
 * shape, validation, dedupe, bulk insert, cursor and run record after every page). The upstream
 * is a second Puente on its own embedded PostgreSQL, loaded by POST first (`--upstream hub`, the
 * default), or the tests' awkward TAXII server with no fault, serving from memory
 * (`--upstream awkward`: the fastest upstream there is, so the figure is our own ceiling).
 *
 *   flock /tmp/puente-test.lock npm run bench:feeds -- [--objects 100000] [--page 1000] [--upstream hub|awkward]
 *
 * Prints the baseline first (the same pages fetched and JSON-parsed by a plain paged GET loop,
 * nothing stored), then objects/s of the run per tenth of the store as it grows (read from the
 * run record the runner saves after every page), the overall rate and its ratio to the baseline.
 * A benchmark prints figures; it asserts nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { startAwkwardTaxii } from '../test/support/awkward-taxii';
import { startLiveHub, type LiveHub } from '../test/support/live-hub';
import { indicator } from '../test/support/stix';
import { HubClient } from './bench/http';

const TAXII = 'application/taxii+json;version=2.1';
const GROUP = 'bench';

async function json(url: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const res = await fetch(url, { ...init, headers: { Accept: TAXII, ...(init.body ? { 'Content-Type': TAXII } : {}), ...init.headers } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** The plain paged GET loop: what any TAXII client pays to read the upstream once. */
async function baseline(collectionUrl: string, page: number): Promise<{ objects: number; ms: number }> {
  const t0 = performance.now();
  let objects = 0;
  let next: string | undefined;
  for (;;) {
    const env = await json(`${collectionUrl}objects/?limit=${page}${next ? `&next=${encodeURIComponent(next)}` : ''}`);
    objects += (env.objects as unknown[]).length;
    next = env.next as string | undefined;
    if (!env.more || !next) return { objects, ms: performance.now() - t0 };
  }
}

const rate = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en')} objects/s`;

function tempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `puente-bench-feeds-${name}-`));
  fs.chmodSync(dir, 0o755); // as root, the embedded server runs as the postgres user
  return dir;
}

function hubOn(dataDir: string, prefix: string): Promise<LiveHub> {
  return startLiveHub({
    database: {},
    launcher: 'node',
    prefix,
    env: { PUENTE_DATA_DIR: dataDir, PUENTE_TRUST_GROUPS: GROUP, PUENTE_RATE_LIMIT_PER_MINUTE: '100000000', PUENTE_JOBS_ENABLED: 'false', PUENTE_LOG_LEVEL: 'info' },
    startTimeoutMs: 180_000,
  });
}

/** A second Puente holding n indicators (loaded by POST, not measured): its collection URL. */
async function upstreamHub(n: number, dataDir: string): Promise<{ collectionUrl: string; close: () => Promise<unknown> }> {
  const up = await hubOn(dataDir, 'benchup');
  const client = new HubClient(up.url, GROUP);
  const col = (await client.collections()).indicators!;
  const t0 = performance.now();
  for (let i = 0; i < n; i += 10_000) {
    const objects = Array.from({ length: Math.min(10_000, n - i) }, (_, j) => indicator({ pattern: `[ipv4-addr:value = '10.${(i + j) >> 16}.${((i + j) >> 8) & 255}.${(i + j) & 255}']` }));
    await client.post(col, JSON.stringify({ objects }), objects.length);
  }
  console.log(`upstream hub loaded by POST in ${((performance.now() - t0) / 1000).toFixed(1)} s (not measured)`);
  return { collectionUrl: `${up.url}/${GROUP}/collections/${col}/`, close: () => up.stop({ keepDatabases: true, timeoutMs: 60_000 }) };
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--objects <n>', 'objects upstream', '100000')
    .option('--page <n>', 'page size asked of the upstream (a Puente upstream caps it at 1000)', '1000')
    .option('--upstream <kind>', 'hub (a second Puente) or awkward (the test server, from memory)', 'hub')
    .parse()
    .opts<{ objects: string; page: string; upstream: string }>();
  const n = Number(o.objects);
  const page = Number(o.page);
  const dirs = [tempDir('hub')];
  if (o.upstream === 'hub') dirs.push(tempDir('upstream'));
  const upstream = o.upstream === 'hub' ? await upstreamHub(n, dirs[1]!) : await startAwkwardTaxii('none', n);
  console.log(`bench:feeds — ${n.toLocaleString('en')} indicators upstream (${o.upstream}), pages of ${page}, hub on embedded PostgreSQL in ${dirs[0]}`);
  const hub = await hubOn(dirs[0]!, 'benchfeeds');
  try {
    const base = await baseline(upstream.collectionUrl, page);
    console.log(`baseline, paged GET loop (fetch + JSON.parse, nothing stored): ${base.objects.toLocaleString('en')} in ${(base.ms / 1000).toFixed(1)} s, ${rate(base.objects, base.ms)}`);

    const col = (await new HubClient(hub.url, GROUP).collections()).indicators!;
    const subs = `${hub.url}/${GROUP}/admin/subscriptions/`;
    const sub = await json(subs, { method: 'POST', body: JSON.stringify({ name: 'bench upstream', kind: 'taxii21', url: upstream.collectionUrl, collection: col, page_size: page, schedule: '0 3 * * *' }) });
    const id = sub.id as string;

    const t0 = performance.now();
    const running = json(`${subs}${id}/run`, { method: 'POST' });
    let done = false;
    void running.finally(() => (done = true)).catch(() => {});
    // The store as it grows: the runner saves the run record after every page.
    const step = Math.max(page, Math.ceil(n / 10 / page) * page);
    let mark = { n: 0, t: t0 };
    while (!done) {
      await new Promise((r) => setTimeout(r, 200));
      const runs = (await json(`${subs}${id}/runs/?limit=1`)).runs as { new: number }[];
      const stored = runs[0]?.new ?? 0;
      if (stored - mark.n >= step) {
        const t = performance.now();
        console.log(`  ${stored.toLocaleString('en').padStart(9)} stored: ${rate(stored - mark.n, t - mark.t)} over the last ${(stored - mark.n).toLocaleString('en')}`);
        mark = { n: stored, t };
      }
    }
    const run = (await running) as { outcome: string; new: number; duplicate: number; invalid: number; pages: number; ms: number; errors: string[] };
    const ms = performance.now() - t0;
    if (run.outcome !== 'ok') throw new Error(`the run ended ${run.outcome}: ${run.errors.join('; ')}`);
    console.log(`sync: ${run.new.toLocaleString('en')} new, ${run.duplicate} duplicate, ${run.invalid} invalid, ${run.pages} pages in ${(ms / 1000).toFixed(1)} s, ${rate(run.new, ms)}`);
    console.log(`ratio sync / baseline: ${(base.ms / ms).toFixed(3)} (the sync runs at ${((base.ms / ms) * 100).toFixed(1)} % of the plain GET loop's rate)`);

    const t1 = performance.now();
    const again = (await json(`${subs}${id}/run`, { method: 'POST' })) as { new: number; pages: number };
    console.log(`second run (cursor, nothing new): ${again.pages} page, ${again.new} new, ${(performance.now() - t1).toFixed(0)} ms`);
  } finally {
    await hub.stop({ keepDatabases: true, timeoutMs: 60_000 });
    await upstream.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
