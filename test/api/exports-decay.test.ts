/**
 * Indicator decay in exports (server/exports/decay.ts) through HTTP into the real database: a value
 * older than its kind's lifetime drops out of exports, a new version or a sighting renews it, a
 * sighting the caller may not read renews nothing, and TAXII keeps every object.
 */
import request from 'supertest';
import { startTestHub, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { TokenKit, ORG_CO_CERT, ORG_CO_MIN } from '../support/auth';
import { indicator, stixId } from '../support/stix';
import { TLP2_MARKING_IDS } from '../../server/stix/markings';

const kit = new TokenKit();
let t: TestHub;
let co: Client;
let col: string;
const tokens = { originator: '', member: '' };
const AT = '2026-03-01T00:00:00Z'; // 59 days after the indicators' dates

const old = (name: string, pattern: string, extra: Record<string, unknown> = {}) =>
  indicator({ name, pattern, created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', valid_from: '2026-01-01T00:00:00Z', ...extra });
const sighting = (of: string, lastSeen: string, extra: Record<string, unknown> = {}) => ({
  type: 'sighting', spec_version: '2.1', id: stixId('sighting'), created: '2026-02-20T00:00:00.000Z', modified: '2026-02-20T00:00:00.000Z',
  sighting_of_ref: of, first_seen: '2026-02-19T00:00:00Z', last_seen: lastSeen, ...extra,
});

const expired = old('Expired IP', "[ipv4-addr:value = '10.7.0.1']");
const sighted = old('Sighted IP', "[ipv4-addr:value = '10.7.1.2']");
const domain = old('Domain within 90 days', "[domain-name:value = 'keep.example']");
const hash = old('Hash without a lifetime', "[file:hashes.'SHA-256' = 'aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11']");
const mixed = old('IP and domain', "[ipv4-addr:value = '10.7.2.3'] OR [domain-name:value = 'mixed.example']");
const secretlySighted = old('Sighted in AMBER', "[ipv4-addr:value = '10.7.3.4']");
const renewed = old('Renewed IP', "[ipv4-addr:value = '10.7.4.5']");

beforeAll(async () => {
  t = await startTestHub({ ...kit.env(), PUENTE_INDICATOR_LIFETIMES: JSON.stringify({ colombia: { ipv4: 30, domain: 90 } }) });
  tokens.originator = kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer'] });
  tokens.member = kit.token(ORG_CO_MIN, { colombia: ['reader'] });
  co = client(t.app, { Authorization: `Bearer ${tokens.originator}` });
  col = await co.collectionId('colombia', 'indicators');
  const res = await co.add('colombia', 'indicators', [
    expired, sighted, domain, hash, mixed, secretlySighted, renewed,
    sighting(sighted.id as string, '2026-02-20T00:00:00Z'),
    // Only its submitter's organisation reads an AMBER sighting: it must not renew the value for others.
    sighting(secretlySighted.id as string, '2026-02-25T00:00:00Z', { object_marking_refs: [TLP2_MARKING_IDS.amber] }),
    { ...renewed, modified: '2026-02-15T00:00:00.000Z' },
  ]);
  expect(res.body.failure_count).toBe(0);
});
afterAll(async () => {
  await t.close();
  kit.cleanup();
});

const text = (token: string, query = `?valid_at=${AT}`) =>
  request(t.app).get(`/colombia/collections/${col}/exports/text/${query}`).set('Authorization', `Bearer ${token}`).expect(200);
const lines = (s: string) => s.split('\n').filter(Boolean);

it('leaves out values past their lifetime and keeps those a sighting or a new version renewed', async () => {
  const res = await text(tokens.member);
  expect(lines(res.text)).toEqual(['10.7.1.2', '10.7.4.5', 'aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11', 'keep.example', 'mixed.example']);
  // Expired IP and the AMBER-sighted one; "IP and domain" still has its domain.
  expect(res.headers['x-puente-decayed']).toBe('2');
});

it('renews a value by a sighting only for those who may read the sighting', async () => {
  const res = await text(tokens.originator);
  expect(lines(res.text)).toContain('10.7.3.4');
  expect(res.headers['x-puente-decayed']).toBe('1');
});

it('keeps every value while it is young', async () => {
  const res = await text(tokens.member, '?valid_at=2026-01-15T00:00:00Z');
  expect(lines(res.text)).toEqual(expect.arrayContaining(['10.7.0.1', '10.7.2.3', '10.7.3.4']));
  expect(res.headers['x-puente-decayed']).toBe('0');
});

it('never drops a decayed indicator out of TAXII', async () => {
  const res = await request(t.app)
    .get(`/colombia/collections/${col}/objects/?match[id]=${expired.id as string}`)
    .set('Authorization', `Bearer ${tokens.member}`)
    .set('Accept', 'application/taxii+json;version=2.1')
    .expect(200);
  expect(res.body.objects.map((o: { id: string }) => o.id)).toEqual([expired.id]);
});

it('decays the same in a streamed format (csv)', async () => {
  const res = await request(t.app).get(`/colombia/collections/${col}/exports/csv/?valid_at=${AT}`).set('Authorization', `Bearer ${tokens.member}`).expect(200);
  expect(res.text).not.toContain('10.7.0.1');
  expect(res.text).toContain('10.7.1.2');
});
