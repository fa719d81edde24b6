import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadIcsTechniques } from '../../server/correlation/attack-ics';
import { defaultConfig } from '../../server/correlation/config';
import { Graph } from '../../server/correlation/graph';
import { icsTechniques } from '../../server/correlation/rules/ics-techniques';
import type { ObjectMeta, RuleInput, StixObject, StoredObject } from '../../server/correlation/types';

const PUENTE = 'identity--00000000-0000-4000-8000-000000000001';
const ORG = 'identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const bundle = JSON.parse(readFileSync(join(__dirname, '../../reference/ics-attack/ics-attack-18.1.json'), 'utf8')) as { objects: StixObject[] };
const ics = loadIcsTechniques(bundle);
const cfg = defaultConfig('nato-liaison', PUENTE);

const meta = (m: Partial<ObjectMeta> = {}): ObjectMeta => ({ date_added: '2025-05-01T00:00:00.000000Z', organisation: ORG, group: 'nato-liaison', tlp: 'clear', readers: [], ...m });
const asStored = (stix: StixObject, m: Partial<ObjectMeta> = {}): StoredObject => ({ stix, meta: meta(m) });

function run(newObjects: StoredObject[], stored: StoredObject[] = []) {
  const input: RuleInput = { group: 'nato-liaison', graph: new Graph('nato-liaison', newObjects, stored), external: [], comparisonsOf: () => null, ics };
  return icsTechniques(input, cfg);
}

describe('ATT&CK for ICS technique lookup (ics-attack-18.1)', () => {
  it('loads all 95 ICS attack-patterns, 83 current and 12 deprecated', () => {
    const all = [...ics.byStixId.values()];
    expect(all).toHaveLength(95);
    expect(all.filter((t) => t.deprecated)).toHaveLength(12);
  });

  it('finds techniques by ATT&CK id whether cited as mitre-attack or mitre-ics-attack', () => {
    expect(ics.byExternalId.get('T0803')?.name).toBe('Block Command Message');
    expect(ics.byExternalId.get('T0850')?.deprecated).toBe(true);
    expect(ics.byExternalId.get('T0803')?.tactics).toEqual(['inhibit-response-function']);
  });

  it('ignores enterprise techniques', () => {
    expect(loadIcsTechniques([{ type: 'attack-pattern', id: 'attack-pattern--x', kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'execution' }], external_references: [{ source_name: 'mitre-attack', external_id: 'T1059' }] }]).byStixId.size).toBe(0);
  });
});

