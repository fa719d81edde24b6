/**
 * Hand-written equivalents of the schema patterns every object runs several times (ids,
 * references, timestamps, property names). Same answers as the RegExps (a test compares them), without the
 * backtracking of `[a-z0-9-]+[a-z0-9]--`.
 */
const D0 = 48;
const D9 = 57;

function isDigit(c: number): boolean {
  return c >= D0 && c <= D9;
}

function isHex(c: number): boolean {
  return (c >= D0 && c <= D9) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

function hexRun(s: string, from: number, n: number): boolean {
  for (let i = from; i < from + n; i++) if (!isHex(s.charCodeAt(i))) return false;
  return true;
}

const IDENTIFIER = '^[a-z][a-z0-9-]+[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$';

/** identifier.json: `type--UUID`, the UUID part being 36 characters anchored at the end. */
function isIdentifier(s: string): boolean {
  const n = s.length;
  const u = n - 36; // start of the UUID
  if (u < 5 || s.charCodeAt(u - 1) !== 45 || s.charCodeAt(u - 2) !== 45) return false;
  const p = u - 2; // prefix length, at least 3
  if (!isLower(s.charCodeAt(0))) return false;
  for (let i = 1; i < p - 1; i++) {
    const c = s.charCodeAt(i);
    if (!(isLower(c) || isDigit(c) || c === 45)) return false;
  }
  const last = s.charCodeAt(p - 1);
  if (!(isLower(last) || isDigit(last))) return false;
  if (!hexRun(s, u, 8) || s.charCodeAt(u + 8) !== 45) return false;
  if (!hexRun(s, u + 9, 4) || s.charCodeAt(u + 13) !== 45) return false;
  const version = s.charCodeAt(u + 14);
  if (version < 49 || version > 53 || !hexRun(s, u + 15, 3) || s.charCodeAt(u + 18) !== 45) return false;
  const variant = s.charCodeAt(u + 19);
  if (!(variant === 56 || variant === 57 || variant === 97 || variant === 98 || variant === 65 || variant === 66)) return false;
  if (!hexRun(s, u + 20, 3) || s.charCodeAt(u + 23) !== 45) return false;
  return hexRun(s, u + 24, 12);
}

const TIMESTAMP = '^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(\\.[0-9]+)?Z$';

function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  return isDigit(a) && isDigit(b) ? (a - D0) * 10 + (b - D0) : -1;
}

/** timestamp.json: RFC 3339 in UTC, optional fraction of any length. */
function isTimestamp(s: string): boolean {
  const n = s.length;
  if (n < 20 || s.charCodeAt(n - 1) !== 90) return false;
  for (let i = 0; i < 4; i++) if (!isDigit(s.charCodeAt(i))) return false;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return false;
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return false;
  if (minute < 0 || minute > 59 || second < 0 || second > 60) return false;
  if (n === 20) return true;
  if (s.charCodeAt(19) !== 46 || n < 22) return false;
  for (let i = 20; i < n - 1; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

const TIMESTAMP_MILLIS = 'T\\d{2}:\\d{2}:\\d{2}\\.\\d{3,}Z$';

/** core.json timestamp_millis: ends with `Thh:mm:ss.` and at least three digits then `Z`. */
function hasMillis(s: string): boolean {
  let i = s.length - 1;
  if (i < 0 || s.charCodeAt(i) !== 90) return false;
  i--;
  const end = i;
  while (i >= 0 && isDigit(s.charCodeAt(i))) i--;
  if (end - i < 3 || i < 9 || s.charCodeAt(i) !== 46) return false;
  // i is the '.', preceded by `Thh:mm:ss`
  const t = i - 9;
  return (
    s.charCodeAt(t) === 84 &&
    twoDigits(s, t + 1) >= 0 &&
    s.charCodeAt(t + 3) === 58 &&
    twoDigits(s, t + 4) >= 0 &&
    s.charCodeAt(t + 6) === 58 &&
    twoDigits(s, t + 7) >= 0
  );
}

function isNameChar(c: number): boolean {
  return isLower(c) || isDigit(c) || c === 95;
}

/** properties.json `^[a-z][a-z0-9_]{0,245}_bin$` and `_hex$`: run for every property name. */
function nameWithSuffix(suffix: string): (s: string) => boolean {
  return (s) => {
    const n = s.length;
    if (n < 5 || n > 250 || !isLower(s.charCodeAt(0)) || !s.endsWith(suffix)) return false;
    for (let i = 1; i < n - 4; i++) if (!isNameChar(s.charCodeAt(i))) return false;
    return true;
  };
}

/** properties.json `^([a-z][a-z0-9_]{2,249})|id$`: unanchored alternation, a name prefix or a trailing `id`. */
function isPropertyName(s: string): boolean {
  if (s.length >= 3 && isLower(s.charCodeAt(0)) && isNameChar(s.charCodeAt(1)) && isNameChar(s.charCodeAt(2))) return true;
  return s.endsWith('id');
}

/** Schema pattern source → a test with the same answers, for the patterns worth it. */
export const FAST_PATTERNS: ReadonlyMap<string, (s: string) => boolean> = new Map([
  [IDENTIFIER, isIdentifier],
  [TIMESTAMP, isTimestamp],
  [TIMESTAMP_MILLIS, hasMillis],
  ['^[a-z][a-z0-9_]{0,245}_bin$', nameWithSuffix('_bin')],
  ['^[a-z][a-z0-9_]{0,245}_hex$', nameWithSuffix('_hex')],
  ['^([a-z][a-z0-9_]{2,249})|id$', isPropertyName],
]);
