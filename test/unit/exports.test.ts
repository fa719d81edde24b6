/** Export pieces that are pure code: which patterns are exportable, CIDR collapsing, sids. */
import { patternValues, valuesOf } from '../../server/exports/values';
import { collapse } from '../../server/exports/formats/text';
import { SID_MIN, SID_SPAN, sidOf } from '../../server/exports/formats/rules';

describe('patternValues', () => {
  it.each([
    ["[ipv4-addr:value = '198.51.100.7']", ['ipv4:198.51.100.7']],
    ["[ipv4-addr:value = '198.51.100.0/24'] OR [domain-name:value = 'A.Example.']", ['ipv4:198.51.100.0/24', 'domain:a.example']],
    ["[url:value IN ('http://x.example/a', 'http://x.example/a')]", ['url:http://x.example/a']],
    ["[file:hashes.'SHA-1' = 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709' AND file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E']", ['sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709', 'md5:d41d8cd98f00b204e9800998ecf8427e']],
    ["[email-addr:value = 'A@B.example' OR ipv6-addr:value = '2001:DB8::1']", ['email:a@b.example', 'ipv6:2001:db8::1']],
  ])('exports %s', (pattern, expected) => {
    const r = patternValues(pattern);
    expect(r.ok && r.values.map((v) => `${v.kind}:${v.value}`)).toEqual(expected);
  });

  it.each([
    "[domain-name:value LIKE '%.example']",
    "[url:value MATCHES '^http']",
    "[ipv4-addr:value != '198.51.100.7']",
    "[ipv4-addr:value NOT = '198.51.100.7']",
    "[ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.8']",
    "[ipv4-addr:value = '198.51.100.7'] AND [ipv4-addr:value = '198.51.100.8']",
    "[ipv4-addr:value = '198.51.100.7'] WITHIN 60 SECONDS",
    "([ipv4-addr:value = '198.51.100.7']) REPEATS 2 TIMES",
    "[network-traffic:dst_port = 443 AND network-traffic:dst_ref.value = '198.51.100.7']",
    "[ipv4-addr:value = '198.51.100.7' AND domain-name:value = 'a.example']",
    "[ipv4-addr:value = '198.51.100.7' OR process:pid = 4]",
    "[autonomous-system:number = 64496]",
    "[ipv4-addr:value = 'not an address']",
    'not a pattern',
  ])('leaves %s out', (pattern) => {
    expect(patternValues(pattern).ok).toBe(false);
  });

  it('reads SCOs and ignores other objects', () => {
    expect(valuesOf({ type: 'ipv4-addr', value: '192.0.2.1' })).toEqual({ ok: true, values: [{ kind: 'ipv4', value: '192.0.2.1' }] });
    expect(valuesOf({ type: 'malware', name: 'x' })).toEqual({ ok: true, values: [] });
    expect(valuesOf({ type: 'indicator', pattern: "[ipv4-addr:value = '192.0.2.1']", pattern_type: 'snort' }).ok).toBe(false);
  });
});

describe('collapse', () => {
  it('writes a fully listed block as its CIDR and leaves the rest as it is', () => {
    expect(collapse(['10.0.0.0', '10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.5'], 32)).toEqual(['10.0.0.0/30', '10.0.0.5']);
    expect(collapse(['10.0.0.0/25', '10.0.0.128/25', '10.0.0.7'], 32)).toEqual(['10.0.0.0/24']);
    expect(collapse(['10.0.0.1', '10.0.0.2'], 32)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(collapse(['255.255.255.255', '255.255.255.254', '0.0.0.0/1', '128.0.0.0/2'], 32)).toEqual(['0.0.0.0/1', '128.0.0.0/2', '255.255.255.254/31']);
    expect(collapse(['0.0.0.0/1', '128.0.0.0/1'], 32)).toEqual(['0.0.0.0/0']);
    expect(collapse(['2001:db8::', '2001:db8::1', '2001:db8::3'], 128)).toEqual(['2001:db8::/127', '2001:db8::3']);
  });
});

describe('sidOf', () => {
  it('is stable, in range and differs per protocol', () => {
    const id = 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f';
    const a = sidOf(id, '192.0.2.1', 'ip-dst');
    expect(sidOf(id, '192.0.2.1', 'ip-dst')).toBe(a);
    expect(sidOf(id, '192.0.2.1', 'ip-src')).not.toBe(a);
    expect(a).toBeGreaterThanOrEqual(SID_MIN);
    expect(a).toBeLessThan(SID_MIN + SID_SPAN);
  });
});
