import { loadIcsTechniques } from '../../server/correlation/attack-ics';
import { defaultConfig } from '../../server/correlation/config';
import { Graph } from '../../server/correlation/graph';
import { targeting } from '../../server/correlation/rules/targeting';
import type { ObjectMeta, RuleInput, StixObject, StoredObject } from '../../server/correlation/types';

const PUENTE = 'identity--00000000-0000-4000-8000-000000000001';
const ORG = 'identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
let seq = 0;
const id = (type: string) => `${type}--00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

function obj(stix: Partial<StixObject> & { type: string }, meta: Partial<ObjectMeta> = {}): StoredObject {
  return { stix: { id: id(stix.type), ...stix } as StixObject, meta: { date_added: '2025-04-01T00:00:00.000000Z', organisation: ORG, group: 'colombia', tlp: 'green', readers: [], ...meta } };
}
const rel = (type: string, from: StoredObject, to: StoredObject, meta: Partial<ObjectMeta> = {}) =>
  obj({ type: 'relationship', relationship_type: type, source_ref: from.stix.id, target_ref: to.stix.id }, meta);

function run(newObjects: StoredObject[], stored: StoredObject[] = [], cfg = defaultConfig('colombia', PUENTE)) {
  const input: RuleInput = { group: 'colombia', graph: new Graph('colombia', newObjects, stored), external: [], comparisonsOf: () => null, ics: loadIcsTechniques([]) };
  return targeting(input, cfg);
}

describe('targeting rule', () => {
  it('fires when malware targets an energy-sector identity, referencing threat, relationship and target', () => {
    const m = obj({ type: 'malware', name: 'GridKiller' });
    const e = obj({ type: 'identity', name: 'Power Co', sectors: ['energy'] });
    const r = rel('targets', m, e);
    const alerts = run([m, e, r]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].stix.object_refs).toEqual([m.stix.id, e.stix.id, r.stix.id].sort());
    expect(alerts[0].stix).toMatchObject({ x_puente_rule: 'targeting', x_puente_severity: 'high' });
    expect(String(alerts[0].stix.x_puente_explanation)).toContain('"GridKiller"');
    expect(String(alerts[0].stix.x_puente_explanation)).toContain('energy');
  });

  it('does not fire when the sector is not critical', () => {
    const m = obj({ type: 'malware', name: 'ShopSkimmer' });
    const shop = obj({ type: 'identity', sectors: ['retail'] });
    expect(run([m, shop, rel('targets', m, shop)])).toEqual([]);
  });

  it('follows a two-hop chain indicator -indicates-> malware -targets-> identity with medium severity', () => {
    const i = obj({ type: 'indicator', pattern: "[ipv4-addr:value = '198.51.100.1']", pattern_type: 'stix' });
    const m = obj({ type: 'malware' });
    const w = obj({ type: 'identity', sectors: ['water'] });
    const alerts = run([i, rel('indicates', i, m)], [m, w, rel('targets', m, w)]);
    const fromIndicator = alerts.filter((a) => String(a.stix.x_puente_explanation).startsWith('indicator'));
    expect(fromIndicator).toHaveLength(1);
    expect(fromIndicator[0].stix.x_puente_severity).toBe('medium');
  });

  it('does not go beyond maxHops', () => {
    const cfg = defaultConfig('colombia', PUENTE);
    cfg.targeting.maxHops = 1;
    const i = obj({ type: 'indicator' });
    const m = obj({ type: 'malware' });
    const w = obj({ type: 'identity', sectors: ['water'] });
    const alerts = run([i, rel('indicates', i, m)], [m, w, rel('targets', m, w)], cfg);
    expect(alerts.filter((a) => (a.stix.object_refs as string[]).includes(i.stix.id))).toEqual([]);
  });

  it('lets an intrusion set inherit the targets of a campaign attributed to it', () => {
    const is = obj({ type: 'intrusion-set', name: 'Sandworm' });
    const c = obj({ type: 'campaign' });
    const n = obj({ type: 'identity', sectors: ['nuclear'] });
    const alerts = run([rel('attributed-to', c, is)], [is, c, n, rel('targets', c, n)]);
    expect(alerts.map((a) => String(a.stix.x_puente_explanation)).some((t) => t.startsWith('intrusion-set "Sandworm"') && t.includes('<-attributed-to-'))).toBe(true);
  });

  it('never takes the identity a threat actor is attributed to for its target', () => {
    const actor = obj({ type: 'threat-actor', name: 'Ugly Gorilla' });
    const sponsor = obj({ type: 'identity', name: 'Unit 61398', sectors: ['government-national'] });
    expect(run([actor, rel('attributed-to', actor, sponsor)], [sponsor])).toEqual([]);
    // The same identity as a victim is a target.
    expect(run([actor, rel('targets', actor, sponsor)], [sponsor])).toHaveLength(1);
  });

  it('does not link two malware families through a shared technique', () => {
    const m1 = obj({ type: 'malware' });
    const m2 = obj({ type: 'malware' });
    const ap = obj({ type: 'attack-pattern' });
    const h = obj({ type: 'identity', sectors: ['healthcare'] });
    const alerts = run([m1, rel('uses', m1, ap)], [m2, ap, h, rel('uses', m2, ap), rel('targets', m2, h)]);
    expect(alerts.filter((a) => (a.stix.object_refs as string[]).includes(m1.stix.id))).toEqual([]);
  });

  it('reports a protected infrastructure as critical severity', () => {
    const cfg = defaultConfig('colombia', PUENTE);
    const infra = obj({ type: 'infrastructure', name: 'SCADA gateway' });
    cfg.protectedAssets.ids = [infra.stix.id];
    const t = obj({ type: 'tool' });
    const alerts = run([t, infra, rel('targets', t, infra)], [], cfg);
    expect(alerts[0]?.stix.x_puente_severity).toBe('critical');
  });

  it('treats a sighting at a critical identity as a link', () => {
    const i = obj({ type: 'indicator' });
    const bank = obj({ type: 'identity', sectors: ['financial-services'] });
    const s = obj({ type: 'sighting', sighting_of_ref: i.stix.id, where_sighted_refs: [bank.stix.id] });
    expect(run([s], [i, bank])).toHaveLength(1);
  });

  it('does not re-report a path that has nothing new in it', () => {
    const m = obj({ type: 'malware' });
    const e = obj({ type: 'identity', sectors: ['energy'] });
    const unrelated = obj({ type: 'note' });
    expect(run([unrelated], [m, e, rel('targets', m, e)])).toEqual([]);
  });

  it('does not use a critical identity that sits in another group and was not released', () => {
    const m = obj({ type: 'malware' });
    const foreign = obj({ type: 'identity', sectors: ['energy'] }, { group: 'nato-liaison' });
    expect(run([m, rel('targets', m, foreign)], [foreign])).toEqual([]);
  });

  it('does use one that another group released to this group', () => {
    const m = obj({ type: 'malware' });
    const released = obj({ type: 'identity', sectors: ['energy'] }, { group: 'nato-liaison', released_to: ['colombia'] });
    expect(run([m, rel('targets', m, released)], [released])).toHaveLength(1);
  });

  it('ignores revoked threats and revoked relationships', () => {
    const m = obj({ type: 'malware', revoked: true });
    const m2 = obj({ type: 'malware' });
    const e = obj({ type: 'identity', sectors: ['energy'] });
    const r2 = rel('targets', m2, e);
    r2.stix.revoked = true;
    expect(run([m, m2, e, rel('targets', m, e), r2])).toEqual([]);
  });

  it('marks the alert as restrictively as its evidence', () => {
    const m = obj({ type: 'malware' }, { tlp: 'amber', readers: [ORG] });
    const e = obj({ type: 'identity', sectors: ['energy'] }, { tlp: 'clear' });
    const [a] = run([m, e, rel('targets', m, e)]);
    expect(a.meta).toEqual({ tlp: 'amber', readers: [ORG] });
  });

  it('yields the same alerts whatever order the objects arrive in', () => {
    const m = obj({ type: 'malware' });
    const e1 = obj({ type: 'identity', sectors: ['energy'] });
    const e2 = obj({ type: 'identity', sectors: ['dams'] });
    const objs = [m, e1, e2, rel('targets', m, e1), rel('targets', m, e2)];
    expect(JSON.stringify(run(objs))).toBe(JSON.stringify(run([...objs].reverse())));
  });
});
