/**
 * Observable normalisation: two reports of the same thing must produce the same key, whatever
 * the spelling. Keys look like "ipv4:192.0.2.1", "domain:example.org", "file:SHA-256:9F86…".
 */
import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';
import type { Comparison, ComparisonsOf, StixObject } from './types';

/** An IPv4 address already in canonical form (four decimals, no leading zeros): its own normal form. */
const CANONICAL_V4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Canonical address: IPv4 dotted decimal, IPv6 RFC 5952; an IPv4-mapped IPv6 becomes IPv4. null if invalid. */
export function normaliseIp(text: string): string | null {
  const t = text.trim();
  // The common case without ipaddr.js (~2 µs an address, most of an IPv4 export's extraction).
  if (CANONICAL_V4.test(t)) return t;
  try {
    if (t.includes('/')) {
      const [addr, bits] = ipaddr.parseCIDR(t);
      const max = addr.kind() === 'ipv4' ? 32 : 128;
      if (bits === max) return normaliseIp(t.slice(0, t.indexOf('/')));
      const net = addr.kind() === 'ipv4'
        ? ipaddr.IPv4.networkAddressFromCIDR(t)
        : ipaddr.IPv6.networkAddressFromCIDR(t);
      return `${net.toString()}/${bits}`;
    }
    if (ipaddr.IPv4.isIPv4(t) && !ipaddr.IPv4.isValidFourPartDecimal(t)) return null;
    return ipaddr.process(t).toString();
  } catch {
    return null;
  }
}

/** Lowercase, no trailing dot, IDN to punycode. null if it is not a host name. */
export function normaliseDomain(text: string): string | null {
  const t = text.trim().replace(/\.$/, '').toLowerCase();
  if (t === '' || /[\s/@:]/.test(t)) return null;
  const ascii = domainToASCII(t);
  return ascii === '' ? null : ascii;
}

/** WHATWG URL form: scheme and host lowercased, default port and fragment dropped. */
export function normaliseUrl(text: string): string | null {
  try {
    const u = new URL(text.trim());
    u.hash = '';
    return u.toString();
  } catch {
    return null;
  }
}

export function normaliseEmail(text: string): string | null {
  const t = text.trim().toLowerCase();
  const at = t.lastIndexOf('@');
  if (at <= 0) return null;
  const domain = normaliseDomain(t.slice(at + 1));
  return domain ? `${t.slice(0, at)}@${domain}` : null;
}

const HASH_NAMES: Record<string, string> = {
  MD5: 'MD5', SHA1: 'SHA-1', 'SHA-1': 'SHA-1', SHA224: 'SHA-224', 'SHA-224': 'SHA-224',
  SHA256: 'SHA-256', 'SHA-256': 'SHA-256', SHA384: 'SHA-384', 'SHA-384': 'SHA-384',
  SHA512: 'SHA-512', 'SHA-512': 'SHA-512', 'SHA3-256': 'SHA3-256', 'SHA3-512': 'SHA3-512',
  SSDEEP: 'SSDEEP', TLSH: 'TLSH',
};

/** Hex digests are uppercased; SSDEEP is base64-like and keeps its case. */
export function normaliseHash(algorithm: string, value: string): { algorithm: string; value: string } | null {
  const alg = HASH_NAMES[algorithm.replace(/^'|'$/g, '').toUpperCase()] ?? algorithm.toUpperCase();
  const v = value.trim();
  if (alg === 'SSDEEP') return v ? { algorithm: alg, value: v } : null;
  if (!/^[0-9a-fA-F]+$/.test(v)) return null;
  return { algorithm: alg, value: v.toUpperCase() };
}

function ipKey(text: string): string | null {
  const ip = normaliseIp(text);
  if (!ip) return null;
  return `${ip.includes(':') ? 'ipv6' : 'ipv4'}:${ip}`;
}

/** MAC-48 as six lowercase colon-separated octets (STIX 2.1 §6.8 asks for that form; not every producer complies). */
export function normaliseMac(text: string): string | null {
  const hex = text.trim().toLowerCase().replace(/[-:.]/g, '');
  return /^[0-9a-f]{12}$/.test(hex) ? hex.match(/../g)!.join(':') : null;
}