describe('ics-techniques rule on the real ATT&CK for ICS bundle, reported by a CERT', () => {
  // MITRE's own objects are reference knowledge (graph.ts FRAMEWORK_AUTHORS) and raise nothing:
  // here a CERT reports every `uses` of the bundle as its own, with MITRE's objects as context.
  const CERT = 'identity--5b6f1a2c-8d3e-4f50-9a61-7b8c9d0e1f23';
  const objects = bundle.objects.map((o) => asStored(o.type === 'relationship' ? { ...o, created_by_ref: CERT } : o));
  const alerts = run(objects);
  const uses = bundle.objects.filter((o) => o.type === 'relationship' && o.relationship_type === 'uses' && String(o.target_ref).startsWith('attack-pattern--'));

  it('fires once per (user, technique) for each of the 246 uses relationships', () => {
    const pairs = new Set(uses.map((r) => `${String(r.source_ref)}|${String(r.target_ref)}`));
    expect(uses).toHaveLength(246);
    expect(pairs.size).toBe(246);
    expect(alerts).toHaveLength(246);
  });

  it('covers 23 malware, 7 intrusion sets and 7 campaigns', () => {
    const users = new Map<string, Set<string>>();
    for (const a of alerts) {
      const user = (a.stix.object_refs as string[]).find((r) => /^(malware|intrusion-set|campaign)--/.test(r)) as string;
      const t = user.split('--')[0];
      users.set(t, (users.get(t) ?? new Set()).add(user));
    }
    expect(Object.fromEntries([...users].map(([t, s]) => [t, s.size]))).toEqual({ malware: 23, 'intrusion-set': 7, campaign: 7 });
  });

  it('rates users of process-impairing techniques critical, the others high', () => {
    // The bundle holds two malware objects named Industroyer; take either one's alerts.
    const industroyer = new Set(bundle.objects.filter((o) => o.type === 'malware' && o.name === 'Industroyer').map((o) => o.id));
    const mine = alerts.filter((a) => (a.stix.object_refs as string[]).some((r) => industroyer.has(r)));
    expect(mine.length).toBeGreaterThan(0);
    const t0855 = mine.find((a) => String(a.stix.x_puente_explanation).includes('T0855'));
    expect(t0855?.stix.x_puente_severity).toBe('critical');
    expect(new Set(alerts.map((a) => a.stix.x_puente_severity))).toEqual(new Set(['high', 'critical']));
  });

  it('references user, relationship and technique, and keeps the MITRE statement marking', () => {
    const a = alerts[0];
    const types = (a.stix.object_refs as string[]).map((r) => r.split('--')[0]);
    expect(types).toHaveLength(3);
    expect(types).toEqual(expect.arrayContaining(['attack-pattern', 'relationship']));
    expect(a.stix.object_marking_refs).toContain('marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168');
    expect(a.meta.tlp).toBe('clear');
  });

  it('is deterministic across runs', () => {
    expect(JSON.stringify(run(objects))).toBe(JSON.stringify(alerts));
  });
});

describe('ics-techniques rule on crafted reports', () => {
  const t0855 = ics.byExternalId.get('T0855');
  const mal = (extra: Partial<StixObject> = {}): StixObject => ({ type: 'malware', id: 'malware--11111111-1111-4111-8111-111111111111', name: 'Crafted', is_family: true, ...extra });

  it('fires on a group report that uses an ICS technique it does not hold, naming it in the text only', () => {
    const m = mal();
    const r: StixObject = { type: 'relationship', id: 'relationship--22222222-2222-4222-8222-222222222222', relationship_type: 'uses', source_ref: m.id, target_ref: t0855?.stixId as string };
    const [a] = run([asStored(m), asStored(r)]);
    expect(a.stix.object_refs).toEqual([m.id, r.id].sort());
    expect(String(a.stix.x_puente_explanation)).toContain('T0855 "Unauthorized Command Message"');
  });

  it('fires on an object citing an ICS technique in external_references', () => {
    const m = mal({ external_references: [{ source_name: 'mitre-attack', external_id: 'T0831' }] });
    expect(run([asStored(m)])).toHaveLength(1);
  });

  it('fires on an indicator with an ICS kill chain phase, at medium or above', () => {
    const i: StixObject = { type: 'indicator', id: 'indicator--33333333-3333-4333-8333-333333333333', kill_chain_phases: [{ kill_chain_name: 'mitre-ics-attack', phase_name: 'collection' }] };
    const [a] = run([asStored(i)]);
    expect(a.stix.x_puente_severity).toBe('medium');
  });

  it('does not fire on enterprise technique ids or other relationship types', () => {
    const m = mal({ external_references: [{ source_name: 'mitre-attack', external_id: 'T1059' }, { source_name: 'capec', external_id: 'T0855' }] });
    const r: StixObject = { type: 'relationship', id: 'relationship--44444444-4444-4444-8444-444444444444', relationship_type: 'related-to', source_ref: m.id, target_ref: t0855?.stixId as string };
    expect(run([asStored(m), asStored(r)])).toEqual([]);
  });

  it('does not fire when the user sits in another group and was not released', () => {
    const m = mal();
    const r: StixObject = { type: 'relationship', id: 'relationship--55555555-5555-4555-8555-555555555555', relationship_type: 'uses', source_ref: m.id, target_ref: t0855?.stixId as string };
    expect(run([asStored(r)], [asStored(m, { group: 'eu' })])).toEqual([]);
  });
});
