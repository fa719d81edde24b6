/** Export pieces that are pure code: which patterns are exportable, CIDR collapsing, sids. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsedPatternValues, patternValues, simplePatternValues, valuesOf } from '../../server/exports/values';
import { normaliseIp } from '../../server/correlation/observables';
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

describe('the simple-pattern shortcut', () => {
  const corpus = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'stix-patterns', 'patterns-corpus-extracted.json'), 'utf8')) as Record<string, Record<string, (string | { pattern: string })[]>>;
  const fromCorpus = Object.values(corpus).flatMap((v) => Object.values(v).flat()).map((x) => (typeof x === 'string' ? x : x.pattern));
  const made = [
    "[ipv4-addr:value = '198.51.100.7']", "[ipv4-addr:value = '010.0.0.1']", "[ipv4-addr:value = '10.0.0.0/24']", "[ipv4-addr:value = '256.1.1.1']",
    "[ipv6-addr:value = '2001:DB8::1']", "[ipv6-addr:value = '::ffff:198.51.100.7']", "[domain-name:value = 'Evil.Example.ORG.']",
    "[domain-name:value = 'it\\'s.example']", "[domain-name:value = 'back\\\\slash.example']", "[domain-name:value = 'bad\\x.example']",
    "[url:value = 'HTTP://Bad.Example.net:80/x#frag']", "[email-addr:value = 'Ops@Example.org']", "[file:hashes.MD5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F']",
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", "[file:hashes.'SHA-3-256' = 'aa']",
    "[file:name = 'x.exe']", "[autonomous-system:number = '64496']", "[x-custom:value = 'a']", "[ipv4-addr:value  = '1.2.3.4']",
  ];
  it.each([...made, ...fromCorpus])('agrees with the parser on %s', (pattern) => {
    const fast = simplePatternValues(pattern);
    if (fast) expect(fast).toEqual(parsedPatternValues(pattern));
    expect(patternValues(pattern)).toEqual(parsedPatternValues(pattern));
  });

  it('takes the shortcut for the common shapes (so the test above compares something)', () => {
    expect(simplePatternValues("[ipv4-addr:value = '198.51.100.7']")).toEqual({ ok: true, values: [{ kind: 'ipv4', value: '198.51.100.7' }] });
    expect(simplePatternValues("[file:hashes.'SHA-256' = 'AEC070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']")?.ok).toBe(true);
    expect(simplePatternValues("[ipv4-addr:value = '1.2.3.4'] OR [ipv4-addr:value = '1.2.3.5']")).toBeUndefined();
  });

  it('gives canonical IPv4 text as ipaddr.js does, and the rest to ipaddr.js', () => {
    for (const ip of ['0.0.0.0', '9.99.199.255', '255.255.255.255']) expect(normaliseIp(ip)).toBe(ip);
    expect(normaliseIp('010.0.0.1')).toBeNull();
    expect(normaliseIp('256.0.0.1')).toBeNull();
  });
});
