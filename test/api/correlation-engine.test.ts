/**
 * Correlation end to end: objects posted over TAXII, a run triggered over the admin API, alerts
 * pulled over TAXII from the group's `alerts` collection. Real hub, real database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RequestHandler } from 'express';
import type { Principal } from '../../server/auth/principal';
import { startTestHub, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { indicator, malware, stixId } from '../support/stix';

const ORG_A = 'identity--0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a';
const ORG_B = 'identity--0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';
const GROUPS = ['colombia', 'eu', 'nato-liaison'];
const AMBER = 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421';

/** X-Test-As: admin (org A, every role) | reader (org B, reader only). */
const as: RequestHandler = (req, res, next) => {
  const who = req.get('x-test-as') ?? 'admin';
  const p: Principal =
    who === 'reader'
      ? { subject: 'reader-b', organisation: ORG_B, roles: Object.fromEntries(GROUPS.map((g) => [g, ['reader']])) }
      : { subject: 'admin-a', organisation: ORG_A, roles: Object.fromEntries(GROUPS.map((g) => [g, ['reader', 'writer', 'admin']])) };
  res.locals.principal = p;
  next();
};

let t: TestHub;
let admin: Client;
let reader: Client;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-corr-'));
  const file = path.join(dir, 'correlation.json');
  fs.writeFileSync(file, JSON.stringify({ eu: { protectedAssets: { cidrs: ['192.0.2.0/24'], domains: ['grid.example'] } } }));
  t = await startTestHub({ PUENTE_CORRELATION_SETTLE_MS: '0', PUENTE_CORRELATION_CONFIG: file, PUENTE_TRUST_GROUPS: GROUPS.join(',') }, as);
  admin = client(t.app, { 'X-Test-As': 'admin' });
  reader = client(t.app, { 'X-Test-As': 'reader' });
});
afterAll(async () => {
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const identity = (sectors: string[], extra: Record<string, unknown> = {}) => ({
  type: 'identity', spec_version: '2.1', id: stixId('identity'), created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z',
  name: 'Operator', identity_class: 'organization', sectors, ...extra,
});
const rel = (type: string, from: Record<string, unknown>, to: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'relationship', spec_version: '2.1', id: stixId('relationship'), created: '2026-01-03T00:00:00.000Z', modified: '2026-01-03T00:00:00.000Z',
  relationship_type: type, source_ref: from.id, target_ref: to.id, ...extra,
});

async function run(c: Client, group: string, query = '') {
  const res = await c.post(`/${group}/admin/jobs/correlation/run${query}`, {}).expect(200);
  expect(res.body.outcome).toBe('ok');
  return res.body as { counts: Record<string, number>; outcome: string };
}

async function alerts(c: Client, group: string): Promise<Record<string, any>[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const col = await c.collectionId(group, 'alerts');
  const res = await c.get(`/${group}/collections/${col}/objects/?limit=1000`).expect(200);
  return res.body.objects ?? [];
}

describe('correlation over TAXII', () => {
  it('turns posted objects into an alert in the alerts collection, pulled over TAXII', async () => {
    const plant = identity(['energy']);
    const m = malware();
    const r = rel('targets', m, plant);
    await admin.add('colombia', 'indicators', [plant, m, r]);
    const out = await run(admin, 'colombia');
    expect(out.counts.alerts_new).toBeGreaterThanOrEqual(1);
    const got = (await alerts(admin, 'colombia')).filter((a) => a.x_puente_rule === 'targeting');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ type: 'grouping', context: 'suspicious-activity', created_by_ref: t.config.puenteIdentity });
    expect(got[0]!.object_refs).toEqual(expect.arrayContaining([m.id, plant.id, r.id]));
  });

  it('creates no duplicates on a re-run, incremental or full', async () => {
    const before = await alerts(admin, 'colombia');
    expect((await run(admin, 'colombia')).counts.objects).toBe(0);
    const full = await run(admin, 'colombia', '?full=true');
    expect(full.counts.objects).toBeGreaterThan(0);
    expect(full.counts.alerts_new).toBe(0);
    expect(await alerts(admin, 'colombia')).toEqual(before);
  });

  it('raises nothing when the targeted sector is not critical', async () => {
    const shop = identity(['retail']);
    const m = malware();
    await admin.add('colombia', 'indicators', [shop, m, rel('targets', m, shop)]);
    const out = await run(admin, 'colombia');
    expect(out.counts.objects).toBe(3);
    expect(out.counts.alerts_new).toBe(0);
  });

  it('matches protected assets and ignores addresses outside them', async () => {
    const hit = indicator({ pattern: "[ipv4-addr:value = '192.0.2.77']" });
    const miss = indicator({ pattern: "[ipv4-addr:value = '198.51.100.77'] OR [domain-name:value = 'grid.example.org']" });
    await admin.add('eu', 'indicators', [hit, miss]);
    await run(admin, 'eu');
    const asset = (await alerts(admin, 'eu')).filter((a) => a.x_puente_rule === 'asset-match');
    expect(asset.map((a) => a.object_refs[0])).toEqual([hit.id]);
  });

  it('does not correlate with another trust group\'s objects that were not released to it', async () => {
    const plant = identity(['energy']);
    await admin.add('nato-liaison', 'indicators', [plant]);
    const m = malware();
    // eu holds a relationship to nato-liaison's identity, which eu cannot read.
    await admin.add('eu', 'indicators', [m, rel('targets', m, plant)]);
    await run(admin, 'eu');
    const all = await alerts(admin, 'eu');
    expect(all.filter((a) => a.x_puente_rule === 'targeting')).toEqual([]);
    expect(JSON.stringify(all)).not.toContain(plant.id);
  });

  it('raises an ICS-technique alert from real ATT&CK for ICS data', async () => {
    const bundle = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'reference', 'ics-attack', 'ics-attack-18.1.json'), 'utf8'));
    const technique = bundle.objects.find(
      (o: Record<string, any>) => o.type === 'attack-pattern' && !o.revoked && !o.x_mitre_deprecated && // eslint-disable-line @typescript-eslint/no-explicit-any
        o.external_references?.some((r: Record<string, unknown>) => r.external_id === 'T0855'),
    );
    const m = malware({ name: 'Industroyer2' });
    const uses = rel('uses', m, technique);
    await admin.add('nato-liaison', 'indicators', [technique, m, uses]);
    await run(admin, 'nato-liaison');
    const ics = (await alerts(admin, 'nato-liaison')).filter((a) => a.x_puente_rule === 'ics-techniques');
    expect(ics).toHaveLength(1);
    expect(ics[0]!.object_refs).toEqual(expect.arrayContaining([m.id, uses.id]));
    expect(ics[0]!.x_puente_severity).toBe('critical'); // T0855 Unauthorized Command Message: impair-process-control
  });

  it('marks an alert at least as restrictively as its inputs and hides it from other organisations', async () => {
    const plant = identity(['water']);
    const m = malware({ object_marking_refs: [AMBER] });
    await admin.add('colombia', 'indicators', [plant, m, rel('targets', m, plant)]);
    await run(admin, 'colombia');
    const mine = (await alerts(admin, 'colombia')).filter((a) => a.object_refs.includes(m.id));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.object_marking_refs).toContain(AMBER);
    // Org B may read the group's alerts collection but not this AMBER alert, nor its evidence.
    const theirs = await alerts(reader, 'colombia');
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.find((a) => a.id === mine[0]!.id)).toBeUndefined();
  });
});

describe('job administration', () => {
  it('lists runs newest first for the group admin', async () => {
    const res = await admin.get('/colombia/admin/jobs/runs/?job=correlation&limit=2').expect(200);
    expect(res.headers['content-type']).toBe('application/taxii+json;version=2.1');
    expect(res.body.runs).toHaveLength(2);
    expect(res.body.runs[0]).toMatchObject({ job: 'correlation', trigger: 'api', outcome: 'ok' });
    expect(res.body.runs[0].started >= res.body.runs[1].started).toBe(true);
  });

  it('answers 404 to a non-admin, for the history and for a trigger', async () => {
    await reader.get('/colombia/admin/jobs/runs/').expect(404);
    await reader.post('/colombia/admin/jobs/correlation/run', {}).expect(404);
    await admin.post('/colombia/admin/jobs/no-such-job/run', {}).expect(404);
  });

  it('runs status-cleanup on demand', async () => {
    const res = await admin.post('/colombia/admin/jobs/status-cleanup/run', {}).expect(200);
    expect(res.body).toMatchObject({ job: 'status-cleanup', outcome: 'ok', counts: { deleted: 0 } });
  });
});
