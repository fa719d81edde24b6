import { loadIcsTechniques } from '../../server/correlation/attack-ics';
import { defaultConfig } from '../../server/correlation/config';
import { Graph } from '../../server/correlation/graph';
import { runAllRules } from '../../server/correlation/index';
import { loadRuleInput, type GraphLoader } from '../../server/correlation/preload';
import { recurrence } from '../../server/correlation/rules/recurrence';
import type { ComparisonsOf, ExternalObservation, ObjectMeta, RuleInput, StixObject, StoredObject } from '../../server/correlation/types';
import { extractComparisons, parsePattern } from '../../server/stix/pattern';

const PUENTE = 'identity--00000000-0000-4000-8000-000000000001';
const ORG_A = 'identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const ORG_B = 'identity--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const ORG_C = 'identity--cccccccc-cccc-4ccc-8ccc-cccccccccccc';
let seq = 0;
const id = (type: string) => `${type}--00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
const comparisonsOf: ComparisonsOf = (text) => {
  const r = parsePattern(text);
  return r.ok ? extractComparisons(r.ast) : null;
};

function obj(stix: Partial<StixObject> & { type: string }, meta: Partial<ObjectMeta> = {}): StoredObject {
  return { stix: { id: id(stix.type), ...stix } as StixObject, meta: { date_added: '2025-06-10T00:00:00.000000Z', organisation: ORG_A, group: 'colombia', tlp: 'green', readers: [], ...meta } };
}
const ind = (pattern: string, meta: Partial<ObjectMeta> = {}) => obj({ type: 'indicator', pattern_type: 'stix', pattern }, meta);

function run(newObjects: StoredObject[], stored: StoredObject[] = [], external: ExternalObservation[] = []) {
  const input: RuleInput = { group: 'colombia', graph: new Graph('colombia', newObjects, stored), external, comparisonsOf, ics: loadIcsTechniques([]) };
  return recurrence(input, defaultConfig('colombia', PUENTE));
}

describe('recurrence rule', () => {
  it('fires when two organisations of the group report the same IP, however written', () => {
    const a = ind("[ipv4-addr:value = '198.51.100.7']", { organisation: ORG_A, date_added: '2025-06-01T00:00:00Z' });
    const b = obj({ type: 'ipv4-addr', value: '198.51.100.7' }, { organisation: ORG_B });
    const alerts = run([b], [a]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].stix).toMatchObject({ x_puente_rule: 'recurrence', x_puente_severity: 'medium' });
    expect(alerts[0].stix.object_refs).toEqual([a.stix.id, b.stix.id].sort());
  });

  it('matches domains case-insensitively and without the trailing dot', () => {
    const a = obj({ type: 'domain-name', value: 'C2.Example.NET.' }, { organisation: ORG_A });
    const b = ind("[domain-name:value = 'c2.example.net']", { organisation: ORG_B });
    expect(run([a, b])).toHaveLength(1);
  });

  it('does not fire for one organisation reporting twice', () => {
    const a = ind("[url:value = 'http://x.example/a']", { organisation: ORG_A, date_added: '2025-06-01T00:00:00Z' });
    const b = obj({ type: 'url', value: 'HTTP://X.EXAMPLE:80/a' }, { organisation: ORG_A });
    expect(run([b], [a])).toEqual([]);
  });

  it('does not count reports outside the window', () => {
    const old = ind("[ipv4-addr:value = '198.51.100.8']", { organisation: ORG_B, date_added: '2025-04-01T00:00:00Z' });
    expect(run([obj({ type: 'ipv4-addr', value: '198.51.100.8' })], [old])).toEqual([]);
  });

  it('fires on a report in another trust group, referencing only its own evidence and naming no one', () => {
    const mine = obj({ type: 'file', hashes: { 'SHA-256': 'ab'.repeat(32) } });
    const external: ExternalObservation[] = [{ key: `file:SHA-256:${'AB'.repeat(32)}`, group: 'eu', organisations: [ORG_C], count: 3, last_seen: '2025-06-09T00:00:00Z' }];
    const [a] = run([mine], [], external);
    expect(a.stix.object_refs).toEqual([mine.stix.id]);
    expect(a.stix.x_puente_severity).toBe('high');
    const text = JSON.stringify(a.stix);
    expect(text).not.toContain('"eu"');
    expect(text).not.toContain(ORG_C);
    expect(String(a.stix.x_puente_explanation)).toContain('1 other trust group');
  });

  it('does not use objects of another group that were not released, even when loaded by mistake', () => {
    const foreign = ind("[ipv4-addr:value = '198.51.100.9']", { group: 'eu', organisation: ORG_B });
    expect(run([obj({ type: 'ipv4-addr', value: '198.51.100.9' })], [foreign])).toEqual([]);
  });

  it('ignores stale external counts', () => {
    const external: ExternalObservation[] = [{ key: 'ipv4:198.51.100.10', group: 'eu', organisations: [ORG_C], count: 1, last_seen: '2025-01-01T00:00:00Z' }];
    expect(run([obj({ type: 'ipv4-addr', value: '198.51.100.10' })], [], external)).toEqual([]);
  });

  it('does not count restricted reports that share no reader: no alert reveals they exist', () => {
    const a = ind("[ipv4-addr:value = '198.51.100.11']", { organisation: ORG_A, tlp: 'amber', readers: [ORG_A] });
    const b = ind("[ipv4-addr:value = '198.51.100.11']", { organisation: ORG_B, tlp: 'amber', readers: [ORG_B] });
    const c = obj({ type: 'ipv4-addr', value: '198.51.100.11' }, { organisation: ORG_C, tlp: 'green' });
    expect(run([a, b, c])).toEqual([]);
  });

  it('counts and references only unrestricted reports when restricted ones share no reader', () => {
    const a = ind("[ipv4-addr:value = '198.51.100.12']", { organisation: ORG_A, tlp: 'amber', readers: [ORG_A] });
    const b = ind("[ipv4-addr:value = '198.51.100.12']", { organisation: ORG_B, tlp: 'amber', readers: [ORG_B] });
    const c = obj({ type: 'ipv4-addr', value: '198.51.100.12' }, { organisation: ORG_C, tlp: 'green' });
    const d = obj({ type: 'ipv4-addr', value: '198.51.100.12' }, { organisation: ORG_A, tlp: 'green' });
    const [alert] = run([a, b, c, d]);
    expect((alert!.stix.object_refs as string[]).sort()).toEqual([c.stix.id, d.stix.id].sort());
    expect(alert!.meta).toEqual({ tlp: 'green', readers: [] });
    expect(alert!.stix.x_puente_explanation).toMatch(/2 organisations/);
  });
});

describe('loadRuleInput and runAllRules', () => {
  function memoryLoader(all: StoredObject[], external: ExternalObservation[] = []): GraphLoader & { calls: number } {
    const readable = (g: string, o: StoredObject) => o.meta.group === g || (o.meta.released_to ?? []).includes(g);
    const loader = {
      calls: 0,
      async getByIds(g: string, ids: string[]) {
        loader.calls++;
        return all.filter((o) => readable(g, o) && ids.includes(o.stix.id));
      },
      async getLinksTouching(g: string, ids: string[]) {
        loader.calls++;
        return all.filter((o) => readable(g, o) && [o.stix.source_ref, o.stix.target_ref, o.stix.sighting_of_ref, ...((o.stix.where_sighted_refs as string[]) ?? [])].some((r) => ids.includes(String(r))));
      },
      async getByObservableKeys(g: string, keys: string[]) {
        loader.calls++;
        const { observableKeysOf } = await import('../../server/correlation/observables');
        return all.filter((o) => o.meta.group === g && observableKeysOf(o.stix, comparisonsOf).some((k) => keys.includes(k)));
      },
      async countObservableKeysElsewhere(_g: string, keys: string[]) {
        loader.calls++;
        return external.filter((e) => keys.includes(e.key));
      },
    };
    return loader;
  }

  it('preloads a two-hop neighbourhood and the rules find the path through it', async () => {
    const cfg = defaultConfig('colombia', PUENTE);
    const m = obj({ type: 'malware', name: 'Triton' }, { date_added: '2025-05-01T00:00:00Z' });
    const e = obj({ type: 'identity', sectors: ['energy'] }, { date_added: '2025-05-01T00:00:00Z' });
    const t = obj({ type: 'relationship', relationship_type: 'targets', source_ref: m.stix.id, target_ref: e.stix.id }, { date_added: '2025-05-01T00:00:00Z' });
    const i = ind("[ipv4-addr:value = '203.0.113.5']");
    const r = obj({ type: 'relationship', relationship_type: 'indicates', source_ref: i.stix.id, target_ref: m.stix.id });
    const loader = memoryLoader([m, e, t, i, r]);
    const input = await loadRuleInput(loader, cfg, [i, r], { comparisonsOf, ics: loadIcsTechniques([]), now: '2025-06-10T00:00:00Z' });
    expect(input.graph.get(e.stix.id)).toBeDefined();
    const result = runAllRules(input, cfg);
    expect(result.counts.targeting).toBe(1);
    expect(result.alerts[0].stix.object_refs).toEqual([e.stix.id, i.stix.id, m.stix.id, r.stix.id, t.stix.id].sort());
    expect(loader.calls).toBeLessThanOrEqual(8);
  });

  it('refuses a configuration for another group', () => {
    const input: RuleInput = { group: 'eu', graph: new Graph('eu', [], []), external: [], comparisonsOf, ics: loadIcsTechniques([]) };
    expect(() => runAllRules(input, defaultConfig('colombia', PUENTE))).toThrow();
  });

  it('runs 10,000 new objects against 20,000 stored without blowing up (smoke, not a benchmark)', () => {
    const stored: StoredObject[] = [];
    const fresh: StoredObject[] = [];
    const sectors = ['energy', 'retail', 'water', 'education'];
    const hub = obj({ type: 'identity', sectors: ['energy'] });
    stored.push(hub);
    for (let k = 0; k < 5000; k++) {
      const m = obj({ type: 'malware' });
      const v = obj({ type: 'identity', sectors: [sectors[k % 4]] });
      stored.push(m, v, obj({ type: 'relationship', relationship_type: 'targets', source_ref: m.stix.id, target_ref: v.stix.id }));
      const i = ind(`[ipv4-addr:value = '10.${(k >> 8) & 255}.${k & 255}.1']`, { organisation: k % 2 ? ORG_A : ORG_B });
      fresh.push(i, obj({ type: 'relationship', relationship_type: 'indicates', source_ref: i.stix.id, target_ref: m.stix.id }));
      if (k % 10 === 0) stored.push(obj({ type: 'relationship', relationship_type: 'targets', source_ref: m.stix.id, target_ref: hub.stix.id }));
    }
    const cfg = defaultConfig('colombia', PUENTE);
    cfg.protectedAssets.cidrs = ['10.0.0.0/8'];
    const input: RuleInput = { group: 'colombia', graph: new Graph('colombia', fresh, stored), external: [], comparisonsOf, ics: loadIcsTechniques([]) };
    const { counts } = runAllRules(input, cfg);
    expect(counts['asset-match']).toBe(5000);
    expect(counts.targeting).toBeGreaterThan(2500);
  });
});
