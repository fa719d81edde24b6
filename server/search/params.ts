/**
 * The search parameters, strictly parsed (unknown or repeated ones refused, as on TAXII): from a
 * query string, or from the body of a bulk lookup (the same names, lists as JSON arrays).
 */
import { BadRequest } from '../errors';
import { normaliseTimestamp } from '../storage/clock';
import type { Range, SearchFilters } from './filters';

export const FILTER_PARAMS = [
  'type', 'label', 'sector', 'marking', 'confidence_min', 'confidence_max', 'created_after', 'created_before',
  'modified_after', 'modified_before', 'added_after', 'added_before', 'organisation', 'collection',
] as const;

type FilterParam = (typeof FILTER_PARAMS)[number];

function invalidParam(param: string, message: string): never {
  throw new BadRequest('invalid_parameter', message, { parameter: param });
}

const TYPE = /^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$/;
const TLPS = ['clear', 'green', 'amber', 'amber+strict', 'red', 'none'];

/** Characters as JSON Schema counts them (code points, not UTF-16 units). */
export const lengthOf = (v: string) => [...v].length;

/** A comma-separated list of non-empty items, at most 200 characters in all (a URL must stay under the header limit). */
function list(param: string, v: string): string[] {
  const items = v.split(',');
  if (lengthOf(v) > 200 || items.some((s) => s === '')) invalidParam(param, `${param} takes a comma-separated list of non-empty values (at most 200 characters).`);
  return [...new Set(items)];
}

function time(param: string, v: string): string {
  const t = normaliseTimestamp(v, 6);
  if (!t) invalidParam(param, `${param} "${v.slice(0, 64)}" is not an RFC 3339 UTC timestamp such as 2026-01-31T12:00:00Z.`);
  return t;
}

function range(get: (k: FilterParam) => string | undefined, from: FilterParam, to: FilterParam): Range | undefined {
  const r: Range = {};
  const a = get(from);
  const b = get(to);
  if (a !== undefined) r.from = time(from, a);
  if (b !== undefined) r.to = time(to, b);
  return r.from || r.to ? r : undefined;
}

function confidence(param: string, v: string): number {
  if (!/^(100|[1-9]?[0-9])$/.test(v)) invalidParam(param, `${param} must be a whole number from 0 to 100.`);
  return Number(v);
}

/** Filters from their string values (query parameters, or the `filters` of a bulk lookup). */
export function parseFilters(raw: Partial<Record<FilterParam, string>>): SearchFilters {
  const s = (k: FilterParam): string | undefined => raw[k];
  const l = (k: FilterParam) => (raw[k] === undefined ? undefined : list(k, raw[k]));
  const f: SearchFilters = {};
  const types = l('type');
  if (types) {
    if (types.some((t) => !TYPE.test(t))) invalidParam('type', 'type takes STIX type names.');
    f.types = types;
  }
  f.labels = l('label');
  f.sectors = l('sector');
  const markings = l('marking');
  if (markings) {
    if (markings.some((m) => !TLPS.includes(m) && !/^marking-definition--[0-9a-f-]{36}$/.test(m))) {
      invalidParam('marking', `marking takes TLP names (${TLPS.join(', ')}) or marking-definition ids.`);
    }
    f.markings = markings;
  }
  const min = s('confidence_min');
  const max = s('confidence_max');
  if (min !== undefined || max !== undefined) {
    f.confidence = { ...(min !== undefined ? { min: confidence('confidence_min', min) } : {}), ...(max !== undefined ? { max: confidence('confidence_max', max) } : {}) };
  }
  f.created = range(s, 'created_after', 'created_before');
  f.modified = range(s, 'modified_after', 'modified_before');
  f.added = range(s, 'added_after', 'added_before');
  f.organisations = l('organisation');
  f.collections = l('collection');
  for (const k of Object.keys(f) as (keyof SearchFilters)[]) if (f[k] === undefined) delete f[k];
  return f;
}

export function parseLimit(v: string | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(v) || Number(v) < 1) invalidParam('limit', `limit must be a whole number of at least 1 (at most ${max} are returned).`);
  return Math.min(Number(v), max);
}

export function parseNext(v: string | undefined): string | undefined {
  if (v === '') throw new BadRequest('invalid_next', 'next is empty: give the next token of the previous page unchanged, or leave next out.', { parameter: 'next' });
  return v;
}
