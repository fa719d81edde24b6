/**
 * Deterministic, valid and varied STIX 2.1 objects for the benchmark: identities, malware,
 * indicators (several pattern shapes) and relationships between them. Same seed, same objects.
 */

import { prng } from './prng';

export type StixObject = Record<string, unknown> & { type: string; id: string };

const MALWARE_TYPES = ['backdoor', 'dropper', 'ransomware', 'remote-access-trojan', 'wiper', 'worm', 'spyware'];
const INDICATOR_TYPES = ['malicious-activity', 'anomalous-activity', 'attribution', 'compromised'];
const SECTORS = ['energy', 'government-national', 'telecommunications', 'utilities', 'transportation'];
const WORDS = ['amber', 'basalt', 'cobalt', 'delta', 'ember', 'falcon', 'granite', 'harbor', 'indigo', 'jasper', 'kestrel'];

export function generateObjects(count: number, seed: number): StixObject[] {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(4)]}${hex(3)}-${hex(12)}`;
  const base = Date.UTC(2026, 0, 1) + seed * 86_400_000;
  const ts = (i: number) => new Date(base + i * 1_000 + int(1_000)).toISOString();

  const out: StixObject[] = [];
  const identities: string[] = [];
  const malware: string[] = [];
  const indicators: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = ts(i);
    const common = { spec_version: '2.1', created, modified: created };
    const roll = i < 3 ? 0 : rnd();
    const creator = identities.length ? { created_by_ref: pick(identities) } : {};
    let o: StixObject;
    if (roll < 0.08) {
      o = {
        type: 'identity',
        id: `identity--${uuid()}`,
        ...common,
        name: `CSIRT ${pick(WORDS)} ${i}`,
        identity_class: 'organization',
        sectors: [pick(SECTORS)],
      };
      identities.push(o.id);
    } else if (roll < 0.25 || malware.length === 0) {
      o = {
        type: 'malware',
        id: `malware--${uuid()}`,
        ...common,
        ...creator,
        name: `${pick(WORDS)}-${pick(WORDS)}-${i}`,
        is_family: rnd() < 0.6,
        malware_types: [pick(MALWARE_TYPES)],
        description: `Benchmark malware ${i}: ${WORDS.slice(0, 1 + int(WORDS.length)).join(' ')}`,
      };
      malware.push(o.id);
    } else if (roll < 0.7 || indicators.length === 0) {
      const shape = int(4);
      const pattern =
        shape === 0
          ? `[ipv4-addr:value = '${10 + int(200)}.${int(256)}.${int(256)}.${int(256)}']`
          : shape === 1
            ? `[domain-name:value = '${pick(WORDS)}${i}.example.org']`
            : shape === 2
              ? `[file:hashes.'SHA-256' = '${hex(64)}']`
              : `[url:value = 'https://${pick(WORDS)}.example.net/${hex(8)}'] OR [ipv4-addr:value = '192.0.2.${int(256)}']`;
      o = {
        type: 'indicator',
        id: `indicator--${uuid()}`,
        ...common,
        ...creator,
        name: `Indicator ${i}`,
        indicator_types: [pick(INDICATOR_TYPES)],
        pattern,
        pattern_type: 'stix',
        valid_from: created,
        labels: [pick(WORDS)],
      };
      indicators.push(o.id);
    } else {
      o = {
        type: 'relationship',
        id: `relationship--${uuid()}`,
        ...common,
        ...creator,
        relationship_type: 'indicates',
        source_ref: pick(indicators),
        target_ref: pick(malware),
      };
    }
    out.push(o);
  }
  return out;
}

export interface Envelope {
  /** The POST body, {"objects":[…]}. */
  body: string;
  /** Object ids, in envelope order. */
  ids: string[];
}

/**
 * Envelope `index` of a benchmark store: generateObjects(size, seed) with the first eight hex digits
 * of every UUID (ids and the references between them) set to the envelope index. The PRNG has 32
 * bits of state, so the streams of two seeds can overlap; the index makes ids unique by
 * construction, and the result is still a valid version-4 UUID.
 */
export function generateEnvelope(index: number, size: number): Envelope {
  // Small seeds only: the seed also sets the objects' dates (one day per seed).
  const objects = generateObjects(size, (index % 1000) + 1);
  const prefix = (index >>> 0).toString(16).padStart(8, '0');
  const body = JSON.stringify({ objects }).replace(/--[0-9a-f]{8}-/g, `--${prefix}-`);
  return { body, ids: objects.map((o) => o.id.replace(/--[0-9a-f]{8}-/, `--${prefix}-`)) };
}
