import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { icsTechniqueOf, loadIcsTechniques } from '../../server/correlation/attack-ics';
import { defaultConfig } from '../../server/correlation/config';
import { DISARM_IDENTITY, disarmTechniqueOf, isDisarm, loadDisarmTechniques } from '../../server/correlation/disarm';
import { Graph } from '../../server/correlation/graph';
import { icsTechniques } from '../../server/correlation/rules/ics-techniques';
import type { ObjectMeta, RuleInput, StixObject, StoredObject } from '../../server/correlation/types';

const PUENTE = 'identity--00000000-0000-4000-8000-000000000001';
const CERT = 'identity--cccccccc-cccc-4ccc-8ccc-cccccccccccc';
const read = (p: string) => JSON.parse(readFileSync(join(__dirname, '../../reference', p), 'utf8')) as { objects: StixObject[] };
const disarmBundle = read('disarm/DISARM.json');
const icsBundle = read('ics-attack/ics-attack-18.1.json');
const disarm = loadDisarmTechniques(disarmBundle);
const ics = loadIcsTechniques(icsBundle);
const cfg = defaultConfig('eu', PUENTE);

const meta = (m: Partial<ObjectMeta> = {}): ObjectMeta => ({ date_added: '2025-05-01T00:00:00.000000Z', organisation: CERT, group: 'eu', tlp: 'clear', readers: [], ...m });
const asStored = (stix: StixObject): StoredObject => ({ stix, meta: meta() });
const runIcs = (objs: StixObject[]) => {
  const input: RuleInput = { group: 'eu', graph: new Graph('eu', objs.map(asStored), []), external: [], comparisonsOf: () => null, ics, disarm };
  return icsTechniques(input, cfg);
};
const campaign: StixObject = { type: 'campaign', spec_version: '2.1', id: 'campaign--11111111-1111-4111-8111-111111111111', created: '2025-05-01T00:00:00Z', modified: '2025-05-01T00:00:00Z', name: 'Operación Eco', created_by_ref: CERT };
const uses = (target: string, n = 1): StixObject => ({
  type: 'relationship', spec_version: '2.1', id: `relationship--2222222${n}-2222-4222-8222-222222222222`, created: '2025-05-01T00:00:00Z', modified: '2025-05-01T00:00:00Z',
  relationship_type: 'uses', source_ref: campaign.id, target_ref: target, created_by_ref: CERT,
});
/** How OpenCTI and MISP export a technique: the author's own attack-pattern citing the ATT&CK id. */
const certPattern = (id: string, extra: Partial<StixObject>): StixObject => ({
  type: 'attack-pattern', spec_version: '2.1', id, created: '2025-04-30T00:00:00Z', modified: '2025-04-30T00:00:00Z', created_by_ref: CERT, ...extra,
});

describe('DISARM lookup (DISARM Foundation bundle)', () => {
  it('loads the 391 techniques with their DISARM tactics', () => {
    expect(disarm.byStixId.size).toBe(391);
    expect(disarm.tactics.size).toBe(16);
    const t = disarm.byExternalId.get('T0085.001');
    expect(t?.tactics.map((x) => x.externalId)).toEqual(['TA06']);
    expect(disarm.byExternalId.get('T0002')?.tactics[0]).toEqual({ externalId: 'TA02', name: 'Plan Objectives', shortname: 'plan-objectives' });
  });

  it('recognises DISARM by its identity, its tactics, its URLs or its id namespace, not by source_name', () => {
    expect(disarmBundle.objects.filter((o) => o.type === 'attack-pattern').every((o) => isDisarm(o, disarm))).toBe(true);
    const cited = certPattern('attack-pattern--33333333-3333-4333-8333-333333333333', { name: 'Develop AI-generated text', external_references: [{ source_name: 'mitre-attack', external_id: 'T0085.001' }] });
    expect(disarmTechniqueOf(cited, disarm)?.technique?.name).toBe(disarm.byExternalId.get('T0085.001')?.name);
    const byPhase = certPattern('attack-pattern--44444444-4444-4444-8444-444444444444', { name: 'x', kill_chain_phases: [{ kill_chain_name: 'disarm', phase_name: 'develop-narratives' }] });
    expect(disarmTechniqueOf(byPhase, disarm)).toEqual({ technique: null, tactics: [disarm.tactics.get('develop-narratives')] });
    const enterprise = certPattern('attack-pattern--55555555-5555-4555-8555-555555555555', { name: 'Phishing', external_references: [{ source_name: 'mitre-attack', external_id: 'T1566' }], kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'initial-access' }] });
    expect(isDisarm(enterprise, disarm)).toBe(false);
    expect(disarmTechniqueOf(enterprise, disarm)).toBeNull();
  });
});