/** Account names compare without case or a leading "@" (handles on social platforms). */
export function normaliseAccount(text: string): string | null {
  const t = text.trim().replace(/^@/, '').toLowerCase();
  return t === '' ? null : t;
}

/** E.164 digits with "+": spaces, dashes, brackets and a leading international "00" dropped. */
export function normalisePhone(text: string): string | null {
  const digits = text.trim().replace(/^\+|^00/, '').replace(/[\s().-]/g, '');
  return /^[1-9]\d{6,14}$/.test(digits) ? `+${digits}` : null;
}

/** Hex (0x…) and bech32 (bc1…) addresses are case-insensitive; base58 addresses are not. */
export function normaliseWallet(text: string): string | null {
  const t = text.trim();
  if (t === '' || /\s/.test(t)) return null;
  return /^0x[0-9a-f]+$/i.test(t) || /^[a-z]{1,10}1[02-9ac-hj-np-z]{6,}$/i.test(t) ? t.toLowerCase() : t;
}

export function normaliseIban(text: string): string | null {
  const t = text.replace(/\s/g, '').toUpperCase();
  return /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(t) ? t : null;
}

type Normaliser = (text: string) => string | null;
const upperCompact: Normaliser = (t) => (t.trim() ? t.replace(/\s/g, '').toUpperCase() : null);

/**
 * Tracked (type, property) pairs other than the `value`/hash ones below: key prefix and normaliser.
 * Crime observables are the custom SCOs of schemas/puente (see schemas/puente/README.md).
 */
const PROPERTY_KEYS: Record<string, Record<string, [string, Normaliser]>> = {
  'mac-addr': { value: ['mac', normaliseMac] },
  'user-account': { user_id: ['account', normaliseAccount], account_login: ['account', normaliseAccount] },
  'cryptocurrency-wallet': { value: ['wallet', normaliseWallet] },
  'cryptocurrency-transaction': { value: ['crypto-tx', (t) => (/^(0x)?[0-9a-f]{16,}$/i.test(t.trim()) ? t.trim().toLowerCase().replace(/^0x/, '') : null)] },
  'bank-account': { iban: ['iban', normaliseIban] },
  'phone-number': { value: ['phone', normalisePhone] },
  vessel: { imo: ['imo', (t) => (/^(IMO\s*)?\d{7}$/i.test(t.trim()) ? t.trim().replace(/^IMO\s*/i, '') : null)], mmsi: ['mmsi', (t) => (/^\d{9}$/.test(t.trim()) ? t.trim() : null)] },
  aircraft: { icao24: ['icao24', (t) => (/^[0-9a-f]{6}$/i.test(t.trim()) ? t.trim().toLowerCase() : null)], registration: ['aircraft', upperCompact] },
};

/** Types whose hashes are tracked, and the key prefix. */
const HASHED: Record<string, string> = { file: 'file', 'x509-certificate': 'x509' };

/** Object types that can carry a tracked key (recurrence counts them as reports). */
export const OBSERVABLE_TYPES: ReadonlySet<string> = new Set([
  'ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr', 'autonomous-system', ...Object.keys(HASHED), ...Object.keys(PROPERTY_KEYS),
]);

/** Key for one value of one SCO property, or null when the pair is not an observable we track. */
export function observableKey(objectType: string, path: readonly (string | number)[], value: unknown): string | null {
  const prop = path.map((p) => String(p).replace(/^'|'$/g, ''));
  if (objectType === 'autonomous-system' && prop.join('.') === 'number') {
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isInteger(n) && n >= 0 ? `asn:${n}` : null;
  }
  if (typeof value !== 'string') return null;
  if (HASHED[objectType] && prop.length === 2 && prop[0] === 'hashes') {
    const h = normaliseHash(prop[1], value);
    return h ? `${HASHED[objectType]}:${h.algorithm}:${h.value}` : null;
  }
  const special = prop.length === 1 ? PROPERTY_KEYS[objectType]?.[prop[0]] : undefined;
  if (special) {
    const v = special[1](value);
    return v ? `${special[0]}:${v}` : null;
  }
  if (prop.join('.') !== 'value') return null;
  switch (objectType) {
    case 'ipv4-addr':
    case 'ipv6-addr':
      return ipKey(value);
    case 'domain-name': {
      const d = normaliseDomain(value);
      return d ? `domain:${d}` : null;
    }
    case 'url': {
      const u = normaliseUrl(value);
      return u ? `url:${u}` : null;
    }
    case 'email-addr': {
      const e = normaliseEmail(value);
      return e ? `email:${e}` : null;
    }
    default:
      return null;
  }
}

