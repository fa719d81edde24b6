/**
 * The export filters: the TAXII ones (added_after, match[type], match[id]) read by the same
 * parser as TAXII reads, and the export ones. A bad value is refused (400 invalid_parameter),
 * never ignored: a filter silently dropped would put the wrong values on a firewall.
 */
import { BadRequest } from '../errors';
import { parseQuery, strictQuery } from '../http/query';
import { normaliseTimestamp } from '../storage/clock';
import { isTlp, type Tlp } from '../stix/markings';
import { OBSERVABLES, SCO_TYPES, type Observable } from './values';

export const EXPORT_PARAMS = [
  'added_after', 'match[id]', 'match[type]', 'observable', 'min_confidence', 'max_tlp', 'label', 'valid_at', 'include_revoked',
] as const;

export interface ExportFilter {
  addedAfter?: string;
  ids?: string[];
  /** Object types read from storage: indicators and the exported SCO types, or match[type] within them (may be empty). */
  types: string[];
  observables?: ReadonlySet<Observable>;
  minConfidence?: number;
  maxTlp?: Tlp;
  labels?: string[];
  /** Milliseconds since the epoch. */
  validAt: number;
  includeRevoked: boolean;
}

const EXPORTED_TYPES = ['indicator', ...SCO_TYPES];

function invalid(param: string, message: string): never {
  throw new BadRequest('invalid_parameter', message, { parameter: param });
}

function items(param: string, value: string): string[] {
  const list = value.split(',');
  if (list.some((s) => s === '')) invalid(param, `${param} has an empty item; give a comma-separated list.`);
  return [...new Set(list)];
}

export function parseExportQuery(query: Record<string, unknown>, now = Date.now()): ExportFilter {
  const raw = strictQuery(query, EXPORT_PARAMS);
  const taxii = parseQuery(
    { ...(raw.added_after !== undefined ? { added_after: raw.added_after } : {}), ...(raw['match[id]'] !== undefined ? { 'match[id]': raw['match[id]'] } : {}), ...(raw['match[type]'] !== undefined ? { 'match[type]': raw['match[type]'] } : {}) },
    ['added_after', 'match[id]', 'match[type]'],
    1,
  );
  // Types other than the exported ones select nothing (as a TAXII read of an absent type would).
  const types = taxii.types ? taxii.types.filter((t) => EXPORTED_TYPES.includes(t)) : EXPORTED_TYPES;
  const f: ExportFilter = { types, validAt: now, includeRevoked: false };
  if (taxii.addedAfter) f.addedAfter = taxii.addedAfter;
  if (taxii.ids) f.ids = taxii.ids;
  if (raw.observable !== undefined) {
    const list = items('observable', raw.observable);
    const unknown = list.find((o) => !(OBSERVABLES as readonly string[]).includes(o));
    if (unknown) invalid('observable', `observable "${unknown.slice(0, 40)}" is not one of ${OBSERVABLES.join(', ')}.`);
    f.observables = new Set(list as Observable[]);
  }
  if (raw.min_confidence !== undefined) {
    if (!/^[0-9]{1,3}$/.test(raw.min_confidence) || Number(raw.min_confidence) > 100) invalid('min_confidence', 'min_confidence must be a whole number from 0 to 100.');
    f.minConfidence = Number(raw.min_confidence);
  }
  if (raw.max_tlp !== undefined) {
    const t = raw.max_tlp;
    if (!isTlp(t)) invalid('max_tlp', 'max_tlp must be one of clear, green, amber, amber+strict, red (send + as %2B).');
    f.maxTlp = t;
  }
  if (raw.label !== undefined) f.labels = items('label', raw.label);
  if (raw.valid_at !== undefined) {
    const normalised = normaliseTimestamp(raw.valid_at, 3);
    // Second 60 (a leap second) reads as 59, as added_after does; Date.parse refuses it.
    const t = normalised ? Date.parse(normalised.replace(/:60(\.\d+)?Z$/, ':59$1Z')) : NaN;
    if (Number.isNaN(t)) invalid('valid_at', `valid_at "${raw.valid_at.slice(0, 64)}" is not an RFC 3339 UTC timestamp such as 2026-01-31T12:00:00Z.`);
    f.validAt = t;
  }
  if (raw.include_revoked !== undefined) {
    if (raw.include_revoked !== 'true' && raw.include_revoked !== 'false') invalid('include_revoked', 'include_revoked must be true or false.');
    f.includeRevoked = raw.include_revoked === 'true';
  }
  return f;
}
