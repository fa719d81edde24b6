import { comparisonKeys, normaliseDomain, normaliseEmail, normaliseHash, normaliseIp, normaliseUrl, observableKeysOf, scoKeys } from '../../server/correlation/observables';
import { extractComparisons, parsePattern } from '../../server/stix/pattern';
import type { ComparisonsOf, StixObject } from '../../server/correlation/types';

const comparisonsOf: ComparisonsOf = (text) => {
  const r = parsePattern(text);
  return r.ok ? extractComparisons(r.ast) : null;
};

describe('observable normalisation', () => {
  it('writes IPv4 in dotted decimal and IPv6 in RFC 5952 form', () => {
    expect(normaliseIp(' 192.0.2.1 ')).toBe('192.0.2.1');
    expect(normaliseIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normaliseIp('::ffff:192.0.2.7')).toBe('192.0.2.7');
  });

  it('reduces a CIDR to its network and a /32 to the address', () => {
    expect(normaliseIp('10.1.2.3/8')).toBe('10.0.0.0/8');
    expect(normaliseIp('192.0.2.1/32')).toBe('192.0.2.1');
  });

  it('refuses octal or short IPv4 forms rather than guessing', () => {
    expect(normaliseIp('010.0.0.1')).toBeNull();
    expect(normaliseIp('not an ip')).toBeNull();
  });

  it('lowercases domains, drops the trailing dot and converts IDN to punycode', () => {
    expect(normaliseDomain('WWW.Example.ORG.')).toBe('www.example.org');
    expect(normaliseDomain('bücher.example')).toBe('xn--bcher-kva.example');
    expect(normaliseDomain('a b.example')).toBeNull();
  });

  it('normalises URL scheme, host and default port, and drops the fragment', () => {
    expect(normaliseUrl('HTTP://Example.COM:80/Path?q=1#frag')).toBe('http://example.com/Path?q=1');
  });

  it('lowercases e-mail addresses', () => {
    expect(normaliseEmail('Alice@Example.ORG')).toBe('alice@example.org');
    expect(normaliseEmail('nobody')).toBeNull();
  });

  it('uppercases hex digests per algorithm and keeps SSDEEP as written', () => {
    expect(normaliseHash('sha256', 'abcdef01')).toEqual({ algorithm: 'SHA-256', value: 'ABCDEF01' });
    expect(normaliseHash("'SHA-1'", 'ab')).toEqual({ algorithm: 'SHA-1', value: 'AB' });
    expect(normaliseHash('SSDEEP', '3:AbC:dEf')).toEqual({ algorithm: 'SSDEEP', value: '3:AbC:dEf' });
  });
});

describe('observable keys', () => {
  it('gives the same key to an SCO and to an indicator asserting the same value', () => {
    const sco = scoKeys({ type: 'ipv6-addr', value: '2001:DB8::0:1' });
    const ind = observableKeysOf({ id: 'indicator--1', type: 'indicator', pattern_type: 'stix', pattern: "[ipv6-addr:value = '2001:db8::1']" }, comparisonsOf);
    expect(sco).toEqual(['ipv6:2001:db8::1']);
    expect(ind).toEqual(sco);
  });

  it('keys file hashes by algorithm', () => {
    const h = 'a'.repeat(64);
    const keys = observableKeysOf({ id: 'indicator--1', type: 'indicator', pattern_type: 'stix', pattern: `[file:hashes.'SHA-256' = '${h}']` }, comparisonsOf);
    expect(keys).toEqual([`file:SHA-256:${'A'.repeat(64)}`]);
  });

  it('ignores negated and inequality comparisons: they do not report the value', () => {
    const r = parsePattern("[domain-name:value != 'a.example' AND ipv4-addr:value NOT = '192.0.2.1']");
    expect(r.ok).toBe(true);
    if (r.ok) expect(comparisonKeys(extractComparisons(r.ast))).toEqual([]);
  });

  it('reads observed-data through object_refs and through the deprecated objects dictionary', () => {
    const sco: StixObject = { id: 'domain-name--1', type: 'domain-name', value: 'EVIL.example.' };
    const od: StixObject = { id: 'observed-data--1', type: 'observed-data', object_refs: [sco.id], objects: { 0: { type: 'url', value: 'https://X.example/a' } } };
    expect(observableKeysOf(od, comparisonsOf, (id) => (id === sco.id ? sco : undefined))).toEqual(['domain:evil.example', 'url:https://x.example/a']);
  });

  it('ignores STIX patterns of other pattern languages', () => {
    expect(observableKeysOf({ id: 'indicator--1', type: 'indicator', pattern_type: 'snort', pattern: 'alert tcp any any' }, comparisonsOf)).toEqual([]);
  });
});
