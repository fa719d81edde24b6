/**
 * Feeds in (issue 11): subscriptions pulling from a second live Puente and from a deliberately
 * awkward TAXII server (each fault on its own), and CSV/text lists, all over real HTTP into the
 * real database, through the admin API.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startTestHub, TAXII, type TestHub } from '../support/hub';
import { startLiveHub, type LiveHub } from '../support/live-hub';
import { client, type Client } from '../support/taxii';
import { indicator, malware } from '../support/stix';
import { startAwkwardTaxii, type Fault } from '../support/awkward-taxii';
import { TLP2_MARKING_IDS } from '../../server/stix/markings';
import { DEVELOPMENT_ORGANISATION } from '../../server/auth/development';

let hub: TestHub;
let c: Client;
let upstream: LiveHub;
let target: string;
const FAST = { attempts: 4, timeout_ms: 1500, base_delay_ms: 50 };

beforeAll(async () => {
  [hub, upstream] = await Promise.all([startTestHub(), startLiveHub()]);
  c = client(hub.app);
  target = await c.collectionId('colombia', 'indicators');
}, 90_000);

afterAll(async () => {
  await hub?.close();
  await upstream?.stop();
});

async function subscribe(body: Record<string, unknown>): Promise<string> {
  const res = await c.post('/colombia/admin/subscriptions/', { name: 'test', collection: target, retry: FAST, ...body }).expect(201);
  return res.body.id as string;
}

async function run(id: string) {
  return (await c.post(`/colombia/admin/subscriptions/${id}/run`, '').expect(200)).body as Record<string, unknown> & { new: number; duplicate: number; invalid: number; pages: number; outcome: string; errors: string[]; retries: number; invalid_objects: { id: string; reason: string }[] };
}

async function stored(id: string) {
  const page = await hub.storage.group('colombia').objects.page({ collection: target, viewer: { organisation: DEVELOPMENT_ORGANISATION }, versions: { all: true }, limit: 10_000 });
  return page.docs.filter((d) => d.meta.feed?.subscription === id);
}

describe('a TAXII 2.1 subscription to a second live Puente', () => {
  it('pulls every page, marks, caps and labels, records provenance, and dedupes re-runs', async () => {
    const up = (p: string, body: unknown) =>
      fetch(`${upstream.url}${p}`, { method: 'POST', headers: { Accept: TAXII, 'Content-Type': TAXII }, body: JSON.stringify(body) });
    const colRes = await fetch(`${upstream.url}/eu/collections/`, { headers: { Accept: TAXII } });
    const upCol = ((await colRes.json()) as { collections: { id: string; alias: string }[] }).collections.find((x) => x.alias === 'indicators')!.id;
    const objects = [
      ...Array.from({ length: 240 }, () => indicator()),
      malware({ confidence: 95 }),
      indicator({ object_marking_refs: [TLP2_MARKING_IDS.green] }),
    ];
    expect((await up(`/eu/collections/${upCol}/objects/`, { objects })).status).toBe(202);

    const id = await subscribe({ kind: 'taxii21', url: `${upstream.url}/taxii2/`, remote_collection: upCol, page_size: 100, max_confidence: 60, labels: ['from-eu-hub'], auth: { type: 'bearer', token: 'sekret-bearer-0123456789' } });
    const first = await run(id);
    expect(first).toMatchObject({ outcome: 'ok', new: 242, duplicate: 0, invalid: 0, pages: 3 });

    const docs = await stored(id);
    expect(docs).toHaveLength(242);
    const mal = docs.find((d) => d.meta.type === 'malware')!;
    const malStix = JSON.parse(mal.raw) as Record<string, unknown>;
    expect(malStix.confidence).toBe(60);
    expect(malStix.labels).toEqual(['from-eu-hub']);
    expect(malStix.object_marking_refs).toEqual([TLP2_MARKING_IDS.amber]);
    expect(mal.meta.tlp).toBe('amber');
    expect(mal.meta.feed).toMatchObject({ subscription: id, source: `${upstream.url}/taxii2/` });
    const green = docs.find((d) => d.meta.tlp === 'green');
    expect(green).toBeDefined();

    // Nothing new upstream: the cursor (added_after) makes the next run a no-op.
    expect(await run(id)).toMatchObject({ outcome: 'ok', new: 0, duplicate: 0 });
    // After a reset everything comes again and is recognised as already stored.
    await c.post(`/colombia/admin/subscriptions/${id}/reset-cursor`, '').expect(200);
    expect(await run(id)).toMatchObject({ outcome: 'ok', new: 0, duplicate: 242 });

    const shown = (await c.get(`/colombia/admin/subscriptions/${id}/`).expect(200)).body as Record<string, unknown>;
    expect(shown.health).toMatchObject({ consecutive_failures: 0 });
    expect((shown.runs as unknown[]).length).toBe(3);
    // The secret never comes back: not in answers, not in the audit log.
    const everything = JSON.stringify([shown, (await c.get('/colombia/admin/subscriptions/').expect(200)).body, (await c.get('/colombia/admin/audit/?limit=1000').expect(200)).body]);
    expect(everything).not.toContain('sekret-bearer');
    expect(shown.auth).toEqual({ type: 'bearer' });
    const metrics = await hub.metrics.registry.metrics();
    expect(metrics).toContain(`puente_feed_runs_total{group="colombia",subscription="${id}",outcome="ok"} 3`);
  });
});

describe('an awkward TAXII server, one fault at a time', () => {
  const cases: [Fault, (r: Awaited<ReturnType<typeof run>>) => void][] = [
    ['retry-after-429', (r) => expect(r.retries).toBe(1)],
    ['retry-after-503', (r) => expect(r.retries).toBe(1)],
    ['server-errors', (r) => expect(r.retries).toBe(2)],
    ['timeout', (r) => expect(r.retries).toBe(1)],
    ['more-without-next', (r) => expect(r.errors.join()).toContain('more without next')],
    ['empty-pages', (r) => expect(r.pages).toBeGreaterThan(3)],
    ['duplicates', (r) => expect(r.duplicate).toBe(20)],
    ['expiring-next', (r) => expect(r.errors.join()).toContain('next refused')],
    ['ignore-limit', (r) => expect(r.pages).toBe(1)],
  ];
  it.each(cases)('%s: every object stored once', async (fault, check) => {
    const s = await startAwkwardTaxii(fault);
    try {
      const id = await subscribe({ kind: 'taxii21', url: s.collectionUrl, page_size: 100 });
      const r = await run(id);
      expect(r.outcome).toBe('ok');
      expect(r.new).toBe(250);
      expect(await stored(id)).toHaveLength(250);
      check(r);
    } finally {
      await s.close();
    }
  });

  it('keeps one invalid object out, lists it with its reason, and stores the rest', async () => {
    const s = await startAwkwardTaxii('invalid-object');
    try {
      const id = await subscribe({ kind: 'taxii21', url: s.collectionUrl, page_size: 100 });
      const r = await run(id);
      expect(r).toMatchObject({ outcome: 'ok', new: 249, invalid: 1 });
      expect(r.invalid_objects[0]!.id).toBe(s.objects[5]!.id);
      expect(r.invalid_objects[0]!.reason).toMatch(/pattern/);
    } finally {
      await s.close();
    }
  });

  it('reports a TLS failure at once instead of retrying it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feeds-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`], { stdio: 'ignore' });
    const cert = fs.readFileSync(`${dir}/cert.pem`, 'utf8');
    const s = await startAwkwardTaxii('none', 20, { cert, key: fs.readFileSync(`${dir}/key.pem`, 'utf8') });
    try {
      const id = await subscribe({ kind: 'taxii21', url: s.collectionUrl });
      const r = await run(id);
      expect(r.outcome).toBe('failed');
      expect(r.retries).toBe(0);
      expect(r.errors.join()).toMatch(/TLS failure/);
      const health = ((await c.get(`/colombia/admin/subscriptions/${id}/`).expect(200)).body as { health: { consecutive_failures: number } }).health;
      expect(health.consecutive_failures).toBe(1);
      // With the partner's certificate as CA the same source works.
      const trusted = await subscribe({ kind: 'taxii21', url: s.collectionUrl, ca: cert });
      expect(await run(trusted)).toMatchObject({ outcome: 'ok', new: 20 });
    } finally {
      await s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CSV and plain-text lists', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.headers['x-api-key'] !== 'list-key-42') return void res.writeHead(401).end();
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      if (req.url === '/list.csv') res.end('ip,domain,sha256\n203.0.113.9,bad.example.net,' + 'a'.repeat(64) + '\n198.51.100.23,evil.example.org,\n');
      else res.end('# blocklist\n192.0.2.44\nphish.example.com  # comment\n\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('turns mapped CSV columns into indicators with patterns; fetching again stores nothing new', async () => {
    const id = await subscribe({ kind: 'csv', url: `${base}/list.csv`, columns: { ip: 'ipv4-addr', domain: 'domain-name', sha256: 'sha256' }, auth: { type: 'header', header: 'X-Api-Key', value: 'list-key-42' } });
    expect(await run(id)).toMatchObject({ outcome: 'ok', new: 5, invalid: 0 });
    expect(await run(id)).toMatchObject({ outcome: 'ok', new: 0, duplicate: 5 });
    const patterns = (await stored(id)).map((d) => (JSON.parse(d.raw) as { pattern: string }).pattern).sort();
    expect(patterns).toContain("[ipv4-addr:value = '203.0.113.9']");
    expect(patterns).toContain(`[file:hashes.'SHA-256' = '${'a'.repeat(64)}']`);
  });

  it('reads a text list with auto-detected types', async () => {
    const id = await subscribe({ kind: 'text', url: `${base}/list.txt`, auth: { type: 'header', header: 'X-Api-Key', value: 'list-key-42' } });
    expect(await run(id)).toMatchObject({ outcome: 'ok', new: 2 });
  });
});

describe('the subscriptions API', () => {
  it('refuses a bad subscription with 400 naming the field', async () => {
    const res = await c.post('/colombia/admin/subscriptions/', { name: 'x', kind: 'ftp', url: 'http://a/', collection: target }).expect(400);
    expect(res.body.description).toContain('"kind"');
    await c.post('/colombia/admin/subscriptions/', { name: 'x', kind: 'taxii21', url: 'http://user:pw@a/', collection: target }).expect(400);
  });

  it('removes a subscription', async () => {
    const id = await subscribe({ kind: 'taxii21', url: 'http://127.0.0.1:9/taxii2/' });
    await c.del(`/colombia/admin/subscriptions/${id}/`).expect(200);
    await c.get(`/colombia/admin/subscriptions/${id}/`).expect(404);
  });
});
