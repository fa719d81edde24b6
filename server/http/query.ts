/**
 * Strict parsing of TAXII 2.1 query parameters (§3.4). Unknown, repeated or malformed
 * parameters are refused with a reason: a filter silently ignored would return the wrong data.
 */
import { BadRequest } from '../errors';
import { normaliseTimestamp, versionKey } from '../storage/clock';
import type { VersionFilter } from '../storage/objects';

export type Param = 'added_after' | 'limit' | 'next' | 'match[id]' | 'match[type]' | 'match[version]' | 'match[spec_version]';

export interface ParsedQuery {
  addedAfter?: string;
  limit?: number;
  next?: string;
  ids?: string[];
  types?: string[];
  versions: VersionFilter;
  /** Whether match[version] was given (DELETE deletes every version when it is not). */
  versionGiven: boolean;
  specVersions?: string[];
}

const ID = /^[a-z0-9][a-z0-9-]*[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TYPE = /^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$/;
const SPEC_VERSIONS = ['2.0', '2.1'];

function bad(code: 'invalid_parameter' | 'unknown_parameter' | 'repeated_parameter', message: string, param: string): never {
  throw new BadRequest(code, message, { parameter: param });
}

function list(param: string, value: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) bad('invalid_parameter', `${param} has an empty item; give a comma-separated list.`, param);
  return [...new Set(items)];
}

function parseVersions(value: string | undefined): VersionFilter {
  if (value === undefined) return { all: false, first: false, last: true, exact: [] };
  const items = list('match[version]', value);
  if (items.includes('all')) {
    if (items.length > 1) bad('invalid_parameter', 'match[version]=all cannot be combined with other values.', 'match[version]');
    return { all: true };
  }
  const filter = { all: false as const, first: false, last: false, exact: [] as string[] };
  for (const item of items) {
    if (item === 'first') filter.first = true;
    else if (item === 'last') filter.last = true;
    else {
      const key = versionKey(item);
      if (!key) {
        bad('invalid_parameter', `match[version] value "${item}" is not first, last, all or an RFC 3339 UTC timestamp.`, 'match[version]');
      }
      filter.exact.push(key);
    }
  }
  return filter;
}

/**
 * The query as single strings: an unknown parameter (including `match[id][$ne]`, `__proto__`)
 * or a repeated one is refused. Every endpoint of the hub reads its query through this.
 * @param query  req.query from Express's "simple" parser (keys kept literally, repeats as arrays)
 * @param allowed the parameters this endpoint takes
 */
export function strictQuery<P extends string>(query: Record<string, unknown>, allowed: readonly P[]): Partial<Record<P, string>> {
  const raw: Partial<Record<P, string>> = {};
  for (const key of Object.keys(query)) {
    if (!(allowed as readonly string[]).includes(key)) {
      bad('unknown_parameter', `Unknown query parameter "${key.slice(0, 64)}". This endpoint takes: ${allowed.join(', ') || 'none'}.`, key.slice(0, 64));
    }
    const value = query[key];
    if (typeof value !== 'string') bad('repeated_parameter', `Query parameter ${key} is given more than once; give it once (lists are comma-separated).`, key);
    raw[key as P] = value;
  }
  return raw;
}

export function parseQuery(query: Record<string, unknown>, allowed: readonly Param[], pageSizeMax: number): ParsedQuery {
  const raw = strictQuery(query, allowed);
  const out: ParsedQuery = { versions: parseVersions(raw['match[version]']), versionGiven: raw['match[version]'] !== undefined };
  if (raw.added_after !== undefined) {
    const t = normaliseTimestamp(raw.added_after, 6);
    if (!t) bad('invalid_parameter', `added_after "${raw.added_after.slice(0, 64)}" is not an RFC 3339 UTC timestamp such as 2026-01-31T12:00:00.000Z.`, 'added_after');
    out.addedAfter = t;
  }
  if (raw.limit !== undefined) {
    if (!/^[0-9]{1,9}$/.test(raw.limit) || Number(raw.limit) < 1) {
      bad('invalid_parameter', `limit must be a whole number of at least 1 (at most ${pageSizeMax} are returned).`, 'limit');
    }
    out.limit = Math.min(Number(raw.limit), pageSizeMax);
  }
  if (raw.next !== undefined) {
    // An empty `next` would read as the first page: a client that lost its token must not restart silently.
    if (raw.next === '') throw new BadRequest('invalid_next', 'next is empty: give the next token of the previous page unchanged, or leave next out.', { parameter: 'next' });
    out.next = raw.next;
  }
  if (raw['match[id]'] !== undefined) {
    out.ids = list('match[id]', raw['match[id]']);
    const badId = out.ids.find((id) => !ID.test(id));
    if (badId) bad('invalid_parameter', `match[id] value "${badId.slice(0, 80)}" is not a STIX identifier (type--UUID).`, 'match[id]');
    out.ids = out.ids.map((id) => id.toLowerCase());
  }
  if (raw['match[type]'] !== undefined) {
    out.types = list('match[type]', raw['match[type]']);
    const badType = out.types.find((t) => !TYPE.test(t));
    if (badType) bad('invalid_parameter', `match[type] value "${badType.slice(0, 80)}" is not a STIX type name.`, 'match[type]');
  }
  if (raw['match[spec_version]'] !== undefined) {
    out.specVersions = list('match[spec_version]', raw['match[spec_version]']);
    const badSv = out.specVersions.find((v) => !SPEC_VERSIONS.includes(v));
    if (badSv) bad('invalid_parameter', `match[spec_version] value "${badSv.slice(0, 20)}" is not one of ${SPEC_VERSIONS.join(', ')}.`, 'match[spec_version]');
  }
  return out;
}