describe('DISARM techniques never fire the ICS rule', () => {
  it('raises nothing on the whole DISARM bundle, nor on a campaign using all its techniques', () => {
    const aps = disarmBundle.objects.filter((o) => o.type === 'attack-pattern');
    expect(runIcs([...disarmBundle.objects, campaign, ...aps.map((a, i) => ({ ...uses(a.id), id: `relationship--${String(i).padStart(8, '0')}-2222-4222-8222-222222222222` }))])).toEqual([]);
  });

  it('ignores a DISARM-marked pattern even if it cited an ICS id', () => {
    // An id clash that does not exist today (DISARM ids stop at T0155) must still not make it ICS.
    const clash = certPattern('attack-pattern--66666666-6666-4666-8666-666666666666', { name: 'x', created_by_ref: DISARM_IDENTITY, external_references: [{ source_name: 'mitre-attack', external_id: 'T0855' }] });
    expect(icsTechniqueOf(clash, ics, disarm)).toBeNull();
    expect(runIcs([campaign, clash, uses(clash.id)])).toEqual([]);
    const cited: StixObject = { ...campaign, external_references: [{ source_name: 'mitre-attack', external_id: 'T0855', url: 'https://github.com/DISARMFoundation/x' }] };
    expect(runIcs([cited])).toEqual([]);
  });
});

describe('ICS rule on attack-patterns as CERTs export them', () => {
  it('fires on a uses to a CERT-authored attack-pattern citing T0855 in external_references', () => {
    const ap = certPattern('attack-pattern--77777777-7777-4777-8777-777777777777', { name: 'Unauthorized Command Message', external_references: [{ source_name: 'mitre-attack', external_id: 'T0855', url: 'https://attack.mitre.org/techniques/T0855' }] });
    const alerts = runIcs([campaign, ap, uses(ap.id)]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].stix.object_refs).toEqual([ap.id, campaign.id, uses(ap.id).id].sort());
    expect(alerts[0].stix.x_puente_severity).toBe('critical'); // T0855 is impair-process-control
    expect(String(alerts[0].stix.x_puente_explanation)).toContain('T0855');
  });

  it('fires on a uses to an attack-pattern with only the ICS kill chain', () => {
    const ap = certPattern('attack-pattern--88888888-8888-4888-8888-888888888888', { name: 'Manipulación de PLC', kill_chain_phases: [{ kill_chain_name: 'mitre-ics-attack', phase_name: 'inhibit-response-function' }] });
    const alerts = runIcs([campaign, ap, uses(ap.id)]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].stix.x_puente_severity).toBe('critical');
    expect(String(alerts[0].stix.x_puente_explanation)).toContain('inhibit-response-function');
  });

  it('does not fire on a CERT attack-pattern citing an Enterprise technique', () => {
    const ap = certPattern('attack-pattern--99999999-9999-4999-8999-999999999999', { name: 'Phishing', external_references: [{ source_name: 'mitre-attack', external_id: 'T1566' }] });
    expect(runIcs([campaign, ap, uses(ap.id)])).toEqual([]);
  });
});
