import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadIcsTechniques } from '../../server/correlation/attack-ics';
import { defaultConfig, validateConfig, type GroupCorrelationConfig } from '../../server/correlation/config';
import { loadDisarmTechniques } from '../../server/correlation/disarm';
import { comparisonsOf } from '../../server/correlation/engine';
import { Graph } from '../../server/correlation/graph';
import { coordinatedInauthentic } from '../../server/correlation/rules/coordinated-inauthentic';
import { influenceCampaign } from '../../server/correlation/rules/influence-campaign';
import type { ExternalObservation, ObjectMeta, RuleInput, StixObject, StoredObject } from '../../server/correlation/types';

const PUENTE = 'identity--00000000-0000-4000-8000-000000000001';
const ORG_A = 'identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const ORG_B = 'identity--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const disarmBundle = JSON.parse(readFileSync(join(__dirname, '../../reference/disarm/DISARM.json'), 'utf8')) as { objects: StixObject[] };
const disarm = loadDisarmTechniques(disarmBundle);
const ics = loadIcsTechniques([]);
const T = (id: string) => disarm.byExternalId.get(id)!.stixId;

let n = 0;
const uuid = () => `${(++n).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
const sdo = (type: string, extra: Record<string, unknown> = {}): StixObject => ({ type, spec_version: '2.1', id: `${type}--${uuid()}`, created: '2026-03-01T00:00:00Z', modified: '2026-03-01T00:00:00Z', ...extra });
const rel = (type: string, from: StixObject | string, to: StixObject | string): StixObject =>
  sdo('relationship', { relationship_type: type, source_ref: typeof from === 'string' ? from : from.id, target_ref: typeof to === 'string' ? to : to.id });
const at = (stix: StixObject, m: Partial<ObjectMeta> = {}): StoredObject => ({ stix, meta: { date_added: '2026-03-10T00:00:00.000000Z', organisation: ORG_A, group: 'colombia', tlp: 'clear', readers: [], ...m } });

function input(newObjects: StoredObject[], stored: StoredObject[] = [], external: ExternalObservation[] = []): RuleInput {
  return { group: 'colombia', graph: new Graph('colombia', newObjects, stored), external, comparisonsOf, ics, disarm };
}
const cfg = (f: (c: GroupCorrelationConfig) => void = () => {}) => {
  const c = defaultConfig('colombia', PUENTE);
  f(c);
  expect(validateConfig(c)).toEqual([]);
  return c;
};

describe('influence-campaign', () => {
  const campaign = sdo('campaign', { name: 'Operación Eco' });

  it('fires on DISARM techniques from two tactics, naming the ids and tactics', () => {
    // T0085.001 is Develop Content (TA06), T0049 Flood Information Space is Maximise Exposure (TA17).
    const objs = [campaign, rel('uses', campaign, T('T0085.001')), rel('uses', campaign, T('T0049'))].map((o) => at(o));
    const [a, ...rest] = influenceCampaign(input(objs), cfg());
    expect(rest).toEqual([]);
    expect(a.stix).toMatchObject({ type: 'grouping', context: 'suspicious-activity', x_puente_rule: 'influence-campaign', x_puente_severity: 'medium' });
    expect(a.stix.x_puente_disarm_techniques).toEqual(['T0049', 'T0085.001']);
    expect(a.stix.x_puente_disarm_tactics).toEqual(['TA06 Develop Content', 'TA17 Maximise Exposure']);
    expect(String(a.stix.x_puente_explanation)).toContain('T0085.001');
    expect(a.stix.object_refs).toContain(campaign.id);
  });

  it('fires on CERT-authored attack-patterns citing DISARM ids or carrying only DISARM tactics (OpenCTI/MISP shapes)', () => {
    // As exporters write it: the CERT's own objects, source_name "mitre-attack", DISARM ids and phases.
    const cited = sdo('attack-pattern', { name: 'Develop AI-Generated Text', external_references: [{ source_name: 'mitre-attack', external_id: 'T0085.001' }] });
    const phaseOnly = sdo('attack-pattern', { name: 'Amplificación coordinada', kill_chain_phases: [{ kill_chain_name: 'disarm', phase_name: 'maximise-exposure' }] });
    const objs = [campaign, cited, phaseOnly, rel('uses', campaign, cited), rel('uses', campaign, phaseOnly)].map((o) => at(o));
    const [a] = influenceCampaign(input(objs), cfg());
    expect(a.stix.x_puente_disarm_techniques).toEqual(['T0085.001']);
    expect(a.stix.x_puente_disarm_tactics).toEqual(['TA06 Develop Content', 'TA17 Maximise Exposure']);
    expect(a.stix.object_refs).toEqual(expect.arrayContaining([cited.id, phaseOnly.id]));
    expect(String(a.stix.x_puente_explanation)).toContain('Amplificación coordinada');
  });

  it('does not fire on one tactic alone, nor on ATT&CK techniques, nor on uses outside the window', () => {
    const sameTactic = [campaign, rel('uses', campaign, T('T0085.001')), rel('uses', campaign, T('T0085.003'))].map((o) => at(o));
    expect(disarm.byExternalId.get('T0085.003')!.tactics.map((t) => t.externalId)).toEqual(['TA06']);
    expect(influenceCampaign(input(sameTactic), cfg())).toEqual([]);
    const enterprise = sdo('attack-pattern', { name: 'Phishing', external_references: [{ source_name: 'mitre-attack', external_id: 'T1566' }] });
    expect(influenceCampaign(input([campaign, enterprise, rel('uses', campaign, enterprise), rel('uses', campaign, T('T0049'))].map((o) => at(o))), cfg())).toEqual([]);
    const old = at(rel('uses', campaign, T('T0085.001')), { date_added: '2026-01-01T00:00:00.000000Z' });
    expect(influenceCampaign(input([at(campaign), at(rel('uses', campaign, T('T0049')))], [old]), cfg())).toEqual([]);
  });

  it('fires on one DISARM technique against a government identity or a political label, high', () => {
    const ministry = sdo('identity', { name: 'Registraduría', identity_class: 'organization', sectors: ['government-national'] });
    const party = sdo('identity', { name: 'Partido X', identity_class: 'organization', labels: ['political-party'] });
    for (const target of [ministry, party]) {
      const objs = [campaign, target, rel('uses', campaign, T('T0085.001')), rel('targets', campaign, target)].map((o) => at(o));
      const alerts = influenceCampaign(input(objs), cfg());
      expect(alerts).toHaveLength(1);
      expect(alerts[0].stix.x_puente_severity).toBe('high');
      expect(alerts[0].stix.object_refs).toContain(target.id);
    }
    const utility = sdo('identity', { name: 'Electrificadora', identity_class: 'organization', sectors: ['utilities'], labels: ['electricity'] });
    expect(influenceCampaign(input([campaign, utility, rel('uses', campaign, T('T0085.001')), rel('targets', campaign, utility)].map((o) => at(o))), cfg())).toEqual([]);
  });

  it('fires against a declared election and rises one step within 60 days before it', () => {
    const colombia = sdo('location', { name: 'Colombia', country: 'CO' });
    const objs = (date: string) => [campaign, colombia, rel('uses', campaign, T('T0085.001')), rel('targets', campaign, colombia)].map((o) => at(o, { date_added: date }));
    const c = cfg((x) => (x.influence.elections = [{ name: 'Presidenciales 2026', country: 'CO', start: '2026-05-31', end: '2026-06-21' }]));
    const before = influenceCampaign(input(objs('2026-04-15T00:00:00.000000Z')), c);
    expect(before[0].stix.x_puente_severity).toBe('critical');
    expect(String(before[0].stix.x_puente_explanation)).toContain('Presidenciales 2026');
    const early = influenceCampaign(input(objs('2026-02-01T00:00:00.000000Z')), c);
    expect(early[0].stix.x_puente_severity).toBe('high');
    expect(influenceCampaign(input(objs('2026-04-15T00:00:00.000000Z')), cfg())).toEqual([]); // no election declared, a location is no target
  });

  it('refuses a malformed election in the configuration', () => {
    const c = defaultConfig('colombia', PUENTE);
    c.influence.elections = [{ name: 'x', country: 'Colombia', start: '2026-05-31', end: '2026-06-21' }];
    expect(validateConfig(c)).toEqual(['election "x": country must be an ISO 3166-1 alpha-2 code']);
  });

  it('raises nothing on the DISARM bundle alone', () => {
    expect(influenceCampaign(input(disarmBundle.objects.map((o) => at(o))), cfg())).toEqual([]);
    expect(coordinatedInauthentic(input(disarmBundle.objects.map((o) => at(o))), cfg())).toEqual([]);
  });
});

describe('coordinated-inauthentic-infrastructure', () => {
  const campaign = sdo('campaign', { name: 'Operación Eco' });
  const usesT = rel('uses', campaign, T('T0085.001'));
  const ind = (pattern: string) => sdo('indicator', { pattern, pattern_type: 'stix', valid_from: '2026-03-01T00:00:00Z' });

  it('fires when two organisations link the same domain to disinformation', () => {
    const i1 = ind("[domain-name:value = 'noticias-eco.example']");
    const i2 = ind("[url:value = 'https://x.example/a'] OR [domain-name:value = 'NOTICIAS-ECO.example.']");
    const stored = [at(campaign), at(usesT), at(i1), at(rel('indicates', i1, campaign))];
    const labelled = sdo('report', { name: 'Red de cuentas', labels: ['disinformation'], published: '2026-03-09T00:00:00Z', object_refs: [i2.id] });
    const fresh = [at(i2, { organisation: ORG_B }), at(labelled, { organisation: ORG_B }), at(rel('related-to', i2, labelled), { organisation: ORG_B })];
    const alerts = coordinatedInauthentic(input(fresh, stored), cfg());
    expect(alerts.map((a) => a.stix.name)).toEqual(['Coordinated inauthentic infrastructure domain:noticias-eco.example']);
    expect(alerts[0].stix.object_refs).toEqual(expect.arrayContaining([i1.id, i2.id, campaign.id, labelled.id]));
    expect(alerts[0].stix.x_puente_severity).toBe('medium');
  });

  it('fires on accounts (user-account) in observed-data, and counts another group\'s TLP:CLEAR reports', () => {
    const acct = { type: 'user-account', spec_version: '2.1', id: `user-account--${uuid()}`, account_login: '@Eco_Noticias', account_type: 'twitter' } as StixObject;
    const od = sdo('observed-data', { first_observed: '2026-03-01T00:00:00Z', last_observed: '2026-03-01T00:00:00Z', number_observed: 1, object_refs: [acct.id] });
    const objs = [campaign, usesT, acct, od, rel('related-to', od, campaign)].map((o) => at(o));
    expect(coordinatedInauthentic(input(objs), cfg())).toEqual([]); // one organisation, one group
    const other: ExternalObservation = { key: 'account:eco_noticias', group: 'eu', organisations: [ORG_B], count: 1, last_seen: '2026-03-09T00:00:00.000000Z' };
    const alerts = coordinatedInauthentic(input(objs, [], [other]), cfg());
    expect(alerts).toHaveLength(1);
    expect(alerts[0].stix.x_puente_severity).toBe('high');
    expect(String(alerts[0].stix.x_puente_explanation)).toContain('1 other trust group');
    expect(String(alerts[0].stix.x_puente_explanation)).not.toContain('eu');
  });

  it('does not fire when the shared domain is not linked to disinformation, nor on a hash', () => {
    const malware = sdo('malware', { name: 'Generic', is_family: true });
    const i1 = ind("[domain-name:value = 'cdn.example']");
    const i2 = ind("[domain-name:value = 'cdn.example']");
    expect(coordinatedInauthentic(input([at(i2, { organisation: ORG_B }), at(rel('indicates', i2, malware), { organisation: ORG_B })], [at(malware), at(i1), at(rel('indicates', i1, malware))]), cfg())).toEqual([]);
    const h = `[file:hashes.'SHA-256' = '${'ab'.repeat(32)}']`;
    const h1 = ind(h);
    const h2 = ind(h);
    expect(coordinatedInauthentic(input([at(h2, { organisation: ORG_B }), at(rel('indicates', h2, campaign), { organisation: ORG_B })], [at(campaign), at(usesT), at(h1), at(rel('indicates', h1, campaign))]), cfg())).toEqual([]);
  });
});
