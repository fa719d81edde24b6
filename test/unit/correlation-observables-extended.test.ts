import { loadIcsTechniques } from '../../server/correlation/attack-ics';
import { defaultConfig } from '../../server/correlation/config';
import { comparisonsOf } from '../../server/correlation/engine';
import { Graph } from '../../server/correlation/graph';
import { observableKeysOf, scoKeys } from '../../server/correlation/observables';
import { recurrence } from '../../server/correlation/rules/recurrence';
import type { ObjectMeta, StixObject, StoredObject } from '../../server/correlation/types';

const ORG_A = 'identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const ORG_B = 'identity--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const keysOfPattern = (pattern: string) => observableKeysOf({ type: 'indicator', id: 'indicator--x', pattern, pattern_type: 'stix' }, comparisonsOf);
const SHA = 'AB'.repeat(32);

describe('observable keys beyond addresses and files', () => {
  it('x509-certificate hashes, mac-addr and user-account from SCOs and from patterns alike', () => {
    expect(scoKeys({ type: 'x509-certificate', hashes: { 'SHA-256': SHA.toLowerCase() } })).toEqual([`x509:SHA-256:${SHA}`]);
    expect(keysOfPattern(`[x509-certificate:hashes.'SHA-256' = '${SHA}']`)).toEqual([`x509:SHA-256:${SHA}`]);
    expect(scoKeys({ type: 'mac-addr', value: '00:1a:2b:3c:4d:5e' })).toEqual(['mac:00:1a:2b:3c:4d:5e']);
    expect(keysOfPattern("[mac-addr:value = '00-1A-2B-3C-4D-5E']")).toEqual(['mac:00:1a:2b:3c:4d:5e']);
    expect(scoKeys({ type: 'user-account', account_login: '@Eco_Noticias', user_id: '1234567' }).sort()).toEqual(['account:1234567', 'account:eco_noticias']);
    expect(keysOfPattern("[user-account:account_login = 'eco_noticias']")).toEqual(['account:eco_noticias']);
  });

  it('crime observables, each in one canonical form', () => {
    expect(scoKeys({ type: 'cryptocurrency-wallet', value: 'bc1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KYGT080' })).toEqual(['wallet:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080']);
    expect(scoKeys({ type: 'cryptocurrency-wallet', value: '1BoatSLRHtKNngkdXEeobR76b53LETtpyT' })).toEqual(['wallet:1BoatSLRHtKNngkdXEeobR76b53LETtpyT']);
    expect(scoKeys({ type: 'cryptocurrency-transaction', symbol: 'ETH', value: `0x${'Ab'.repeat(32)}` })).toEqual([`crypto-tx:${'ab'.repeat(32)}`]);
    expect(scoKeys({ type: 'bank-account', iban: 'es91 2100 0418 4502 0005 1332', account_number: '0200051332' })).toEqual(['iban:ES9121000418450200051332']);
    expect(keysOfPattern("[phone-number:value = '+57 (300) 123-4567']")).toEqual(['phone:+573001234567']);
    expect(scoKeys({ type: 'phone-number', value: '0057 300 123 4567' })).toEqual(['phone:+573001234567']);
    expect(scoKeys({ type: 'vessel', imo: 'IMO 9321483', mmsi: '538001234' }).sort()).toEqual(['imo:9321483', 'mmsi:538001234']);
    expect(scoKeys({ type: 'aircraft', icao24: '0C20A7', registration: 'hk 4980' }).sort()).toEqual(['aircraft:HK4980', 'icao24:0c20a7']);
    expect(scoKeys({ type: 'vessel', imo: '12345' })).toEqual([]);
  });

  it('a sighting reports what it sighted, when the sighted object is at hand', () => {
    const ind: StixObject = { type: 'indicator', id: 'indicator--11111111-1111-4111-8111-111111111111', pattern: "[ipv4-addr:value = '203.0.113.9']", pattern_type: 'stix' };
    const s: StixObject = { type: 'sighting', id: 'sighting--22222222-2222-4222-8222-222222222222', sighting_of_ref: ind.id };
    expect(observableKeysOf(s, comparisonsOf, (id) => (id === ind.id ? ind : undefined))).toEqual(['ipv4:203.0.113.9']);
    expect(observableKeysOf(s, comparisonsOf)).toEqual([]);
  });
});

describe('sightings count as reports for recurrence', () => {
  it('an indicator of one CERT sighted by another is reported by two organisations', () => {
    const meta = (org: string, d: string): ObjectMeta => ({ date_added: d, organisation: org, group: 'eu', tlp: 'clear', readers: [], });
    const ind: StixObject = { type: 'indicator', spec_version: '2.1', id: 'indicator--11111111-1111-4111-8111-111111111111', created: '2026-03-01T00:00:00Z', modified: '2026-03-01T00:00:00Z', pattern: "[ipv4-addr:value = '203.0.113.9']", pattern_type: 'stix', valid_from: '2026-03-01T00:00:00Z' };
    const s: StixObject = { type: 'sighting', spec_version: '2.1', id: 'sighting--22222222-2222-4222-8222-222222222222', created: '2026-03-05T00:00:00Z', modified: '2026-03-05T00:00:00Z', sighting_of_ref: ind.id };
    const stored: StoredObject[] = [{ stix: ind, meta: meta(ORG_A, '2026-03-01T00:00:00.000000Z') }];
    const fresh: StoredObject[] = [{ stix: s, meta: meta(ORG_B, '2026-03-05T00:00:00.000000Z') }];
    const alerts = recurrence({ group: 'eu', graph: new Graph('eu', fresh, stored), external: [], comparisonsOf, ics: loadIcsTechniques([]) }, defaultConfig('eu', 'identity--00000000-0000-4000-8000-000000000001'));
    expect(alerts).toHaveLength(1);
    expect(alerts[0].stix.object_refs).toEqual([ind.id, s.id].sort());
    expect(String(alerts[0].stix.x_puente_explanation)).toContain('2 organisations');
  });
});
