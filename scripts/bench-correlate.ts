/**
 * npm run bench:correlate — one incremental correlation run over 10,000 new objects against a
 * store of 100,000 existing ones, on the embedded database in a temp dir. Data is loaded with the
 * repository's bulk insert (metadata derived as at ingestion). Prints time and peak memory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pino from 'pino';
import { startEmbeddedDatabase } from '../server/storage/embedded';
import { Database } from '../server/storage/database';
import { TrustGroups } from '../server/taxii/groups';
import { collectionId } from '../server/storage/collections';
import { objectKey, type ObjectDoc } from '../server/storage/objects';
import { formatMicros, nowMicros } from '../server/storage/clock';
import { versionKey } from '../server/http/query';
import { observableKeysOf } from '../server/correlation';
import { CorrelationEngine, comparisonsOf } from '../server/correlation/engine';
import { detectStrategy, linkEndsOf } from '../server/correlation/loader';
import { CheckpointRepository } from '../server/jobs/runs';
import { correlationConfigs, loadIcs } from '../server/jobs/config';
import { loadConfig } from '../server/config';

const EXISTING = Number(process.env.BENCH_EXISTING ?? 100_000);
const NEW = Number(process.env.BENCH_NEW ?? 10_000);
const GROUP = 'bench';
const ORGS = Array.from({ length: 8 }, (_, i) => `identity--${crypto.randomUUID().slice(0, 35)}${i}`.replace(/--(.{8})(.{4})(.{4})/, '--$1-$2-4').slice(0, 46));
const uuid = () => crypto.randomUUID();
const ts = '2026-01-01T00:00:00.000Z';

function generate(n: number, ics: string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const sectors = ['energy', 'retail', 'water', 'education', 'healthcare', 'technology'];
  const identities: string[] = [];
  const threats: string[] = [];
  while (out.length < n) {
    const r = Math.random();
    const ip = `${10 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;
    if (r < 0.05 || identities.length === 0) {
      const id = `identity--${uuid()}`;
      identities.push(id);
      out.push({ type: 'identity', spec_version: '2.1', id, created: ts, modified: ts, name: 'Org', identity_class: 'organization', sectors: [sectors[out.length % sectors.length]] });
    } else if (r < 0.45) {
      const id = `indicator--${uuid()}`;
      threats.push(id);
      const pattern = Math.random() < 0.6 ? `[ipv4-addr:value = '${ip}']` : `[domain-name:value = 'h${Math.floor(Math.random() * 5000)}.example.net']`;
      out.push({ type: 'indicator', spec_version: '2.1', id, created: ts, modified: ts, pattern, pattern_type: 'stix', valid_from: ts, indicator_types: ['malicious-activity'] });
    } else if (r < 0.55) {
      const id = `malware--${uuid()}`;
      threats.push(id);
      out.push({ type: 'malware', spec_version: '2.1', id, created: ts, modified: ts, name: 'Family', is_family: true });
    } else if (r < 0.6) {
      out.push({ type: 'ipv4-addr', spec_version: '2.1', id: `ipv4-addr--${uuid()}`, value: ip });
    } else if (r < 0.68) {
      out.push({ type: 'sighting', spec_version: '2.1', id: `sighting--${uuid()}`, created: ts, modified: ts, sighting_of_ref: threats[Math.floor(Math.random() * threats.length)] ?? `indicator--${uuid()}`, where_sighted_refs: [identities[Math.floor(Math.random() * identities.length)]] });
    } else {
      const from = threats[Math.floor(Math.random() * threats.length)] ?? `malware--${uuid()}`;
      const useIcs = ics.length > 0 && Math.random() < 0.03;
      const to = useIcs ? ics[Math.floor(Math.random() * ics.length)]! : Math.random() < 0.5 ? identities[Math.floor(Math.random() * identities.length)]! : threats[Math.floor(Math.random() * threats.length)] ?? from;
      const type = useIcs ? 'uses' : to.startsWith('identity') ? 'targets' : 'indicates';
      out.push({ type: 'relationship', spec_version: '2.1', id: `relationship--${uuid()}`, created: ts, modified: ts, relationship_type: type, source_ref: from, target_ref: to });
    }
  }
  return out;
}

function docs(objects: Record<string, unknown>[], col: string): ObjectDoc[] {
  return objects.map((stix, i) => {
    const added = formatMicros(nowMicros());
    const ver = typeof stix.modified === 'string' ? versionKey(stix.modified)! : `h:${i}`;
    const keys = observableKeysOf(stix as never, comparisonsOf);
    const links = linkEndsOf(stix);
    const org = ORGS[i % ORGS.length]!;
    return {
      _id: objectKey(col, String(stix.id), ver), col, raw: JSON.stringify(stix),
      meta: { id: String(stix.id), type: String(stix.type), sv: '2.1', ver, verRaw: String(stix.modified ?? added), added, sub: 'bench', org, tlp: null, readers: [], restricted: false, ...(keys.length ? { keys } : {}), ...(links.length ? { links } : {}) },
    };
  });
}

function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch { /* not Linux */ }
  return Math.round(process.memoryUsage().rss / 1048576);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-bench-corr-'));
  const embedded = await startEmbeddedDatabase({ dataDir: dir });
  const db = await Database.connect(embedded.uri, 'bench');
  try {
    const config = loadConfig({ PUENTE_CORRELATION_SETTLE_MS: '0' });
    const groups = new TrustGroups(db);
    await groups.ensure(GROUP);
    await groups.ensure('other');
    const g = (await groups.get(GROUP))!;
    const ics = loadIcs(config.attackIcsPath, () => {});
    const icsIds = [...ics.byStixId.keys()].slice(0, 40);
    const col = collectionId(GROUP, 'indicators');
    let t = Date.now();
    const existing = generate(EXISTING, icsIds);
    for (let i = 0; i < existing.length; i += 5000) await g.objects.insert(docs(existing.slice(i, i + 5000), col));
    const other = (await groups.get('other'))!;
    await other.objects.insert(docs(generate(5000, []), collectionId('other', 'indicators')));
    console.log(`loaded ${EXISTING} existing objects (+5000 in another group) in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    const engine = new CorrelationEngine({
      groups, dbOf: (n) => db.group(n), configFor: correlationConfigs(config, {}), ics, log: pino({ level: 'silent' }),
      strategy: (process.env.BENCH_STRATEGY as 'indexed' | 'snapshot' | undefined) ?? (await detectStrategy(db.admin())), settleMs: 0,
    });
    // Checkpoint at the end of the existing data, then add the new objects.
    const cp = new CheckpointRepository(db.group(GROUP));
    const last = (await db.group(GROUP).collection<ObjectDoc>('objects').find({}, { sort: { 'meta.added': -1, _id: -1 }, limit: 1 }).toArray())[0]!;
    await cp.set('correlation', { added: last.meta.added, key: last._id });
    const fresh = generate(NEW, icsIds);
    for (let i = 0; i < fresh.length; i += 5000) await g.objects.insert(docs(fresh.slice(i, i + 5000), col));

    const rssBefore = peakRssMb();
    t = Date.now();
    const counts = await engine.run(GROUP);
    const ms = Date.now() - t;
    console.log(JSON.stringify(counts));
    console.log(`incremental run: ${NEW} new objects over ${EXISTING} stored: ${(ms / 1000).toFixed(1)} s (strategy ${engine['d'].strategy})`);
    console.log(`peak RSS ${peakRssMb()} MB (before the run ${rssBefore} MB); heap used now ${Math.round(process.memoryUsage().heapUsed / 1048576)} MB`);
  } finally {
    await db.close();
    await embedded.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
