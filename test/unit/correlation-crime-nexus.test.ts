import { loadIcsTechniques } from '../../server/correlation/attack-ics';
import { defaultConfig } from '../../server/correlation/config';
import { comparisonsOf } from '../../server/correlation/engine';
import { Graph, linkEndsOf } from '../../server/correlation/graph';
import { crimeCyberNexus } from '../../server/correlation/rules/crime-cyber-nexus';
import type { ObjectMeta, StixObject, StoredObject } from '../../server/correlation/types';
import { deterministicId } from '../../server/stix/puente-extensions';

const PUENTE = 'identity--00000000-0000-4000-8000-000000000001';
const CERT = 'identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const POLICE = 'identity--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
let n = 0;
const uuid = () => `${(++n).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
const sdo = (type: string, extra: Record<string, unknown> = {}): StixObject => ({ type, spec_version: '2.1', id: `${type}--${uuid()}`, created: '2026-03-01T00:00:00Z', modified: '2026-03-01T00:00:00Z', ...extra });
const rel = (type: string, from: StixObject, to: StixObject) => sdo('relationship', { relationship_type: type, source_ref: from.id, target_ref: to.id });
const at = (stix: StixObject, m: Partial<ObjectMeta> = {}): StoredObject => ({ stix, meta: { date_added: '2026-03-10T00:00:00.000000Z', organisation: CERT, group: 'eu', tlp: 'green', readers: [], ...m } });
const run = (fresh: StoredObject[], stored: StoredObject[] = []) =>
  crimeCyberNexus({ group: 'eu', graph: new Graph('eu', fresh, stored), external: [], comparisonsOf, ics: loadIcsTechniques([]) }, defaultConfig('eu', PUENTE));

const walletOf = (value: string): StixObject => {
  const o = { type: 'cryptocurrency-wallet', spec_version: '2.1', value } as Record<string, unknown>;
  return { ...o, id: deterministicId(o) } as StixObject;
};
const ransomware = sdo('malware', { name: 'LockEco', is_family: true, malware_types: ['ransomware'] });
const police = sdo('identity', { name: 'Policía Nacional', identity_class: 'organization', sectors: ['law-enforcement'] });

describe('crime-cyber-nexus', () => {
  it('fires when a ransomware wallet is cited by an organised-crime report, whichever came first', () => {
    const w = walletOf('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080');
    const pays = rel('related-to', ransomware, w);
    const report = sdo('report', { name: 'Red de lavado', labels: ['organised-crime'], published: '2026-03-09T00:00:00Z', object_refs: [w.id] });
    expect(linkEndsOf(report)).toEqual([w.id]); // so a stored report is found from the wallet
    const a = run([at(report, { organisation: POLICE })], [at(ransomware), at(w), at(pays)]);
    expect(a).toHaveLength(1);
    expect(a[0].stix).toMatchObject({ x_puente_rule: 'crime-cyber-nexus', x_puente_severity: 'high' });
    expect(a[0].stix.object_refs).toEqual([ransomware.id, pays.id, report.id, w.id].sort());
    const b = run([at(pays)], [at(ransomware), at(w), at(report, { organisation: POLICE })]);
    expect(b.map((x) => x.stix.id)).toEqual([a[0].stix.id]);
  });

  it('joins by the normalised key: an indicator on the IBAN, and a report by law enforcement citing the bank-account', () => {
    const infra = sdo('infrastructure', { name: 'Mula bancaria', infrastructure_types: ['exfiltration'] });
    const ind = sdo('indicator', { pattern: "[bank-account:iban = 'es91 2100 0418 4502 0005 1332']", pattern_type: 'stix', valid_from: '2026-03-01T00:00:00Z' });
    const acct = { type: 'bank-account', spec_version: '2.1', iban: 'ES9121000418450200051332' } as Record<string, unknown>;
    const account = { ...acct, id: deterministicId(acct) } as StixObject;
    const report = sdo('report', { name: 'Caso 2026-114', created_by_ref: police.id, published: '2026-03-09T00:00:00Z', object_refs: [account.id] });
    const a = run([at(ind), at(rel('indicates', ind, infra))], [at(infra), at(police), at(account), at(report)]);
    expect(a.map((x) => x.stix.name)).toEqual(['Crime–cyber nexus iban:ES9121000418450200051332']);
    expect(String(a[0].stix.x_puente_explanation)).toContain('law enforcement');
  });

  it('does not fire without both sides, nor for a report that is not about organised crime', () => {
    const w = walletOf('0xAbCdEf0123456789aBcDeF0123456789AbCdEf01');
    const pays = rel('related-to', ransomware, w);
    expect(run([at(ransomware), at(w), at(pays)])).toEqual([]);
    const plain = sdo('report', { name: 'Weekly', labels: ['threat-report'], published: '2026-03-09T00:00:00Z', object_refs: [w.id] });
    expect(run([at(plain)], [at(ransomware), at(w), at(pays)])).toEqual([]);
    const crimeOnly = sdo('report', { name: 'x', labels: ['trafficking'], published: '2026-03-09T00:00:00Z', object_refs: [w.id] });
    const campaign = sdo('campaign', { name: 'not a cyber threat here' });
    expect(run([at(crimeOnly)], [at(campaign), at(w), at(rel('related-to', campaign, w))])).toEqual([]);
  });
});
