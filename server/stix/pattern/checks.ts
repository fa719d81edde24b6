// Semantic rules beyond STIXPattern.g4. Each check returns null when fine, or the reason.

import type { PatternValue } from './ast';

/** STIX 2.1 §2.9 / §3.1: object type names are 3-250 of [a-z0-9-] (custom `x-` types included). */
export function checkObjectType(name: string): string | null {
  if (name.length < 3 || name.length > 250) {
    return `object type '${name}' must be 3 to 250 characters long`;
  }
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) {
      return `object type '${name}' may only contain lowercase letters, digits and '-'`;
    }
  }
  return null;
}

/**
 * STIX 2.1 §3.1: property names are [a-z0-9_], at most 250 characters. No minimum length here:
 * predefined properties such as `id` are shorter than the 3 characters asked of custom ones.
 */
export function checkPropertyName(name: string): string | null {
  if (name.length === 0 || name.length > 250) {
    return `property name '${name}' must be 1 to 250 characters long`;
  }
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95)) {
      return `property name '${name}' may only contain lowercase letters, digits and '_'`;
    }
  }
  return null;
}

// hashing-algorithm-ov (STIX 2.1 §10.11), keyed without '-' and in upper case so that
// 'SHA-256', 'sha256' and 'SHA256' select the same rule.
const HEX_LENGTHS: Record<string, [number, string]> = {
  MD5: [32, 'MD5'],
  SHA1: [40, 'SHA-1'],
  SHA224: [56, 'SHA-224'],
  SHA256: [64, 'SHA-256'],
  SHA384: [96, 'SHA-384'],
  SHA512: [128, 'SHA-512'],
  SHA3224: [56, 'SHA3-224'],
  SHA3256: [64, 'SHA3-256'],
  SHA3384: [96, 'SHA3-384'],
  SHA3512: [128, 'SHA3-512'],
};

const SSDEEP = /^[0-9]{1,10}:[A-Za-z0-9/+]{1,64}:[A-Za-z0-9/+]{0,64}$/;
// TLSH: 35 bytes (70 hex digits), optionally with the 'T1' version prefix of TLSH 4.x.
const TLSH = /^(?:T1)?[0-9A-Fa-f]{70}$/;

function isHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

export function normaliseHashName(name: string): string {
  return name.toUpperCase().replace(/[-_]/g, '');
}

/** Checks `value` against the hash algorithm `algorithm` (a `hashes` key); unknown keys pass. */
export function checkHashValue(algorithm: string, value: PatternValue): string | null {
  if (value.type === 'set') {
    for (const v of value.value) {
      const reason = checkHashValue(algorithm, v);
      if (reason !== null) return reason;
    }
    return null;
  }
  if (value.type !== 'string') return null;
  const s = value.value;
  const key = normaliseHashName(algorithm);
  const hex = HEX_LENGTHS[key];
  if (hex !== undefined) {
    if (s.length === hex[0] && isHex(s)) return null;
    return `'${s}' is not a valid ${hex[1]} hash: expected ${hex[0]} hex digits, found ${s.length} characters${isHex(s) ? '' : ' with non-hex characters'}`;
  }
  if (key === 'SSDEEP' && !SSDEEP.test(s)) {
    return `'${s}' is not a valid SSDEEP hash: expected blocksize:hash:hash`;
  }
  if (key === 'TLSH' && !TLSH.test(s)) {
    return `'${s}' is not a valid TLSH hash: expected 70 hex digits, optionally prefixed by 'T1'`;
  }
  return null;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * RFC 3339 §5.7: the day must exist in that month and year. The lexer already enforced the
 * shape YYYY-MM-DDThh:mm:ss[.f]Z and the field ranges of STIXPattern.g4.
 */
export function checkCalendarDate(ts: string): string | null {
  const year = Number(ts.slice(0, 4));
  const month = Number(ts.slice(5, 7));
  const day = Number(ts.slice(8, 10));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const max = month === 2 && leap ? 29 : DAYS[month - 1];
  if (day > max) return `timestamp '${ts}' names day ${day} of a month that has ${max} days`;
  return null;
}

/** Orders two grammatical STIX timestamps (any fraction length); negative if a < b. */
export function compareTimestamps(a: string, b: string): number {
  const ha = a.slice(0, 19);
  const hb = b.slice(0, 19);
  if (ha !== hb) return ha < hb ? -1 : 1;
  const fa = a.length > 20 ? a.slice(20, -1) : '';
  const fb = b.length > 20 ? b.slice(20, -1) : '';
  const n = Math.max(fa.length, fb.length);
  const pa = fa.padEnd(n, '0');
  const pb = fb.padEnd(n, '0');
  return pa === pb ? 0 : pa < pb ? -1 : 1;
}
