/**
 * The influence and crime rules end to end: posted over TAXII by two CERTs, run by the job (the
 * admin API, and the cron schedule itself), alerts pulled over TAXII. Real hub, real database,
 * both backends.
 */
import type { RequestHandler } from 'express';
import type { Principal } from '../../server/auth/principal';
import { deterministicId, definitionIdFor } from '../../server/stix/puente-extensions';
import { BACKENDS, startTestHub, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { indicator, malware, stixId } from '../support/stix';

const ORG_A = 'identity--0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a';
const ORG_B = 'identity--0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';
/** DISARM ids of the reference bundle: T0085.001 (TA06 Develop Content), T0049 (TA17 Maximise Exposure). */
const T0085_001 = 'attack-pattern--17cba995-a8ab-4aa0-85fe-2b87d38a8f03';
const T0049 = 'attack-pattern--0c765d19-99b2-4703-af48-e20a677c4bfc';

const as: RequestHandler = (req, res, next) => {
  const org = req.get('x-test-as') === 'b' ? ORG_B : ORG_A;
  const p: Principal = { subject: `cert-${org.slice(10, 12)}`, organisation: org, roles: { eu: ['reader', 'writer', 'admin'] } };
  res.locals.principal = p;
  next();
};
const T = '2026-01-03T00:00:00.000Z';
const sdo = (type: string, extra: Record<string, unknown> = {}) => ({ type, spec_version: '2.1', id: stixId(type), created: T, modified: T, ...extra });
const rel = (type: string, from: Record<string, unknown> | string, to: Record<string, unknown> | string) =>
  sdo('relationship', { relationship_type: type, source_ref: typeof from === 'string' ? from : from.id, target_ref: typeof to === 'string' ? to : to.id });

async function run(c: Client) {
  const res = await c.post('/eu/admin/jobs/correlation/run', {}).expect(200);
  expect(res.body.outcome).toBe('ok');
  return res.body as { counts: Record<string, number> };
}
async function alerts(c: Client, rule: string): Promise<Record<string, any>[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const col = await c.collectionId('eu', 'alerts');
  const res = await c.get(`/eu/collections/${col}/objects/?limit=1000`).expect(200);
  return (res.body.objects ?? []).filter((a: { x_puente_rule: string }) => a.x_puente_rule === rule);
}

describe.each(BACKENDS)('influence and crime rules over TAXII (%s)', (backend) => {
  let t: TestHub;
  let a: Client;
  let b: Client;
  beforeAll(async () => {
    t = await startTestHub({ PUENTE_CORRELATION_SETTLE_MS: '0', PUENTE_TRUST_GROUPS: 'eu' }, as, backend);
    a = client(t.app, { 'X-Test-As': 'a' });
    b = client(t.app, { 'X-Test-As': 'b' });
  });
  afterAll(async () => t.close());

  it('raises an influence-campaign alert naming DISARM ids and tactics', async () => {
    const campaign = sdo('campaign', { name: 'Operación Eco' });
    await a.add('eu', 'indicators', [campaign, rel('uses', campaign, T0085_001), rel('uses', campaign, T0049)]);
    await run(a);
    const [alert, ...rest] = await alerts(a, 'influence-campaign');
    expect(rest).toEqual([]);
    expect(alert.x_puente_disarm_techniques).toEqual(['T0049', 'T0085.001']);
    expect(alert.x_puente_disarm_tactics).toEqual(['TA06 Develop Content', 'TA17 Maximise Exposure']);
    expect(alert.object_refs).toContain(campaign.id);
  });

  it('links two CERTs\' reports of one domain to disinformation, the first one stored before', async () => {
    const campaign = sdo('campaign', { name: 'Red Espejo' });
    const i1 = indicator({ pattern: "[domain-name:value = 'espejo-noticias.example']" });
    await a.add('eu', 'indicators', [campaign, rel('uses', campaign, T0085_001), i1, rel('indicates', i1, campaign)]);
    await run(a);
    expect(await alerts(a, 'coordinated-inauthentic-infrastructure')).toEqual([]);
    const i2 = indicator({ pattern: "[url:value = 'https://espejo-noticias.example/x'] OR [domain-name:value = 'Espejo-Noticias.example']" });
    const rep = sdo('report', { name: 'Cuentas coordinadas', labels: ['disinformation'], published: T, object_refs: [i2.id] });
    await b.add('eu', 'indicators', [i2, rep, rel('related-to', i2, rep)]);
    await run(b);
    const [alert] = await alerts(a, 'coordinated-inauthentic-infrastructure');
    expect(alert.name).toBe('Coordinated inauthentic infrastructure domain:espejo-noticias.example');
    expect(alert.object_refs).toEqual(expect.arrayContaining([i1.id, i2.id, campaign.id, rep.id]));
  });

  it('finds a stored organised-crime report from a wallet a ransomware uses later', async () => {
    const w: Record<string, unknown> = { type: 'cryptocurrency-wallet', spec_version: '2.1', value: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', extensions: { [definitionIdFor('cryptocurrency-wallet')!]: { extension_type: 'new-sco' } } };
    w.id = deterministicId(w);
    const report = sdo('report', { name: 'Lavado de activos', labels: ['organised-crime'], published: T, object_refs: [w.id] });
    await b.add('eu', 'incidents', [w, report]);
    await run(b);
    const m = malware({ name: 'LockEco', malware_types: ['ransomware'] });
    await a.add('eu', 'indicators', [m, rel('related-to', m, w.id as string)]);
    await run(a);
    const [alert] = await alerts(a, 'crime-cyber-nexus');
    expect(alert.name).toBe('Crime–cyber nexus wallet:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080');
    expect(alert.object_refs).toEqual(expect.arrayContaining([m.id, w.id, report.id]));
  });

  it('refuses a crime observable that its extension definition refuses', async () => {
    const bad: Record<string, unknown> = { type: 'bank-account', spec_version: '2.1', iban: 'not an iban', extensions: { [definitionIdFor('bank-account')!]: { extension_type: 'new-sco' } } };
    bad.id = deterministicId(bad);
    const col = await a.collectionId('eu', 'incidents');
    const res = await a.post(`/eu/collections/${col}/objects/`, { objects: [bad] }).expect(202);
    expect(res.body.failure_count).toBe(1);
  });
});

describe('the cron schedule', () => {
  let t: TestHub;
  afterAll(async () => t.close());

  it('runs correlation on schedule and writes its alert (a two-second cron)', async () => {
    t = await startTestHub({ PUENTE_CORRELATION_SETTLE_MS: '0', PUENTE_TRUST_GROUPS: 'eu', PUENTE_CORRELATION_SCHEDULE: '*/2 * * * * *' }, as);
    const a = client(t.app, { 'X-Test-As': 'a' });
    const campaign = sdo('campaign', { name: 'Operación Reloj' });
    await a.add('eu', 'indicators', [campaign, rel('uses', campaign, T0085_001), rel('uses', campaign, T0049)]);
    t.hub.startJobs();
    let found: Record<string, unknown>[] = [];
    for (let i = 0; i < 40 && found.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      found = await alerts(a, 'influence-campaign');
    }
    expect(found).toHaveLength(1);
    const runs = await a.get('/eu/admin/jobs/runs/?job=correlation').expect(200);
    expect(runs.body.runs.some((r: { trigger: string; outcome: string }) => r.trigger === 'schedule' && r.outcome === 'ok')).toBe(true);
  });
});
