/**
 * An analyst's observable value -> what the indexes hold: the exact observable keys of
 * correlation/observables.ts (the one normalisation), or a domain whose subdomains count too.
 *   IP             its key and the keys of every network holding it (indicators on a CIDR)
 *   CIDR           its key, its enclosing networks, and its addresses when there are at most 256
 *   domain         the domain and its subdomains (domain-name, URL hosts, e-mail domains)
 *   URL, e-mail    their key
 *   hex hash       the file-hash keys of every algorithm of that length
 */
import ipaddr from 'ipaddr.js';
import { normaliseDomain, normaliseEmail, normaliseHash, normaliseIp, normaliseUrl } from '../correlation/observables';

export type ValueKind = 'ipv4' | 'ipv6' | 'cidr' | 'domain' | 'url' | 'email' | 'hash';

export interface LookupValue {
  value: string;
  kind: ValueKind;
  keys: string[];
  domains: string[];
}

const HASHES_BY_LENGTH: Record<number, string[]> = {
  32: ['MD5'], 40: ['SHA-1'], 56: ['SHA-224'], 64: ['SHA-256', 'SHA3-256'], 96: ['SHA-384'], 128: ['SHA-512', 'SHA3-512'],
};

/** Most addresses a CIDR is expanded into (a /24 of IPv4). */
export const MAX_EXPANDED = 256;

function networks(addr: ipaddr.IPv4 | ipaddr.IPv6, maxBits: number): string[] {
  const v4 = addr.kind() === 'ipv4';
  const out: string[] = [];
  for (let bits = v4 ? 8 : 16; bits < maxBits; bits++) {
    const net = normaliseIp(`${addr.toString()}/${bits}`);
    if (net) out.push(`${v4 ? 'ipv4' : 'ipv6'}:${net}`);
  }
  return out;
}

function ipLookup(value: string, text: string): LookupValue | null {
  const n = normaliseIp(text);
  if (!n) return null;
  const v4 = !n.includes(':');
  const prefix = v4 ? 'ipv4' : 'ipv6';
  if (!n.includes('/')) {
    const addr = ipaddr.parse(n);
    return { value, kind: v4 ? 'ipv4' : 'ipv6', keys: [`${prefix}:${n}`, ...networks(addr, v4 ? 32 : 128)], domains: [] };
  }
  const [addr, bits] = ipaddr.parseCIDR(n);
  const keys = [`${prefix}:${n}`, ...networks(addr, bits)];
  const size = (v4 ? 32 : 128) - bits;
  if (size <= Math.log2(MAX_EXPANDED)) {
    const bytes = addr.toByteArray();
    for (let i = 0; i < 2 ** size; i++) {
      const b = [...bytes];
      let carry = i;
      for (let j = b.length - 1; j >= 0 && carry > 0; j--) {
        const sum = b[j]! + (carry & 0xff);
        b[j] = sum & 0xff;
        carry = (carry >> 8) + (sum >> 8);
      }
      keys.push(`${prefix}:${ipaddr.fromByteArray(b).toString()}`);
    }
  }
  return { value, kind: 'cidr', keys, domains: [] };
}

/** null when the value is none of the kinds above. */
export function lookupValue(raw: string): LookupValue | null {
  const text = raw.trim();
  // Control characters are in no observable (and a NUL would not reach PostgreSQL).
  if (text === '' || text.length > 2048 || [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return null;
  if (/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(text) && (text.includes('.') || text.includes(':')) && !/^[0-9a-fA-F]+$/.test(text)) {
    const ip = ipLookup(raw, text);
    if (ip) return ip;
  }
  const algs = /^[0-9a-fA-F]+$/.test(text) ? HASHES_BY_LENGTH[text.length] : undefined;
  if (algs) return { value: raw, kind: 'hash', keys: algs.map((a) => `file:${a}:${normaliseHash(a, text)!.value}`), domains: [] };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const u = normaliseUrl(text);
    return u ? { value: raw, kind: 'url', keys: [`url:${u}`], domains: [] } : null;
  }
  if (text.includes('@')) {
    const e = normaliseEmail(text);
    return e ? { value: raw, kind: 'email', keys: [`email:${e}`], domains: [] } : null;
  }
  const d = normaliseDomain(text);
  return d && d.includes('.') && /^[a-z0-9_.-]+$/.test(d) ? { value: raw, kind: 'domain', keys: [], domains: [d] } : null;
}
