/**
 * What an export may say about a stored object: the observable values whose presence alone is
 * the object's meaning. A firewall list, an IDS rule or a Zeek intel entry matches one value; a
 * pattern that needs more than one value at once, an order, a count or a negation would be
 * turned into a broader claim than the producer made, so it is left out whole and counted.
 *
 * Exportable (docs/exports.md):
 * - an SCO of a tracked type (ipv4-addr, ipv6-addr, domain-name, url, email-addr, file hashes);
 * - an indicator with `pattern_type: stix` whose pattern is observations joined by OR, without
 *   qualifiers, each a comparison expression of positive `=` / `IN` comparisons on tracked
 *   properties joined by OR; AND only between hashes of one `file` (each hash alone names it).
 * Everything else (LIKE, MATCHES, !=, NOT, <, EXISTS, ISSUBSET, FOLLOWEDBY, observation AND,
 * WITHIN/REPEATS/START-STOP, AND across properties, untracked properties) is skipped.
 */
import { observableKey, scoKeys } from '../correlation/observables';
import { parsePattern, type ComparisonExpression, type ObservationExpression } from '../stix/pattern';
import { checkHashValue, checkObjectType } from '../stix/pattern/checks';

/** The `observable` filter's names, one per kind of exported value. */
export const OBSERVABLES = [
  'ipv4', 'ipv6', 'domain', 'url', 'email',
  'md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha3-256', 'sha3-512', 'ssdeep', 'tlsh',
] as const;
export type Observable = (typeof OBSERVABLES)[number];

export interface ExportValue {
  kind: Observable;
  /** Normalised (observables.ts): IPs canonical (CIDR kept), domains lowercase ASCII, hashes lowercase hex. */
  value: string;
}

export type Extraction = { ok: true; values: ExportValue[] } | { ok: false };

/** An observable key ("ipv4:198.51.100.7", "file:SHA-256:AB…") as an export value. */
export function valueOfKey(key: string): ExportValue | null {
  const colon = key.indexOf(':');
  const prefix = key.slice(0, colon);
  const rest = key.slice(colon + 1);
  switch (prefix) {
    case 'ipv4':
    case 'ipv6':
    case 'domain':
    case 'url':
    case 'email':
      return { kind: prefix, value: rest };
    case 'file': {
      const c = rest.indexOf(':');
      const kind = rest.slice(0, c).toLowerCase().replace(/^sha-/, 'sha') as Observable;
      if (!(OBSERVABLES as readonly string[]).includes(kind)) return null;
      const v = rest.slice(c + 1);
      return { kind, value: kind === 'ssdeep' ? v : v.toLowerCase() };
    }
    default:
      return null;
  }
}

function keysOfComparisonExpression(e: ComparisonExpression, out: string[]): boolean {
  if (e.kind === 'comparison-operation') {
    if (e.operator === 'AND') {
      // Several hashes of one file: each alone identifies it.
      const ok = e.operands.every(
        (o) => o.kind === 'comparison' && o.comparison.objectType === 'file' && o.comparison.path[0] === 'hashes',
      );
      if (!ok) return false;
    }
    return e.operands.every((o) => keysOfComparisonExpression(o, out));
  }
  const c = e.comparison;
  if (c.negated || c.value === null || (c.op !== '=' && c.op !== 'IN') || c.path.includes('*')) return false;
  const values = c.op === '=' ? [c.value] : c.value.type === 'set' ? c.value.value : [];
  if (values.length === 0) return false;
  for (const v of values) {
    if (v.type !== 'string') return false;
    const k = observableKey(c.objectType, c.path as (string | number)[], v.value);
    if (!k || k.startsWith('asn:')) return false;
    out.push(k);
  }
  return true;
}

function keysOfObservationExpression(e: ObservationExpression, out: string[]): boolean {
  switch (e.kind) {
    case 'group':
      return false; // a qualifier on a group: time window or count
    case 'observation-operation':
      return e.operator === 'OR' && e.operands.every((o) => keysOfObservationExpression(o, out));
    case 'observation':
      return e.qualifiers.length === 0 && keysOfComparisonExpression(e.expression, out);
  }
}

/**
 * The one shape most indicators have, `[type:path = 'value']` with a plain path (`value`,
 * `hashes.'SHA-256'`, `hashes.MD5`) and only the two string escapes, read without the parser:
 * the parse is most of an export's CPU (measured 3.5-5 µs of 100,000 indicators' ~30 µs). Anything
 * else (other spacing, operators, qualifiers, an escape the grammar refuses) takes the parser.
 * test/unit/exports.test.ts checks both ways agree.
 */
const SIMPLE = /^\[([a-z0-9-]+):([a-z0-9_]+)(?:\.(?:'([A-Za-z0-9_-]+)'|([A-Za-z0-9_]+)))? = '((?:[^'\\]|\\['\\])*)'\]$/;

export function simplePatternValues(pattern: string): Extraction | undefined {
  const m = SIMPLE.exec(pattern);
  if (!m) return undefined;
  const path: string[] = [m[2]!];
  const sub = m[3] ?? m[4];
  if (sub !== undefined) path.push(sub);
  const value = m[5]!.includes('\\') ? m[5]!.replace(/\\(['\\])/g, '$1') : m[5]!;
  // The parser's semantic rules for this shape: the type name, and a hash's form (an invalid one is not a pattern).
  if (checkObjectType(m[1]!) !== null) return undefined;
  if (path[0] === 'hashes' && sub !== undefined && checkHashValue(sub, { type: 'string', value }) !== null) return { ok: false };
  const k = observableKey(m[1]!, path, value);
  if (!k) return undefined; // the parser decides (and says why it is not exportable)
  if (k.startsWith('asn:')) return { ok: false };
  const v = valueOfKey(k);
  return { ok: true, values: v ? [v] : [] };
}

/** Values of a STIX pattern, or ok: false when its meaning is not a list of values. */
export function patternValues(pattern: string): Extraction {
  const simple = simplePatternValues(pattern);
  if (simple) return simple;
  return parsedPatternValues(pattern);
}

/** patternValues through the pattern parser, whatever the shape. */
export function parsedPatternValues(pattern: string): Extraction {
  const r = parsePattern(pattern);
  if (!r.ok) return { ok: false };
  const keys: string[] = [];
  if (!keysOfObservationExpression(r.ast.expression, keys)) return { ok: false };
  return { ok: true, values: dedupe(keys) };
}

function dedupe(keys: string[]): ExportValue[] {
  const seen = new Set<string>();
  const out: ExportValue[] = [];
  for (const k of keys) {
    if (seen.has(k)) continue;
    seen.add(k);
    const v = valueOfKey(k);
    if (v) out.push(v);
  }
  return out;
}

/** SCO types whose values are exported. */
export const SCO_TYPES = ['ipv4-addr', 'ipv6-addr', 'domain-name', 'url', 'email-addr', 'file'] as const;

/** Values of a stored object; ok: false for an indicator whose pattern cannot be exported. */
export function valuesOf(stix: Record<string, unknown>): Extraction {
  if (stix.type === 'indicator') {
    if ((stix.pattern_type ?? 'stix') !== 'stix' || typeof stix.pattern !== 'string') return { ok: false };
    return patternValues(stix.pattern);
  }
  if ((SCO_TYPES as readonly string[]).includes(String(stix.type))) return { ok: true, values: dedupe(scoKeys(stix)) };
  return { ok: true, values: [] };
}
