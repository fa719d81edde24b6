/**
 * One collection's worth of indicators for the export tests (API and interop): what each export
 * must hold, what it must leave out, and why. Each test file posts its own copy.
 */
import { TLP2_MARKING_IDS } from '../../server/stix/markings';
import { indicator, stixId } from './stix';

const GREEN = [TLP2_MARKING_IDS.green];
const CLEAR = [TLP2_MARKING_IDS.clear];

export function exportData() {
  const versioned = stixId('indicator');
  const amber = indicator({ name: 'Amber C2', pattern: "[ipv4-addr:value = '203.0.113.66']", object_marking_refs: [TLP2_MARKING_IDS.amber] });
  const red = indicator({ name: 'Red C2', pattern: "[domain-name:value = 'red-secret.example']", object_marking_refs: [TLP2_MARKING_IDS.red] });
  const exported = [
    indicator({ name: 'Scan range a', pattern: "[ipv4-addr:value = '10.1.0.0'] OR [ipv4-addr:value = '10.1.0.1']", object_marking_refs: GREEN, confidence: 90 }),
    indicator({ name: 'Scan range b', pattern: "[ipv4-addr:value IN ('10.1.0.2', '10.1.0.3')]", object_marking_refs: GREEN, confidence: 90 }),
    indicator({ name: 'Lone host', pattern: "[ipv4-addr:value = '10.1.0.5']", object_marking_refs: GREEN, confidence: 40 }),
    indicator({ name: 'Phishing domain', pattern: "[domain-name:value = 'Evil.Example.ORG']", object_marking_refs: GREEN, confidence: 80, labels: ['phishing'] }),
    indicator({ name: 'Dropper "URL"; x', pattern: "[url:value = 'http://bad.example.net/dl/x.exe']", object_marking_refs: CLEAR, confidence: 75 }),
    indicator({
      name: 'Empty file',
      pattern: "[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E' AND file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855']",
      object_marking_refs: GREEN,
    }),
    indicator({ name: 'Phisher', pattern: "[email-addr:value = 'Phisher@Example.org']", object_marking_refs: GREEN }),
    indicator({ name: 'IPv6 C2', pattern: "[ipv6-addr:value = '2001:db8::1']", object_marking_refs: GREEN }),
    indicator({ id: versioned, name: 'Moved C2 v1', pattern: "[ipv4-addr:value = '192.0.2.10']", object_marking_refs: GREEN }),
    indicator({ id: versioned, name: 'Moved C2 v2', pattern: "[ipv4-addr:value = '192.0.2.11']", modified: '2026-02-01T00:00:00.000Z', object_marking_refs: GREEN }),
    { type: 'domain-name', spec_version: '2.1', id: stixId('domain-name'), value: 'sco.example.com' },
  ];
  const skipped = [
    indicator({ name: 'like', pattern: "[domain-name:value LIKE '%.skip-like.example']" }),
    indicator({ name: 'matches', pattern: "[url:value MATCHES '^http://skip-matches']" }),
    indicator({ name: 'followedby', pattern: "[ipv4-addr:value = '198.18.0.1'] FOLLOWEDBY [ipv4-addr:value = '198.18.0.2']" }),
    indicator({ name: 'not', pattern: "[ipv4-addr:value NOT = '198.18.0.3']" }),
    indicator({ name: 'ne', pattern: "[ipv4-addr:value != '198.18.0.4']" }),
    indicator({ name: 'and', pattern: "[network-traffic:dst_port = 443 AND network-traffic:dst_ref.value = '198.18.0.5']" }),
    indicator({ name: 'repeats', pattern: "[ipv4-addr:value = '198.18.0.6'] REPEATS 5 TIMES" }),
    indicator({ name: 'observation and', pattern: "[ipv4-addr:value = '198.18.0.7'] AND [domain-name:value = 'skip-and.example']" }),
    indicator({ name: 'sigma', pattern: 'title: skip-sigma', pattern_type: 'sigma' }),
  ];
  const outOfTime = [
    indicator({ name: 'Expired', pattern: "[ipv4-addr:value = '198.19.0.1']", valid_until: '2026-01-02T00:00:00Z', object_marking_refs: GREEN }),
    indicator({ name: 'Revoked', pattern: "[ipv4-addr:value = '198.19.0.2']", revoked: true, object_marking_refs: GREEN }),
  ];
  return { exported, skipped, outOfTime, amber, red, versioned };
}

/** The text export a member of the group (not the AMBER/RED originator) must get, in order. */
export const EXPECTED_TEXT = [
  '10.1.0.0/30',
  '10.1.0.5',
  '192.0.2.11',
  '2001:db8::1',
  'bad.example.net/dl/x.exe',
  'd41d8cd98f00b204e9800998ecf8427e',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'evil.example.org',
  'phisher@example.org',
  'sco.example.com',
];
