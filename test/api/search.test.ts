/**
 * The search API through HTTP into the real database, on both backends, with real tokens:
 * observable lookup (single, bulk, CIDR, subdomains), text search with filters and facets, the
 * neighbourhood, paging with signed next tokens, and the TAXII rights and TLP rules on each.
 */
import request from 'supertest';
import { BACKENDS, startTestHub, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { indicator, malware, stixId } from '../support/stix';
import { TokenKit, ORG_CO_CERT, ORG_CO_MIN, ORG_EU_CERT } from '../support/auth';
import { TLP2_MARKING_IDS } from '../../server/stix/markings';

const kit = new TokenKit();

describe.each(BACKENDS)('search on %s', (backend) => {
  let t: TestHub;
  let co: Client;
  let eu: Client;
  const tokens: Record<string, string> = {};
  const get = (who: 'co' | 'coOther' | 'eu', path: string) => request(t.app).get(path).set('Authorization', `Bearer ${tokens[who]}`).set('Accept', 'application/json');
  const post = (who: 'co' | 'coOther' | 'eu', path: string, body: unknown) =>
    request(t.app).post(path).set('Authorization', `Bearer ${tokens[who]}`).set('Accept', 'application/json').set('Content-Type', 'application/json').send(JSON.stringify(body));

  const ip = '203.0.113.77';
  const clearIp = indicator({ name: 'Grid scanner', description: 'Scans substation gateways', labels: ['scanner'], confidence: 80, pattern: `[ipv4-addr:value = '${ip}']`, object_marking_refs: [TLP2_MARKING_IDS.clear] });
  const amberIp = indicator({ name: 'Amber lead', pattern: `[ipv4-addr:value = '${ip}']`, object_marking_refs: [TLP2_MARKING_IDS.amber] });
  const cidr = indicator({ name: 'Bad net', pattern: "[ipv4-addr:value = '203.0.113.0/24']", confidence: 20 });
  const sub = indicator({ name: 'Phishing page', pattern: "[url:value = 'https://login.evil-energy.example/x']" });
  const mal = malware({ name: 'Gridcrusher', aliases: ['CrushGrid'], description: 'Wiper aimed at utilities' });
  const rel = {
    type: 'relationship', spec_version: '2.1', id: stixId('relationship'), created: '2026-01-03T00:00:00.000Z', modified: '2026-01-03T00:00:00.000Z',
    relationship_type: 'indicates', source_ref: clearIp.id, target_ref: mal.id,
  };

  beforeAll(async () => {
    t = await startTestHub(kit.env(), undefined, backend);
    tokens.co = kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer'] });
    tokens.coOther = kit.token(ORG_CO_MIN, { colombia: ['reader'] });
    tokens.eu = kit.token(ORG_EU_CERT, { eu: ['reader', 'writer'] });
    co = client(t.app, { Authorization: `Bearer ${tokens.co}` });
    eu = client(t.app, { Authorization: `Bearer ${tokens.eu}` });
    await co.add('colombia', 'indicators', [clearIp, amberIp, cidr, sub, mal, rel]);
    // The EU holds the same IP twice: at TLP:CLEAR (counts) and at AMBER (does not).
    await eu.add('eu', 'indicators', [
      indicator({ pattern: `[ipv4-addr:value = '${ip}']`, object_marking_refs: [TLP2_MARKING_IDS.clear] }),
      indicator({ pattern: "[ipv4-addr:value = '198.18.0.9']", object_marking_refs: [TLP2_MARKING_IDS.amber] }),
    ]);
    await eu.add('eu', 'indicators', [indicator({ pattern: "[ipv4-addr:value = '198.18.0.9']", object_marking_refs: [TLP2_MARKING_IDS.amber] })]);
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('counts objects added per day, only those the caller may read', async () => {
    const mine = await get('co', '/colombia/search/activity/?days=3').expect(200);
    const today = new Date().toISOString().slice(0, 10);
    expect(mine.body.days.map((d: { date: string }) => d.date)).toHaveLength(3);
    expect(mine.body.days[2]).toEqual({ date: today, objects: 6 });
    expect(mine.body.days[0].objects).toBe(0);
    // The AMBER indicator is its submitter's organisation's only.
    const other = await get('coOther', '/colombia/search/activity/?days=3').expect(200);
    expect(other.body.days[2]).toEqual({ date: today, objects: 5 });
    expect((await get('co', '/colombia/search/activity/').expect(200)).body.days).toHaveLength(14);
    await get('co', '/colombia/search/activity/?days=0').expect(400);
    await get('co', '/colombia/search/activity/?days=91').expect(400);
    await get('eu', '/colombia/search/activity/').expect(404);
  });

  it('finds every readable object naming an IP, with collection, date_added, TLP, source and other groups', async () => {
    const res = await get('co', `/colombia/search/observables/?value=${ip}`).expect(200);
    const ids = res.body.results.map((r: { object: { id: string } }) => r.object.id);
    expect(ids).toEqual(expect.arrayContaining([clearIp.id, amberIp.id, cidr.id]));
    const hit = res.body.results.find((r: { object: { id: string } }) => r.object.id === clearIp.id);
    expect(hit).toMatchObject({ collection: { alias: 'indicators' }, tlp: 'clear', source_organisation: ORG_CO_CERT, matched: [`ipv4:${ip}`], other_groups: 1 });
    expect(hit.date_added).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(res.body.values).toEqual([{ value: ip, kind: 'ipv4' }]);
  });

  it('does not count another group\'s AMBER report of the value', async () => {
    await co.add('colombia', 'indicators', [indicator({ pattern: "[ipv4-addr:value = '198.18.0.9']" })]);
    const res = await get('co', '/colombia/search/observables/?value=198.18.0.9').expect(200);
    expect(res.body.results).toHaveLength(1);
    expect(res.body.results[0].other_groups).toBe(0);
  });

  it('hides an AMBER object from another organisation of the same group', async () => {
    const res = await get('coOther', `/colombia/search/observables/?value=${ip}`).expect(200);
    const ids = res.body.results.map((r: { object: { id: string } }) => r.object.id);
    expect(ids).toContain(clearIp.id);
    expect(ids).not.toContain(amberIp.id);
    const text = await get('coOther', '/colombia/search/objects/?q=amber%20lead').expect(200);
    expect(text.body.results).toEqual([]);
  });

  it('answers 404 for another trust group, exactly as for an absent one', async () => {
    const theirs = await get('eu', `/colombia/search/observables/?value=${ip}`);
    const absent = await get('eu', `/no-such-group/search/observables/?value=${ip}`);
    expect(theirs.status).toBe(404);
    expect({ ...theirs.body, error_id: '', description: '' }).toEqual({ ...absent.body, error_id: '', description: '' });
  });

  it('finds the addresses inside a CIDR and the subdomains of a domain', async () => {
    const net = await get('co', '/colombia/search/observables/?value=203.0.113.0/25').expect(200);
    expect(net.body.results.map((r: { object: { id: string } }) => r.object.id)).toEqual(expect.arrayContaining([clearIp.id, cidr.id]));
    const dom = await get('co', '/colombia/search/observables/?value=evil-energy.example').expect(200);
    expect(dom.body.results.map((r: { object: { id: string } }) => r.object.id)).toEqual([sub.id]);
    const none = await get('co', '/colombia/search/observables/?value=energy.example').expect(200);
    expect(none.body.results).toEqual([]);
  });

  it('looks up values in bulk and pages with signed next tokens bound to the request', async () => {
    const first = await post('co', '/colombia/search/observables/', { values: [ip, 'login.evil-energy.example', 'not a value!'], limit: 2 }).expect(200);
    expect(first.body.results).toHaveLength(2);
    expect(first.body.unrecognised).toEqual(['not a value!']);
    expect(first.body.more).toBe(true);
    const seen = first.body.results.map((r: { object: { id: string } }) => r.object.id);
    let next = first.body.next as string | undefined;
    while (next) {
      const page = await post('co', '/colombia/search/observables/', { values: [ip, 'login.evil-energy.example', 'not a value!'], limit: 2, next }).expect(200);
      seen.push(...page.body.results.map((r: { object: { id: string } }) => r.object.id));
      next = page.body.next;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining([clearIp.id, amberIp.id, cidr.id, sub.id]));
    const replay = await post('co', '/colombia/search/observables/', { values: [ip], limit: 2, next: first.body.next });
    expect(replay.status).toBe(400);
    expect(replay.body.error_code).toBe('invalid_next');
    const tooMany = await post('co', '/colombia/search/observables/', { values: Array.from({ length: 1001 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) });
    expect(tooMany.status).toBe(400);
  });

  it('searches words of name, description and aliases, with filters and facets', async () => {
    const alias = await get('co', '/colombia/search/objects/?q=crushgrid&facets=true').expect(200);
    expect(alias.body.results.map((r: { object: { id: string } }) => r.object.id)).toEqual([mal.id]);
    expect(alias.body.facets).toMatchObject({ type: { malware: 1 }, complete: true });
    const words = await get('co', '/colombia/search/objects/?q=substation%20gateways&label=scanner&confidence_min=50').expect(200);
    expect(words.body.results.map((r: { object: { id: string } }) => r.object.id)).toEqual([clearIp.id]);
    const low = await get('co', '/colombia/search/objects/?type=indicator&confidence_max=30').expect(200);
    expect(low.body.results.map((r: { object: { id: string } }) => r.object.id)).toEqual([cidr.id]);
    const tlp = await get('co', '/colombia/search/objects/?type=indicator&marking=amber&facets=true').expect(200);
    expect(tlp.body.results.map((r: { object: { id: string } }) => r.object.id)).toEqual([amberIp.id]);
    expect(tlp.body.facets.tlp).toEqual({ amber: 1 });
    const unknown = await get('co', '/colombia/search/objects/?colour=red');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error_code).toBe('unknown_parameter');
  });

  it('returns the neighbourhood of an object over its relationships', async () => {
    const res = await get('co', `/colombia/search/neighbourhood/${mal.id}/?hops=2`).expect(200);
    expect(res.body.nodes.map((n: { id: string }) => n.id)).toEqual(expect.arrayContaining([mal.id, clearIp.id]));
    expect(res.body.edges).toEqual([{ id: rel.id, type: 'indicates', source: clearIp.id, target: mal.id }]);
    await get('co', `/colombia/search/neighbourhood/${mal.id}/?hops=4`).expect(400);
    await get('eu', `/eu/search/neighbourhood/${mal.id}/`).expect(404);
  });
});

afterAll(() => kit.cleanup());
