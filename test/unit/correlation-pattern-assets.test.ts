import { indexAssets } from '../../server/correlation/assets';
import { assetsOfPattern } from '../../server/correlation/pattern-assets';

const idx = indexAssets({ ids: [], cidrs: ['192.0.2.0/24'], domains: ['ministry.example.eu'], asns: [64500] });
const named = (p: string) => assetsOfPattern(p, idx);

describe('asset match evaluates observation operators and qualifiers', () => {
  it.each([
    ["[ipv4-addr:value = '192.0.2.7'] AND [domain-name:value = 'evil.example']", ['192.0.2.0/24']],
    ["[ipv4-addr:value = '192.0.2.7'] OR [ipv4-addr:value = '203.0.113.1']", ['192.0.2.0/24']],
    ["[ipv4-addr:value = '192.0.2.7'] FOLLOWEDBY [domain-name:value = 'vpn.ministry.example.eu']", ['192.0.2.0/24', 'ministry.example.eu']],
    ["[ipv4-addr:value = '192.0.2.7' OR ipv4-addr:value = '203.0.113.1']", ['192.0.2.0/24']],
    ["[ipv4-addr:value = '192.0.2.7' AND ipv4-addr:value ISSUBSET '192.0.2.0/25']", ['192.0.2.0/24']],
    ["[network-traffic:dst_ref.value = '192.0.2.5' AND network-traffic:dst_port = 502]", ['192.0.2.0/24']],
    ["[ipv4-addr:value IN ('203.0.113.1', '192.0.2.9') AND ipv4-addr:value != '203.0.113.1']", ['192.0.2.0/24']],
    ["[domain-name:value LIKE '%.ministry.example.eu'] WITHIN 300 SECONDS", ['ministry.example.eu']],
    ["([ipv4-addr:value = '192.0.2.7'] AND [domain-name:value = 'x.example']) REPEATS 3 TIMES", ['192.0.2.0/24']],
    ["[ipv4-addr:value = '192.0.2.7'] START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'", ['192.0.2.0/24']],
  ])('%s names %j', (p, want) => {
    expect(named(p)).toEqual(want);
  });

  it.each([
    // The matching side can never be true.
    "[ipv4-addr:value = '192.0.2.7' AND ipv4-addr:value = '203.0.113.1']",
    "[ipv4-addr:value = '192.0.2.7' AND ipv4-addr:value != '192.0.2.7']",
    "[ipv4-addr:value = '192.0.2.7' AND domain-name:value = 'x.example']",
    "[domain-name:value = 'ministry.example.eu' AND domain-name:value = 'other.example']",
    // The other side of AND / FOLLOWEDBY can never be true, so the pattern never matches.
    "[ipv4-addr:value = '192.0.2.7'] AND [domain-name:value = 'a.example' AND domain-name:value = 'b.example']",
    "[ipv4-addr:value = '192.0.2.7'] FOLLOWEDBY [ipv4-addr:value = '1.1.1.1'] START t'2026-02-01T00:00:00Z' STOP t'2026-01-01T00:00:00Z'",
    // An empty START/STOP interval (STOP is exclusive).
    "[ipv4-addr:value = '192.0.2.7'] START t'2026-01-01T00:00:00Z' STOP t'2026-01-01T00:00:00Z'",
    // NOT and != never name an asset.
    "[ipv4-addr:value != '192.0.2.7']",
    "[ipv4-addr:value NOT = '192.0.2.7'] AND [domain-name:value NOT LIKE '%.ministry.example.eu']",
    "[ipv4-addr:value NOT IN ('192.0.2.7', '192.0.2.8')]",
  ])('%s names nothing', (p) => {
    expect(named(p)).toEqual([]);
  });

  it('keeps the possible side of OR when the other is impossible', () => {
    expect(named("[ipv4-addr:value = '1.1.1.1' AND ipv4-addr:value = '2.2.2.2'] OR [domain-name:value = 'ministry.example.eu']")).toEqual(['ministry.example.eu']);
  });
});