/** Keys of one SCO (a stored object or an entry of observed-data's deprecated `objects`). */
export function scoKeys(sco: Record<string, unknown>): string[] {
  const type = String(sco.type);
  const keys: (string | null)[] = [];
  if (HASHED[type]) {
    if (sco.hashes && typeof sco.hashes === 'object') {
      for (const [alg, v] of Object.entries(sco.hashes as Record<string, unknown>)) keys.push(observableKey(type, ['hashes', alg], v));
    }
  } else if (type === 'autonomous-system') {
    keys.push(observableKey(type, ['number'], sco.number));
  } else if (PROPERTY_KEYS[type]) {
    for (const prop of Object.keys(PROPERTY_KEYS[type])) keys.push(observableKey(type, [prop], sco[prop]));
  } else {
    keys.push(observableKey(type, ['value'], sco.value));
  }
  return keys.filter((k): k is string => k !== null);
}

/** Keys an indicator asserts: positive equality and IN comparisons on tracked properties. */
export function comparisonKeys(comparisons: readonly Comparison[]): string[] {
  const keys: string[] = [];
  for (const c of comparisons) {
    if (c.negated || c.value === null || c.path.includes('*')) continue;
    const path = c.path as (string | number)[];
    const values = c.op === '=' ? [c.value] : c.op === 'IN' && c.value.type === 'set' ? c.value.value : [];
    for (const v of values) {
      if (v.type === 'string' || v.type === 'int') {
        const k = observableKey(c.objectType, path, v.value);
        if (k) keys.push(k);
      }
    }
  }
  return keys;
}

/**
 * Observable keys an object reports. `resolve` looks up observed-data object_refs; without it
 * only the deprecated embedded `objects` are read. The engine may use this to index objects at
 * ingestion so it can preload "stored objects sharing a key" with one indexed query.
 */
export function observableKeysOf(
  stix: StixObject,
  comparisonsOf: ComparisonsOf,
  resolve?: (id: string) => StixObject | undefined,
): string[] {
  const keys = new Set<string>();
  if (stix.type === 'indicator') {
    if ((stix.pattern_type ?? 'stix') === 'stix' && typeof stix.pattern === 'string') {
      for (const k of comparisonKeys(comparisonsOf(stix.pattern) ?? [])) keys.add(k);
    }
  } else if (stix.type === 'sighting') {
    // A sighting reports what it sighted: the indicator's pattern and the observed-data's SCOs.
    if (resolve) {
      const ids = [stix.sighting_of_ref, ...(Array.isArray(stix.observed_data_refs) ? stix.observed_data_refs : [])];
      for (const id of ids) {
        const o = typeof id === 'string' ? resolve(id) : undefined;
        if (o && (o.type === 'indicator' || o.type === 'observed-data')) for (const k of observableKeysOf(o, comparisonsOf, resolve)) keys.add(k);
      }
    }
  } else if (stix.type === 'observed-data') {
    const embedded = stix.objects && typeof stix.objects === 'object' ? Object.values(stix.objects as Record<string, Record<string, unknown>>) : [];
    const refs = Array.isArray(stix.object_refs) ? (stix.object_refs as string[]) : [];
    const scos = [...embedded, ...(resolve ? refs.map(resolve).filter((o): o is StixObject => o !== undefined) : [])];
    for (const sco of scos) for (const k of scoKeys(sco)) keys.add(k);
  } else {
    for (const k of scoKeys(stix)) keys.add(k);
  }
  return [...keys].sort();
}
