import { loadIcsTechniques } from '../../server/correlation/attack-ics';
import { matchComparison, indexAssets, likeToRegExp } from '../../server/correlation/assets';
import { defaultConfig } from '../../server/correlation/config';
import { Graph } from '../../server/correlation/graph';
import { assetMatch } from '../../server/correlation/rules/asset-match';
import type { ComparisonsOf, ObjectMeta, RuleInput, StixObject, StoredObject } from '../../server/correlation/types';
import { extractComparisons, parsePattern } from '../../server/stix/pattern';

const PUENTE = 'identity--00000000-0000-4000-8000-000000000001';
const ORG = 'identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const HOSPITAL = 'identity--12121212-1212-4121-8121-121212121212';
let seq = 0;
const id = (type: string) => `${type}--00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

const comparisonsOf: ComparisonsOf = (text) => {
  const r = parsePattern(text);
  return r.ok ? extractComparisons(r.ast) : null;
};

function obj(stix: Partial<StixObject> & { type: string }, meta: Partial<ObjectMeta> = {}): StoredObject {
  return { stix: { id: id(stix.type), ...stix } as StixObject, meta: { date_added: '2025-04-01T00:00:00.000000Z', organisation: ORG, group: 'eu', tlp: 'green', readers: [], ...meta } };
}
const indicator = (pattern: string, extra: Partial<StixObject> = {}) => obj({ type: 'indicator', pattern_type: 'stix', pattern, ...extra });

function config() {
  const cfg = defaultConfig('eu', PUENTE);
  cfg.protectedAssets = { ids: [HOSPITAL], cidrs: ['192.0.2.0/24', '2001:db8:100::/48'], domains: ['ministry.example.eu'], asns: [64500] };
  return cfg;
}

function run(newObjects: StoredObject[], stored: StoredObject[] = [], cfg = config()) {
  const input: RuleInput = { group: 'eu', graph: new Graph('eu', newObjects, stored), external: [], comparisonsOf, ics: loadIcsTechniques([]) };
  return assetMatch(input, cfg);
}

describe('asset-match rule: indicator patterns', () => {
  it.each([
    ["[ipv4-addr:value = '192.0.2.77']", '192.0.2.0/24'],
    ["[ipv4-addr:value ISSUBSET '192.0.0.0/16']", '192.0.2.0/24'],
    ["[ipv4-addr:value = '192.0.2.128/25']", '192.0.2.0/24'],
    ["[ipv6-addr:value = '2001:DB8:100::1']", '2001:db8:100::/48'],
    ["[domain-name:value = 'mail.MINISTRY.example.eu']", 'ministry.example.eu'],
    ["[domain-name:value = 'ministry.example.eu']", 'ministry.example.eu'],
    ["[domain-name:value LIKE '%.example.eu']", 'ministry.example.eu'],
    ["[domain-name:value MATCHES '^vpn\\\\.ministry\\\\.example\\\\.eu$']", 'ministry.example.eu'],
    ["[url:value = 'https://portal.ministry.example.eu/login']", 'ministry.example.eu'],
    ["[email-addr:value = 'ceo@Ministry.Example.eu']", 'ministry.example.eu'],
    ["[network-traffic:dst_ref.value = '192.0.2.5' AND network-traffic:dst_port = 502]", '192.0.2.0/24'],
    ['[autonomous-system:number = 64500]', 'AS64500'],
    ["[domain-name:value IN ('a.example.org', 'x.ministry.example.eu')]", 'ministry.example.eu'],
  ])('fires for %s', (pattern, asset) => {
    const alerts = run([indicator(pattern)]);
    expect(alerts).toHaveLength(1);
    expect(String(alerts[0].stix.x_puente_explanation)).toContain(asset);
    expect(alerts[0].stix.x_puente_severity).toBe('high');
  });

  it.each([
    "[ipv4-addr:value = '192.0.3.1']",
    "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
    "[domain-name:value = 'notministry.example.eu']",
    "[domain-name:value = 'example.eu']",
    "[domain-name:value LIKE '%.example.org']",
    "[ipv4-addr:value != '192.0.2.1']",
    "[ipv4-addr:value NOT = '192.0.2.1']",
    "[url:value = 'https://ministry.example.eu.attacker.example/']",
    '[autonomous-system:number = 64501]',
  ])('does not fire for %s', (pattern) => {
    expect(run([indicator(pattern)])).toEqual([]);
  });

  it('ignores patterns that do not parse and non-STIX pattern languages', () => {
    expect(run([indicator('[ipv4-addr:value = ]'), indicator("alert ip 192.0.2.1 any", { pattern_type: 'snort' })])).toEqual([]);
  });

  it('lowers the severity of a low-confidence indicator', () => {
    expect(run([indicator("[ipv4-addr:value = '192.0.2.1']", { confidence: 20 })])[0].stix.x_puente_severity).toBe('medium');
  });

  it('does nothing when the group protects nothing', () => {
    const cfg = defaultConfig('eu', PUENTE);
    expect(run([indicator("[ipv4-addr:value = '192.0.2.1']")], [], cfg)).toEqual([]);
  });
});

describe('asset-match rule: observed data and sightings', () => {
  it('fires on observed-data whose SCO is in a protected range and references that SCO', () => {
    const ip = obj({ type: 'ipv4-addr', value: '192.0.2.9' });
    const od = obj({ type: 'observed-data', object_refs: [ip.stix.id], number_observed: 1 });
    const [a] = run([od], [ip]);
    expect(a.stix.object_refs).toEqual([od.stix.id, ip.stix.id].sort());
  });

  it('resolves network-traffic dst_ref in the deprecated objects dictionary', () => {
    const od = obj({ type: 'observed-data', objects: { 0: { type: 'ipv4-addr', value: '198.51.100.1' }, 1: { type: 'network-traffic', src_ref: '0', dst_ref: '2' }, 2: { type: 'domain-name', value: 'ministry.example.eu' } } });
    expect(run([od])).toHaveLength(1);
  });

  it('does not fire on observed-data of unprotected values', () => {
    const ip = obj({ type: 'ipv4-addr', value: '203.0.113.9' });
    expect(run([obj({ type: 'observed-data', object_refs: [ip.stix.id] })], [ip])).toEqual([]);
  });

  it('rates a sighting of a matching indicator critical and references both', () => {
    const i = indicator("[domain-name:value = 'owa.ministry.example.eu']");
    const s = obj({ type: 'sighting', sighting_of_ref: i.stix.id });
    const alerts = run([s], [i]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].stix.x_puente_severity).toBe('critical');
    expect(alerts[0].stix.object_refs).toEqual([i.stix.id, s.stix.id].sort());
  });

  it('fires on a sighting at a protected identity', () => {
    const i = indicator("[ipv4-addr:value = '203.0.113.1']");
    expect(run([obj({ type: 'sighting', sighting_of_ref: i.stix.id, where_sighted_refs: [HOSPITAL] })], [i])).toHaveLength(1);
  });

  it('does not use evidence that sits in another group and was not released', () => {
    const foreign = obj({ type: 'ipv4-addr', value: '192.0.2.9' }, { group: 'nato-liaison' });
    const od = obj({ type: 'observed-data', object_refs: [foreign.stix.id] });
    expect(run([od], [foreign])).toEqual([]);
  });

  it('never references an object the group cannot read, even when the sighting matches otherwise', () => {
    const foreign = indicator("[ipv4-addr:value = '192.0.2.1']", {});
    foreign.meta.group = 'nato-liaison';
    const s = obj({ type: 'sighting', sighting_of_ref: foreign.stix.id, where_sighted_refs: [HOSPITAL] });
    const alerts = run([s], [foreign]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].stix.object_refs).toEqual([s.stix.id]);
  });
});

describe('asset matching helpers', () => {
  it('translates LIKE wildcards and escapes regular-expression characters', () => {
    expect(likeToRegExp('a_c%.eu').test('abcdef.eu')).toBe(true);
    expect(likeToRegExp('a.c').test('abc')).toBe(false);
  });

  it('matches an ISSUPERSET range that contains a protected range', () => {
    const idx = indexAssets({ ids: [], cidrs: ['192.0.2.0/24'], domains: [], asns: [] });
    expect(matchComparison({ objectType: 'ipv4-addr', path: ['value'], op: 'ISSUPERSET', negated: false, value: { type: 'string', value: '192.0.2.0/28' } }, idx)).toEqual(['192.0.2.0/24']);
  });

  it('rejects a protected range that does not parse, at configuration time', () => {
    expect(() => indexAssets({ ids: [], cidrs: ['192.0.2.0/99'], domains: [], asns: [] })).toThrow();
  });
});
