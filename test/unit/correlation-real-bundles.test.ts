/**
 * Every rule on real data the repository ships: the MITRE ATT&CK for ICS 18.1 bundle, the DISARM
 * bundle (reference/) and the OASIS cti-documentation example bundles (test/fixtures/stix), each
 * pushed alone into an empty trust group by its author. The counts are documented in
 * docs/correlation.md; a change in them is a change in behaviour.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadIcsTechniques } from '../../server/correlation/attack-ics';
import { defaultConfig } from '../../server/correlation/config';
import { loadDisarmTechniques } from '../../server/correlation/disarm';
import { comparisonsOf } from '../../server/correlation/engine';
import { Graph } from '../../server/correlation/graph';
import { runAllRules, RULES } from '../../server/correlation/index';
import type { RuleInput, StixObject, StoredObject } from '../../server/correlation/types';

const ROOT = join(__dirname, '../..');
const read = (p: string) => JSON.parse(readFileSync(join(ROOT, p), 'utf8')) as { objects: StixObject[] };
const icsBundle = read('reference/ics-attack/ics-attack-18.1.json');
const disarmBundle = read('reference/disarm/DISARM.json');
const ics = loadIcsTechniques(icsBundle);
const disarm = loadDisarmTechniques(disarmBundle);
const EXAMPLES = 'test/fixtures/stix/cti-documentation/examples/example_json';
const SUBMITTER = 'identity--0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a';

function runOn(objects: StixObject[]) {
  // Each object submitted by its author when it names one (so two authors are two organisations).
  const stored: StoredObject[] = objects.map((stix, i) => ({
    stix,
    meta: { date_added: `2026-03-01T00:00:${String(i % 60).padStart(2, '0')}.000000Z`, organisation: typeof stix.created_by_ref === 'string' ? stix.created_by_ref : SUBMITTER, group: 'eu', tlp: 'clear', readers: [] },
  }));
  const input: RuleInput = { group: 'eu', graph: new Graph('eu', stored, []), external: [], comparisonsOf, ics, disarm };
  const { alerts, counts } = runAllRules(input, defaultConfig('eu', 'identity--8e2a4f1c-3b5d-5c7e-9f01-70756e746531'));
  return { alerts, counts: Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0)) };
}

describe('rules on the shipped framework bundles', () => {
  it('DISARM alone raises nothing from any rule', () => {
    expect(runOn(disarmBundle.objects).counts).toEqual({});
  });

  it('ATT&CK for ICS alone raises nothing: MITRE\'s own technique uses (246 of them) are reference knowledge, not a report', () => {
    expect(runOn(icsBundle.objects).counts).toEqual({});
  });

  it('both together: nothing either', () => {
    const { counts } = runOn([...icsBundle.objects, ...disarmBundle.objects]);
    expect(counts).toEqual({});
  });

  it('a CERT reporting one of those uses itself raises its alert, with MITRE\'s objects as context', () => {
    const uses = icsBundle.objects.filter((o) => o.type === 'relationship' && o.relationship_type === 'uses' && String(o.target_ref).startsWith('attack-pattern--'));
    expect(uses.length).toBeGreaterThan(100);
    const report = { ...uses[0]!, id: 'relationship--6d2a6c1e-0b7e-4b8e-9c51-3f3e0a9b7c11', created_by_ref: 'identity--5b6f1a2c-8d3e-4f50-9a61-7b8c9d0e1f23' };
    expect(runOn([...icsBundle.objects, report]).counts).toEqual({ 'ics-techniques': 1 });
  });
});

describe('rules on the OASIS cti-documentation example bundles', () => {
  const files = readdirSync(join(ROOT, EXAMPLES)).filter((f) => f.endsWith('.json')).sort();
  const results = Object.fromEntries(files.map((f) => [f, runOn(read(`${EXAMPLES}/${f}`).objects).counts]));

  it('raises these alerts, bundle by bundle', () => {
    expect(results).toEqual(EXPECTED);
  });

  it('names every rule it can', () => {
    expect(Object.keys(RULES)).toHaveLength(7);
  });
});

// Hand-checked: sighting-of-an-indicator.json is Alpha's indicator on url:http://paypa1.banking.com/
// sighted by Beta, two organisations (recurrence, sightings counted as reports). apt1.json raised 12
// targeting alerts while attributed-to was followed forwards: its threat actors attributed-to the
// identities behind them (sector government-national), who are not their victims; it raises none now.
const EXPECTED: Record<string, Record<string, number>> = {
  'apt1.json': {},
  'defining-campaigns-threat-actors-intrusion-sets.json': {},
  'identifying-a-threat-actor-profile.json': {},
  'indicator-for-malicious-url.json': {},
  'malware-indicator-for-file-hash.json': {},
  'poisonivy.json': {},
  'sighting-of-an-indicator.json': { recurrence: 1 },
  'sighting-of-observed-data.json': { recurrence: 2 },
  'threat-actor-leveraging-attack-patterns-and-malware.json': {},
  'using-granular-markings.json': {},
  'using-marking-definitions.json': {},
};
