/**
 * A value of a list or a MISP attribute as a STIX 2.1 indicator with a pattern. The id is given
 * by the caller (deterministic), `created`/`modified`/`valid_from` too, so the same value fetched
 * again is the same object and version: a no-op.
 */

export const OBSERVABLE_TYPES = ['auto', 'ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr', 'md5', 'sha1', 'sha256'] as const;

const HASH_NAMES: Record<string, string> = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256' };

/** STIX 2.1 §9.2: a string literal escapes `\` and `'`. */
function literal(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function detectType(v: string): string | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(v)) return 'ipv4-addr';
  if (/^[0-9a-f:]+:[0-9a-f:]*(\/\d{1,3})?$/i.test(v) && v.includes(':')) return 'ipv6-addr';
  if (/^https?:\/\//i.test(v)) return 'url';
  if (/^[^@\s]+@[^@\s]+$/.test(v)) return 'email-addr';
  if (/^[0-9a-f]{32}$/i.test(v)) return 'md5';
  if (/^[0-9a-f]{40}$/i.test(v)) return 'sha1';
  if (/^[0-9a-f]{64}$/i.test(v)) return 'sha256';
  if (/^(?=.{1,253}$)([a-z0-9_-]{1,63}\.)+[a-z]{2,63}\.?$/i.test(v)) return 'domain-name';
  return undefined;
}

export function patternFor(type: string, value: string): string | undefined {
  const t = type === 'auto' ? detectType(value) : type;
  if (!t) return undefined;
  if (HASH_NAMES[t]) {
    if (!/^[0-9a-f]+$/i.test(value)) return undefined;
    return `[file:hashes.'${HASH_NAMES[t]}' = ${literal(value.toLowerCase())}]`;
  }
  if (!['ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr'].includes(t)) return undefined;
  return `[${t}:value = ${literal(value)}]`;
}

export interface Indicator {
  type: 'indicator';
  spec_version: '2.1';
  id: string;
  created: string;
  modified: string;
  name: string;
  pattern: string;
  pattern_type: 'stix';
  valid_from: string;
  indicator_types?: string[];
  [k: string]: unknown;
}

export function indicatorFor(type: string, value: string, uuidOf: (name: string) => string, time: string, extra: Record<string, unknown> = {}): Indicator | undefined {
  const pattern = patternFor(type, value.trim());
  if (!pattern) return undefined;
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${uuidOf(pattern)}`,
    created: time,
    modified: time,
    name: value.trim().slice(0, 250),
    pattern,
    pattern_type: 'stix',
    valid_from: time,
    indicator_types: ['malicious-activity'],
    ...extra,
  };
}
