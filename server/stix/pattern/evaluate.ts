// One comparison against one SCO-like object (STIX 2.1 §9.5). Pure: the only state is the
// memoised compilation of LIKE/MATCHES operands.
//
// Semantics chosen here (see docs/patterns.md):
// - the object's `type`, when present, must equal the comparison's object type;
// - a path through `[*]` yields every element, and the comparison holds if any element satisfies it;
// - NOT negates that result, but a path that resolves to nothing never matches (except NOT EXISTS);
// - values of different kinds (a string against a number) never compare equal or ordered.

import type { Comparison, PatternValue } from './ast';
import { compareTimestamps, normaliseHashName } from './checks';
import { isSubnetOf, parseNetwork } from './cidr';
import { compileLike, compileMatches } from './regex';

const TIMESTAMP = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** All values reached by `path` from `obj`; '*' fans out over list elements (or dictionary values). */
export function resolvePath(obj: Record<string, unknown>, path: Comparison['path']): unknown[] {
  let current: unknown[] = [obj];
  for (let i = 0; i < path.length && current.length > 0; i++) {
    const step = path[i];
    const next: unknown[] = [];
    for (const v of current) {
      if (step === '*') {
        if (Array.isArray(v)) next.push(...v);
        else if (isRecord(v)) next.push(...Object.values(v));
      } else if (typeof step === 'number') {
        if (Array.isArray(v)) {
          const idx = step < 0 ? v.length + step : step;
          if (idx >= 0 && idx < v.length) next.push(v[idx]);
        }
      } else if (isRecord(v)) {
        if (Object.prototype.hasOwnProperty.call(v, step)) {
          next.push(v[step]);
        } else if (i > 0 && path[i - 1] === 'hashes') {
          // Hash names: 'SHA-256', 'sha256' and 'SHA256' name the same algorithm.
          const want = normaliseHashName(step);
          for (const key of Object.keys(v)) if (normaliseHashName(key) === want) next.push(v[key]);
        }
      }
    }
    current = next;
  }
  return current.filter((v) => v !== undefined && v !== null);
}

function decodeObserved(v: string, asHex: boolean): Buffer | null {
  if (asHex) return /^(?:[0-9a-fA-F]{2})*$/.test(v) ? Buffer.from(v, 'hex') : null;
  return /^[A-Za-z0-9+/]*={0,2}$/.test(v) ? Buffer.from(v, 'base64') : null;
}

function lastKeyEndsWith(path: Comparison['path'], suffix: string): boolean {
  const last = path[path.length - 1];
  return typeof last === 'string' && last.endsWith(suffix);
}

/** Orders `observed` against the pattern value; null when the two are not comparable. */
function compare(pv: PatternValue, observed: unknown, path: Comparison['path']): number | null {
  switch (pv.type) {
    case 'string':
      if (typeof observed !== 'string') return null;
      return observed === pv.value ? 0 : observed < pv.value ? -1 : 1;
    case 'int':
    case 'float':
      if (typeof observed !== 'number') return null;
      return observed === pv.value ? 0 : observed < pv.value ? -1 : 1;
    case 'bool':
      if (typeof observed !== 'boolean') return null;
      return observed === pv.value ? 0 : 1;
    case 'timestamp':
      if (typeof observed !== 'string' || !TIMESTAMP.test(observed)) return null;
      return compareTimestamps(observed, pv.value);
    case 'binary':
    case 'hex': {
      if (typeof observed !== 'string') return null;
      const mine = Buffer.from(pv.value, pv.type === 'hex' ? 'hex' : 'base64');
      const theirs = decodeObserved(observed, lastKeyEndsWith(path, '_hex') || (pv.type === 'hex' && !lastKeyEndsWith(path, '_bin')));
      return theirs === null ? null : Buffer.compare(theirs, mine);
    }
    case 'set':
      return null;
  }
}

function test(c: Comparison, observed: unknown): boolean {
  const pv = c.value;
  if (pv === null) return true;
  switch (c.op) {
    case '=':
      return compare(pv, observed, c.path) === 0;
    case '!=': {
      const r = compare(pv, observed, c.path);
      return r !== null && r !== 0;
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const r = compare(pv, observed, c.path);
      if (r === null) return false;
      return c.op === '<' ? r < 0 : c.op === '<=' ? r <= 0 : c.op === '>' ? r > 0 : r >= 0;
    }
    case 'IN':
      return pv.type === 'set' && pv.value.some((item) => compare(item, observed, c.path) === 0);
    case 'LIKE':
      return typeof observed === 'string' && pv.type === 'string' && compileLike(pv.value).test(observed);
    case 'MATCHES': {
      if (typeof observed !== 'string' || pv.type !== 'string') return false;
      const re = compileMatches(pv.value);
      if (typeof re === 'string') return false;
      // §9.5: on binary properties the regex runs over the bytes, one character per byte.
      const subject = lastKeyEndsWith(c.path, '_bin') ? Buffer.from(observed, 'base64').toString('latin1') : observed;
      return re.test(subject);
    }
    case 'ISSUBSET':
    case 'ISSUPERSET': {
      if (typeof observed !== 'string' || pv.type !== 'string') return false;
      const mine = parseNetwork(pv.value);
      const theirs = parseNetwork(observed);
      if (mine === null || theirs === null) return false;
      return c.op === 'ISSUBSET' ? isSubnetOf(theirs, mine) : isSubnetOf(mine, theirs);
    }
    case 'EXISTS':
      return true;
  }
}

/** Does `obj` (one SCO, references already resolved or not followed) satisfy `comparison`? */
export function matchesObservation(comparison: Comparison, obj: Record<string, unknown>): boolean {
  if (typeof obj.type === 'string' && obj.type !== comparison.objectType) return false;
  const values = resolvePath(obj, comparison.path);
  if (comparison.op === 'EXISTS') return values.length > 0 !== comparison.negated;
  if (values.length === 0) return false;
  let any = false;
  for (const v of values) {
    if (test(comparison, v)) {
      any = true;
      break;
    }
  }
  return any !== comparison.negated;
}
