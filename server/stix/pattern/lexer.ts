// Tokens of STIXPattern.g4 (STIX 2.1 §9), scanned over char codes. The lexer keeps only the
// current token in its fields (no token objects) and reports errors through `error`/`errorAt`
// instead of throwing.

export const T = {
  EOF: 0,
  ERROR: 1,
  LBRACK: 2,
  RBRACK: 3,
  LPAREN: 4,
  RPAREN: 5,
  COLON: 6,
  DOT: 7,
  COMMA: 8,
  ASTERISK: 9,
  EQ: 10,
  NEQ: 11,
  LT: 12,
  LE: 13,
  GT: 14,
  GE: 15,
  IDENT: 16,
  IDENT_HYPHEN: 17,
  INT_POS: 18,
  INT_NEG: 19,
  FLOAT_POS: 20,
  FLOAT_NEG: 21,
  STRING: 22,
  BINARY: 23,
  HEX: 24,
  TIMESTAMP: 25,
  BOOL: 26,
  OTHER: 27,
  AND: 30,
  OR: 31,
  NOT: 32,
  FOLLOWEDBY: 33,
  LIKE: 34,
  MATCHES: 35,
  ISSUPERSET: 36,
  ISSUBSET: 37,
  EXISTS: 38,
  LAST: 39,
  IN: 40,
  START: 41,
  STOP: 42,
  SECONDS: 43,
  WITHIN: 44,
  REPEATS: 45,
  TIMES: 46,
} as const;

const KEYWORDS = new Map<string, number>([
  ['AND', T.AND],
  ['OR', T.OR],
  ['NOT', T.NOT],
  ['FOLLOWEDBY', T.FOLLOWEDBY],
  ['LIKE', T.LIKE],
  ['MATCHES', T.MATCHES],
  ['ISSUPERSET', T.ISSUPERSET],
  ['ISSUBSET', T.ISSUBSET],
  ['EXISTS', T.EXISTS],
  ['LAST', T.LAST],
  ['IN', T.IN],
  ['START', T.START],
  ['STOP', T.STOP],
  ['SECONDS', T.SECONDS],
  ['WITHIN', T.WITHIN],
  ['REPEATS', T.REPEATS],
  ['TIMES', T.TIMES],
  ['true', T.BOOL],
  ['false', T.BOOL],
]);

