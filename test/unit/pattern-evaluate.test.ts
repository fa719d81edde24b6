import { extractComparisons, matchesObservation, parsePattern } from '../../server/stix/pattern';
import type { Comparison } from '../../server/stix/pattern';

function cmp(text: string): Comparison {
  const r = parsePattern(`[${text}]`);
  if (!r.ok) throw new Error(r.error.message);
  return extractComparisons(r.ast)[0];
}

const ipv4 = (value: string) => ({ type: 'ipv4-addr', value });
const file = {
  type: 'file',
  name: 'Final Report.exe',
  size: 371712,
  created: '2014-01-13T07:03:17.000Z',
  hashes: { 'SHA-256': 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f', md5: '79054025255fb1a26e4bc422aef54eb4' },
  magic_number_hex: 'FFD8',
  extensions: { 'windows-pebinary-ext': { sections: [{ name: '.text', entropy: 6.1 }, { name: '.rsrc', entropy: 7.4 }] } },
};

describe('matchesObservation', () => {
  it('compares strings, numbers and timestamps of the same kind only', () => {
    expect(matchesObservation(cmp("file:name = 'Final Report.exe'"), file)).toBe(true);
    expect(matchesObservation(cmp('file:size >= 371712'), file)).toBe(true);
    expect(matchesObservation(cmp('file:size < 1000.5'), file)).toBe(false);
    expect(matchesObservation(cmp("file:size = '371712'"), file)).toBe(false);
    expect(matchesObservation(cmp("file:created = t'2014-01-13T07:03:17Z'"), file)).toBe(true);
    expect(matchesObservation(cmp("file:created > t'2014-01-13T07:03:16.999999Z'"), file)).toBe(true);
  });

  it('requires the object type to match', () => {
    expect(matchesObservation(cmp("process:name = 'Final Report.exe'"), file)).toBe(false);
  });

  it('applies NOT to a resolved comparison but never matches a missing property', () => {
    expect(matchesObservation(cmp("file:name NOT = 'other.exe'"), file)).toBe(true);
    expect(matchesObservation(cmp("file:mime_type NOT = 'x'"), file)).toBe(false);
    expect(matchesObservation(cmp('NOT EXISTS file:mime_type'), file)).toBe(true);
    expect(matchesObservation(cmp('EXISTS file:hashes'), file)).toBe(true);
  });

  it('matches IN against any member of the set', () => {
    expect(matchesObservation(cmp('file:size IN (1, 371712)'), file)).toBe(true);
    expect(matchesObservation(cmp("file:size IN ('371712')"), file)).toBe(false);
  });

  it('treats % and _ in LIKE as wildcards and everything else literally', () => {
    expect(matchesObservation(cmp("file:name LIKE 'Final%.exe'"), file)).toBe(true);
    expect(matchesObservation(cmp("file:name LIKE 'Final_Report.ex_'"), file)).toBe(true);
    expect(matchesObservation(cmp("file:name LIKE 'Final.*'"), file)).toBe(false);
  });

  it('runs MATCHES as an unanchored search, with (?i)', () => {
    expect(matchesObservation(cmp("file:name MATCHES '^Final.+\\\\.exe$'"), file)).toBe(true);
    expect(matchesObservation(cmp("file:name MATCHES 'report'"), file)).toBe(false);
    expect(matchesObservation(cmp("file:name MATCHES '(?i)report'"), file)).toBe(true);
  });

  it('runs MATCHES over the bytes of a _bin property', () => {
    const artifact = { type: 'artifact', payload_bin: Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 0x02]).toString('base64') };
    expect(matchesObservation(cmp("artifact:payload_bin MATCHES '^\\\\xd4\\\\xc3\\\\xb2\\\\xa1'"), artifact)).toBe(true);
  });

  it('follows [*] over list elements and [n] to one element', () => {
    expect(matchesObservation(cmp("file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0"), file)).toBe(true);
    expect(matchesObservation(cmp("file:extensions.'windows-pebinary-ext'.sections[0].entropy > 7.0"), file)).toBe(false);
    expect(matchesObservation(cmp("file:extensions.'windows-pebinary-ext'.sections[-1].name = '.rsrc'"), file)).toBe(true);
    expect(matchesObservation(cmp("file:extensions.'windows-pebinary-ext'.sections[5].name = '.rsrc'"), file)).toBe(false);
  });

  it('looks up hash names ignoring case and hyphens', () => {
    expect(matchesObservation(cmp("file:hashes.SHA256 = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'"), file)).toBe(true);
    expect(matchesObservation(cmp("file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'"), file)).toBe(true);
    expect(matchesObservation(cmp("file:hashes[*] = '79054025255fb1a26e4bc422aef54eb4'"), file)).toBe(true);
  });

  it('compares hex and binary literals as bytes', () => {
    expect(matchesObservation(cmp("file:magic_number_hex = h'ffd8'"), file)).toBe(true);
    expect(matchesObservation(cmp("file:magic_number_hex = b'/9g='"), file)).toBe(true);
    expect(matchesObservation(cmp("file:magic_number_hex = h'ffd9'"), file)).toBe(false);
  });

  it('tests ISSUBSET for an IPv4 address or network inside a CIDR', () => {
    const c = cmp("ipv4-addr:value ISSUBSET '198.51.100.0/24'");
    expect(matchesObservation(c, ipv4('198.51.100.7'))).toBe(true);
    expect(matchesObservation(c, ipv4('198.51.100.128/25'))).toBe(true);
    expect(matchesObservation(c, ipv4('198.51.0.0/16'))).toBe(false);
    expect(matchesObservation(c, ipv4('198.51.101.1'))).toBe(false);
    expect(matchesObservation(c, ipv4('not-an-ip'))).toBe(false);
  });

  it('masks host bits of the pattern CIDR, as in 192.168.0.1/24', () => {
    expect(matchesObservation(cmp("ipv4-addr:value ISSUBSET '192.168.0.1/24'"), ipv4('192.168.0.200'))).toBe(true);
  });

  it('tests ISSUPERSET for a network that contains the pattern value', () => {
    const c = cmp("ipv4-addr:value ISSUPERSET '198.51.100.0/24'");
    expect(matchesObservation(c, ipv4('198.51.0.0/16'))).toBe(true);
    expect(matchesObservation(c, ipv4('198.51.100.0/24'))).toBe(true);
    expect(matchesObservation(c, ipv4('198.51.100.0/25'))).toBe(false);
  });

  it('handles IPv6 CIDR and never mixes address families', () => {
    const c = cmp("ipv6-addr:value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64'");
    expect(matchesObservation(c, { type: 'ipv6-addr', value: '2001:db8:dead:beef::1' })).toBe(true);
    expect(matchesObservation(c, { type: 'ipv6-addr', value: '2001:db8:dead:bef0::1' })).toBe(false);
    expect(matchesObservation(cmp("ipv6-addr:value ISSUBSET '0.0.0.0/0'"), { type: 'ipv6-addr', value: '::1' })).toBe(false);
  });

  it('follows a reference only when it has been replaced by the object', () => {
    const c = cmp("network-traffic:dst_ref.value ISSUBSET '203.0.113.0/24'");
    expect(matchesObservation(c, { type: 'network-traffic', dst_ref: 'ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd' })).toBe(false);
    expect(matchesObservation(c, { type: 'network-traffic', dst_ref: ipv4('203.0.113.33') })).toBe(true);
  });

  it('compares booleans only by equality', () => {
    expect(matchesObservation(cmp('file:is_encrypted = true'), { type: 'file', is_encrypted: true })).toBe(true);
    expect(matchesObservation(cmp('file:is_encrypted != true'), { type: 'file', is_encrypted: false })).toBe(true);
    expect(matchesObservation(cmp('file:is_encrypted = true'), { type: 'file', is_encrypted: 'true' })).toBe(false);
  });
});
