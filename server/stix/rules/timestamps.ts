/**
 * Timestamps (STIX 2.1 §2.16): the schemas check the RFC 3339 form; here the calendar
 * (no 30 February) and the ordering rules (`modified` ≥ `created`, §3.2, and the
 * per-type first/last pairs).
 */
import { error } from '../findings';
import type { Report } from '../findings';
import { type Rule, type StixObject, isRecord } from './types';

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const BY_TYPE: Record<string, string[]> = {
  campaign: ['first_seen', 'last_seen'],
  indicator: ['valid_from', 'valid_until'],
  infrastructure: ['first_seen', 'last_seen'],
  'intrusion-set': ['first_seen', 'last_seen'],
  'language-content': ['object_modified'],
  malware: ['first_seen', 'last_seen'],
  'malware-analysis': ['submitted', 'analysis_started', 'analysis_ended'],
  'observed-data': ['first_observed', 'last_observed'],
  report: ['published'],
  relationship: ['start_time', 'stop_time'],
  sighting: ['first_seen', 'last_seen'],
  'threat-actor': ['first_seen', 'last_seen'],
  directory: ['ctime', 'mtime', 'atime'],
  'email-message': ['date'],
  file: ['ctime', 'mtime', 'atime'],
  'network-traffic': ['start', 'end'],
  process: ['created_time'],
  'user-account': ['account_created', 'account_expires', 'credential_last_changed', 'account_first_login', 'account_last_login'],
  'windows-registry-key': ['modified_time'],
  'x509-certificate': ['validity_not_before', 'validity_not_after'],
};

/** [later, 'ge' | 'gt', earlier] */
const ORDER: Record<string, [string, 'ge' | 'gt', string][]> = {
  campaign: [['last_seen', 'ge', 'first_seen']],
  indicator: [['valid_until', 'gt', 'valid_from']],
  infrastructure: [['last_seen', 'ge', 'first_seen']],
  'intrusion-set': [['last_seen', 'ge', 'first_seen']],
  malware: [['last_seen', 'ge', 'first_seen']],
  'observed-data': [['last_observed', 'ge', 'first_observed']],
  relationship: [['stop_time', 'gt', 'start_time']],
  sighting: [['last_seen', 'ge', 'first_seen']],
  'threat-actor': [['last_seen', 'ge', 'first_seen']],
  'network-traffic': [['end', 'ge', 'start']],
};

const CODES: Record<string, string> = { created: 'modified-before-created' };

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`, scanned by hand: it runs several times per object. */
function isWellFormed(ts: string): boolean {
  const n = ts.length;
  if (n < 20 || ts.charCodeAt(n - 1) !== 90) return false;
  for (let i = 0; i < 19; i++) {
    const c = ts.charCodeAt(i);
    const sep = i === 4 || i === 7 ? 45 : i === 10 ? 84 : i === 13 || i === 16 ? 58 : 0;
    if (sep ? c !== sep : !isDigit(c)) return false;
  }
  if (n === 20) return true;
  if (n < 22 || ts.charCodeAt(19) !== 46) return false;
  for (let i = 20; i < n - 1; i++) if (!isDigit(ts.charCodeAt(i))) return false;
  return true;
}

function digits(ts: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) v = v * 10 + ts.charCodeAt(i) - 48;
  return v;
}

/** Why a well-formed timestamp is not a real instant, or undefined when it is. */
export function calendarProblem(ts: string): string | undefined {
  if (!isWellFormed(ts)) return undefined; // malformed: the schema says so
  const year = digits(ts, 0, 4);
  const month = digits(ts, 5, 7);
  const day = digits(ts, 8, 10);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const max = month === 2 && leap ? 29 : DAYS[month - 1];
  if (day > max) return `day ${day} does not exist in ${ts.slice(0, 4)}-${ts.slice(5, 7)}`;
  if (ts.charCodeAt(17) === 54 && ts.charCodeAt(18) === 48) return 'second 60 (a leap second) is not accepted';
  return undefined;
}

/** Compares two well-formed RFC 3339 UTC timestamps without building Dates or strings: -1, 0 or 1. */
export function compareTimestamps(a: string, b: string): number {
  for (let i = 0; i < 19; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  // Fractions, the shorter padded with zeros.
  const fa = a.length > 20 ? a.length - 21 : 0;
  const fb = b.length > 20 ? b.length - 21 : 0;
  for (let i = 0; i < Math.max(fa, fb); i++) {
    const ca = i < fa ? a.charCodeAt(20 + i) : 48;
    const cb = i < fb ? b.charCodeAt(20 + i) : 48;
    if (ca !== cb) return ca < cb ? -1 : 1;
  }
  return 0;
}

function checkOne(obj: StixObject, prop: string, base: string, report: Report): void {
  const v = obj[prop];
  if (typeof v !== 'string') return;
  const problem = calendarProblem(v);
  if (problem) error(report, `${base}/${prop}`, 'timestamp', `'${prop}' (${v}) is not a valid timestamp: ${problem}`);
}

function checkOrder(obj: StixObject, later: string, op: 'ge' | 'gt', earlier: string, base: string, report: Report): void {
  const a = obj[later];
  const b = obj[earlier];
  if (typeof a !== 'string' || typeof b !== 'string' || !isWellFormed(a) || !isWellFormed(b)) return;
  const c = compareTimestamps(a, b);
  if (c < 0 || (op === 'gt' && c === 0)) {
    error(
      report,
      `${base}/${later}`,
      CODES[earlier] ?? `${later.replace(/_/g, '-')}-before-${earlier.replace(/_/g, '-')}`,
      `'${later}' (${a}) must be ${op === 'gt' ? 'later than' : 'the same as or later than'} '${earlier}' (${b})`,
    );
  }
}

export function checkTimestamps(obj: StixObject, type: string, base: string, report: Report): void {
  if ('created' in obj) checkOne(obj, 'created', base, report);
  if ('modified' in obj) checkOne(obj, 'modified', base, report);
  const props = BY_TYPE[type];
  if (props) for (const p of props) if (p in obj) checkOne(obj, p, base, report);
  if (type === 'file' && isRecord(obj.extensions)) {
    const pe = obj.extensions['windows-pebinary-ext'];
    if (isRecord(pe)) checkOne(pe, 'time_date_stamp', `${base}/extensions/windows-pebinary-ext`, report);
  }
  if (type === 'x509-certificate' && isRecord(obj.x509_v3_extensions)) {
    const x = obj.x509_v3_extensions;
    checkOne(x, 'private_key_usage_period_not_before', `${base}/x509_v3_extensions`, report);
    checkOne(x, 'private_key_usage_period_not_after', `${base}/x509_v3_extensions`, report);
  }
  if ('created' in obj && 'modified' in obj) checkOrder(obj, 'modified', 'ge', 'created', base, report);
  const order = ORDER[type];
  if (order) for (const [later, op, earlier] of order) checkOrder(obj, later, op, earlier, base, report);
}

export const timestampRules: Rule = (obj, type, report) => checkTimestamps(obj, type, '', report);