const QUOTE = 39;
const BACKSLASH = 92;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
function isBase64Char(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 43 || c === 47;
}
function isWhitespace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 0x85) return false;
  return (
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** Returns the index after the closing quote of a grammatical t'...' literal, or -1. */
function scanTimestamp(s: string, i: number): number {
  // t'YYYY-MM-DDTHH:MM:SS(.f+)?Z'  — i points at the opening quote.
  const d = (k: number): boolean => isDigit(s.charCodeAt(i + k));
  const c = (k: number): number => s.charCodeAt(i + k);
  if (!(d(1) && d(2) && d(3) && d(4) && c(5) === 45)) return -1;
  const m1 = c(6), m2 = c(7);
  if (!((m1 === 48 && m2 >= 49 && m2 <= 57) || (m1 === 49 && m2 >= 48 && m2 <= 50))) return -1;
  if (c(8) !== 45) return -1;
  const d1 = c(9), d2 = c(10);
  if (!((d1 === 48 && d2 >= 49 && d2 <= 57) || ((d1 === 49 || d1 === 50) && d(10)) ||
    (d1 === 51 && (d2 === 48 || d2 === 49)))) return -1;
  if (c(11) !== 84) return -1;
  const h1 = c(12), h2 = c(13);
  if (!(((h1 === 48 || h1 === 49) && d(13)) || (h1 === 50 && h2 >= 48 && h2 <= 51))) return -1;
  if (c(14) !== 58 || !(c(15) >= 48 && c(15) <= 53 && d(16)) || c(17) !== 58) return -1;
  const s1 = c(18), s2 = c(19);
  if (!((s1 >= 48 && s1 <= 53 && d(19)) || (s1 === 54 && s2 === 48))) return -1;
  let k = i + 20;
  if (s.charCodeAt(k) === 46) {
    k++;
    const f = k;
    while (isDigit(s.charCodeAt(k))) k++;
    if (k === f) return -1;
  }
  if (s.charCodeAt(k) !== 90 || s.charCodeAt(k + 1) !== QUOTE) return -1;
  return k + 2;
}

function scanBinary(s: string, i: number): number {
  // b'...' base64 with padding, at least one quantum.  i points at the opening quote.
  let k = i + 1;
  let n = 0;
  while (isBase64Char(s.charCodeAt(k))) {
    k++;
    n++;
  }
  let pad = 0;
  while (s.charCodeAt(k) === 61 && pad < 2) {
    k++;
    pad++;
  }
  if (s.charCodeAt(k) !== QUOTE || n === 0 || (n + pad) % 4 !== 0) return -1;
  if (pad > 0 && n % 4 !== 4 - pad) return -1;
  return k + 1;
}

function scanHex(s: string, i: number): number {
  let k = i + 1;
  while (isHexDigit(s.charCodeAt(k))) k++;
  if (s.charCodeAt(k) !== QUOTE || (k - i - 1) % 2 !== 0) return -1;
  return k + 1;
}

export class Lexer {
  readonly src: string;
  pos = 0;
  /** Current token kind (a method, so TypeScript does not narrow it across advance()). */
  kind(): number {
    return this.tokKind;
  }
  private tokKind: number = T.EOF;
  start = 0;
  end = 0;
  /** End offset of the token before the current one. */
  lastEnd = 0;
  /** Decoded text of STRING, IDENT*, literal bodies and keywords. */
  text = '';
  num = 0;
  error = '';
  errorAt = 0;

  constructor(src: string) {
    this.src = src;
  }

  private fail(at: number, message: string): number {
    this.error = message;
    this.errorAt = at;
    this.tokKind = T.ERROR;
    return T.ERROR;
  }

  private tok(kind: number, start: number, end: number): number {
    this.lastEnd = this.end;
    this.tokKind = kind;
    this.start = start;
    this.end = end;
    this.pos = end;
    return kind;
  }

  /** Skips whitespace and comments; false (with error set) on an unterminated block comment. */
  private skipTrivia(): boolean {
    const s = this.src;
    const n = s.length;
    let i = this.pos;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (isWhitespace(c)) {
        i++;
      } else if (c === 47 && s.charCodeAt(i + 1) === 42) {
        const close = s.indexOf('*/', i + 2);
        if (close < 0) {
          this.fail(i, "unterminated comment: '/*' has no closing '*/'");
          return false;
        }
        i = close + 2;
      } else if (c === 47 && s.charCodeAt(i + 1) === 47) {
        i += 2;
        while (i < n && s.charCodeAt(i) !== 10 && s.charCodeAt(i) !== 13) i++;
      } else {
        break;
      }
    }
    this.pos = i;
    return true;
  }

  next(): number {
    if (!this.skipTrivia()) return T.ERROR;
    const s = this.src;
    const i = this.pos;
    if (i >= s.length) return this.tok(T.EOF, i, i);
    const c = s.charCodeAt(i);
    const c1 = s.charCodeAt(i + 1);
    switch (c) {
      case 91: return this.tok(T.LBRACK, i, i + 1);
      case 93: return this.tok(T.RBRACK, i, i + 1);
      case 40: return this.tok(T.LPAREN, i, i + 1);
      case 41: return this.tok(T.RPAREN, i, i + 1);
      case 58: return this.tok(T.COLON, i, i + 1);
      case 44: return this.tok(T.COMMA, i, i + 1);
      case 42: return this.tok(T.ASTERISK, i, i + 1);
      case 61: return this.tok(T.EQ, i, c1 === 61 ? i + 2 : i + 1);
      case 33:
        if (c1 === 61) return this.tok(T.NEQ, i, i + 2);
        return this.fail(i, "unexpected character '!': did you mean '!='?");
      case 60:
        if (c1 === 61) return this.tok(T.LE, i, i + 2);
        if (c1 === 62) return this.tok(T.NEQ, i, i + 2);
        return this.tok(T.LT, i, i + 1);
      case 62: return this.tok(c1 === 61 ? T.GE : T.GT, i, c1 === 61 ? i + 2 : i + 1);
      case QUOTE: return this.scanString(i);
      case 46:
        if (isDigit(c1)) return this.scanNumber(i, i);
        return this.tok(T.DOT, i, i + 1);
      case 43:
      case 45:
        if (isDigit(c1) || (c1 === 46 && isDigit(s.charCodeAt(i + 2)))) return this.scanNumber(i, i + 1);
        this.text = s[i];
        return this.tok(T.OTHER, i, i + 1);
      case 47:
      case 94:
        this.text = s[i];
        return this.tok(T.OTHER, i, i + 1);
    }
    if (isDigit(c)) return this.scanNumber(i, i);
    if (isIdentStart(c)) {
      if (c1 === QUOTE) {
        if (c === 116) return this.scanQuoted(i, T.TIMESTAMP, scanTimestamp(s, i + 1), 'timestamp', "t'YYYY-MM-DDThh:mm:ss[.fraction]Z'");
        if (c === 98) return this.scanQuoted(i, T.BINARY, scanBinary(s, i + 1), 'binary', "b'<base64>' with correct '=' padding");
        if (c === 104) return this.scanQuoted(i, T.HEX, scanHex(s, i + 1), 'hex', "h'<pairs of hex digits>'");
      }
      let k = i + 1;
      let hyphen = false;
      for (;;) {
        const d = s.charCodeAt(k);
        if (isIdentPart(d)) k++;
        else if (d === 45) {
          hyphen = true;
          k++;
        } else break;
      }
      const text = s.slice(i, k);
      this.text = text;
      if (!hyphen) {
        const kw = KEYWORDS.get(text);
        if (kw !== undefined) return this.tok(kw, i, k);
      }
      return this.tok(hyphen ? T.IDENT_HYPHEN : T.IDENT, i, k);
    }
    const shown = String.fromCodePoint(s.codePointAt(i) ?? c);
    return this.fail(i, `unexpected character '${shown}'`);
  }

  private scanQuoted(i: number, kind: number, end: number, what: string, form: string): number {
    if (end < 0) return this.fail(i, `invalid ${what} literal: expected ${form}`);
    this.text = this.src.slice(i + 2, end - 1);
    return this.tok(kind, i, end);
  }

  private scanString(i: number): number {
    const s = this.src;
    const n = s.length;
    let k = i + 1;
    let from = k;
    let out = '';
    for (;;) {
      if (k >= n) return this.fail(i, 'unterminated string literal: missing closing quote');
      const c = s.charCodeAt(k);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        const e = s.charCodeAt(k + 1);
        if (e !== QUOTE && e !== BACKSLASH) {
          return this.fail(k, "invalid escape in string literal: only \\' and \\\\ are allowed (write a regex backslash as \\\\)");
        }
        out += s.slice(from, k) + s[k + 1];
        k += 2;
        from = k;
      } else {
        k++;
      }
    }
    this.text = from === i + 1 ? s.slice(from, k) : out + s.slice(from, k);
    return this.tok(T.STRING, i, k + 1);
  }

  private scanNumber(i: number, digitsFrom: number): number {
    const s = this.src;
    let k = digitsFrom;
    while (isDigit(s.charCodeAt(k))) k++;
    const neg = s.charCodeAt(i) === 45;
    if (s.charCodeAt(k) === 46 && isDigit(s.charCodeAt(k + 1))) {
      k++;
      while (isDigit(s.charCodeAt(k))) k++;
      this.num = Number(s.slice(i, k));
      return this.tok(neg ? T.FLOAT_NEG : T.FLOAT_POS, i, k);
    }
    if (s.charCodeAt(digitsFrom) === 48 && k - digitsFrom > 1) {
      return this.fail(i, `invalid integer literal '${s.slice(i, k)}': leading zeros are not allowed`);
    }
    this.num = Number(s.slice(i, k));
    return this.tok(neg ? T.INT_NEG : T.INT_POS, i, k);
  }
}

/** Human description of the current token for "expected X, found Y" messages. */
export function describeToken(lx: Lexer): string {
  if (lx.kind() === T.EOF) return 'end of pattern';
  const raw = lx.src.slice(lx.start, Math.min(lx.end, lx.start + 40));
  return `'${raw}${lx.end - lx.start > 40 ? '...' : ''}'`;
}
