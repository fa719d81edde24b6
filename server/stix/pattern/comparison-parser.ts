// The inside of `[ ... ]`: comparison expressions, object paths and literals (STIX 2.1 §9.3-9.6).
// AND/OR chains and parentheses use explicit stacks, never recursion.

import type {
  Comparison,
  ComparisonExpression,
  ComparisonNode,
  ComparisonOperator,
  PatternValue,
} from './ast';
import { checkCalendarDate, checkHashValue, checkObjectType, checkPropertyName } from './checks';
import { T as TOKENS } from './lexer';
import { compileMatches } from './regex';
import type { ParserState } from './state';
import { reduceChain, type ChainFrame, type ChainKind } from './chain';

// A local copy for the token loop: imported bindings are getters under tsx, and a load through
// the module's exports object when compiled (without it: 5-15% slower compiled, 25-50% under tsx; issue 9).
const T = { ...TOKENS };

type Frame = ChainFrame<ComparisonExpression>;

function precedence(op: number): number {
  return op === T.AND ? 2 : 1;
}

const CHAIN: ChainKind = { kind: 'comparison-operation', precedence, name: (op) => (op === T.AND ? 'AND' : 'OR') };

function reduce(f: Frame, minPrecedence: number): void {
  reduceChain(f, minPrecedence, CHAIN);
}

/**
 * Parses from the token after '[' up to and including the closing ']'.
 * `open` is the offset of the '[' (for messages).
 */
export function parseComparisonExpression(st: ParserState, open: number): ComparisonExpression | null {
  const lx = st.lx;
  const frames: Frame[] = [{ open, operands: [], fresh: [], ops: [] }];
  for (;;) {
    // An operand: '(' or a comparison.
    if (lx.kind() === T.LPAREN) {
      if (!st.openParen()) return null;
      frames.push({ open: lx.start, operands: [], fresh: [], ops: [] });
      if (!st.advance()) return null;
      continue;
    }
    const cmp = parseComparison(st);
    if (cmp === null) return null;
    let operand: ComparisonExpression = cmp;
    for (;;) {
      const f = frames[frames.length - 1];
      f.operands.push(operand);
      f.fresh.push(false);
      const k = lx.kind();
      if (k === T.AND || k === T.OR) {
        reduce(f, precedence(k));
        f.ops.push(k);
        if (!st.advance()) return null;
        break;
      }
      if (k === T.RPAREN && frames.length > 1) {
        reduce(f, 0);
        frames.pop();
        st.depth--;
        operand = f.operands[0];
        if (!st.advance()) return null;
        continue;
      }
      if (k === T.RBRACK && frames.length === 1) {
        reduce(f, 0);
        if (!st.advance()) return null;
        return f.operands[0];
      }
      if (frames.length > 1 && (k === T.RBRACK || k === T.EOF)) {
        return st.fail(lx.start, `expected ')' to close the '(' opened at ${st.where(f.open)}`);
      }
      if (k === T.EOF) {
        return st.fail(lx.start, `expected ']' to close the observation expression opened at ${st.where(open)}`);
      }
      if (k === T.RPAREN) {
        return st.fail(lx.start, `unexpected ')': no '(' is open inside the observation expression opened at ${st.where(open)}`);
      }
      return st.expected(frames.length > 1 ? "AND, OR or ')'" : "AND, OR or ']'");
    }
  }
}

const OPERATORS: Record<number, ComparisonOperator> = {
  [T.EQ]: '=',
  [T.NEQ]: '!=',
  [T.GT]: '>',
  [T.LT]: '<',
  [T.GE]: '>=',
  [T.LE]: '<=',
  [T.IN]: 'IN',
  [T.LIKE]: 'LIKE',
  [T.MATCHES]: 'MATCHES',
  [T.ISSUBSET]: 'ISSUBSET',
  [T.ISSUPERSET]: 'ISSUPERSET',
};

function parseComparison(st: ParserState): ComparisonNode | null {
  const lx = st.lx;
  const start = lx.start;
  if (lx.kind() === T.NOT || lx.kind() === T.EXISTS) {
    const negated = lx.kind() === T.NOT;
    if (negated) {
      if (!st.advance()) return null;
      if (lx.kind() !== T.EXISTS) {
        return st.expected("EXISTS after NOT (to negate a comparison, put NOT before its operator: file:name NOT = 'x')");
      }
    }
    if (!st.advance()) return null;
    const target = parsePath(st);
    if (target === null) return null;
    const comparison: Comparison = { objectType: target.objectType, path: target.path, op: 'EXISTS', negated, value: null };
    return { kind: 'comparison', comparison, span: { start, end: target.end } };
  }
  const target = parsePath(st);
  if (target === null) return null;
  let negated = false;
  if (lx.kind() === T.NOT) {
    negated = true;
    if (!st.advance()) return null;
  }
  const op = OPERATORS[lx.kind()];
  if (op === undefined) {
    return st.expected('a comparison operator (=, !=, <, >, <=, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)');
  }
  const opText = lx.src.slice(lx.start, lx.end);
  if (!st.advance()) return null;
  const valueAt = lx.start;
  let value: PatternValue | null;
  if (op === 'IN') {
    value = parseSet(st);
  } else if (op === 'LIKE' || op === 'MATCHES' || op === 'ISSUBSET' || op === 'ISSUPERSET') {
    if (lx.kind() !== T.STRING) return st.expected(`a quoted string after ${op}`);
    value = { type: 'string', value: lx.text };
    if (op === 'MATCHES') {
      const re = compileMatches(lx.text);
      if (typeof re === 'string') st.reject(valueAt, re);
    }
    if (!st.advance()) return null;
  } else {
    value = parseLiteral(st, op === '=' || op === '!=', `a value after '${opText}'`);
  }
  if (value === null) return null;
  const end = lx.lastEnd;
  const path = target.path;
  if (path.length >= 2 && path[path.length - 2] === 'hashes' && typeof path[path.length - 1] === 'string') {
    if (op === '=' || op === '!=' || op === 'IN') {
      const reason = checkHashValue(path[path.length - 1] as string, value);
      if (reason !== null) st.reject(valueAt, reason);
    }
  }
  const comparison: Comparison = { objectType: target.objectType, path, op, negated, value };
  return { kind: 'comparison', comparison, span: { start, end } };
}

interface PathTarget {
  objectType: string;
  path: (string | number | '*')[];
  end: number;
}

function parsePath(st: ParserState): PathTarget | null {
  const lx = st.lx;
  if (lx.kind() !== T.IDENT && lx.kind() !== T.IDENT_HYPHEN) {
    return st.expected("an object path such as file:name, EXISTS, or '('");
  }
  const objectType = lx.text;
  if (st.strict) {
    const reason = checkObjectType(objectType);
    if (reason !== null) st.reject(lx.start, reason);
  }
  if (!st.advance()) return null;
  if (lx.kind() !== T.COLON) return st.expected(`':' after the object type '${objectType}'`);
  if (!st.advance()) return null;
  if (lx.kind() !== T.IDENT && lx.kind() !== T.STRING) {
    if (lx.kind() === T.IDENT_HYPHEN) return st.fail(lx.start, `property name '${lx.text}' contains '-': quote it as '${lx.text}'`);
    return st.expected(`a property name after '${objectType}:'`);
  }
  if (st.strict) {
    const reason = checkPropertyName(lx.text);
    if (reason !== null) st.reject(lx.start, reason);
  }
  const path: (string | number | '*')[] = [lx.text];
  let end = lx.end;
  if (!st.advance()) return null;
  for (;;) {
    if (lx.kind() === T.DOT) {
      if (!st.advance()) return null;
      if (lx.kind() === T.IDENT || lx.kind() === T.STRING) path.push(lx.text);
      else if (lx.kind() === T.IDENT_HYPHEN) return st.fail(lx.start, `path component '${lx.text}' contains '-': quote it as '${lx.text}'`);
      else return st.expected("a property name or quoted key after '.'");
    } else if (lx.kind() === T.LBRACK) {
      if (!st.advance()) return null;
      if (lx.kind() === T.ASTERISK) path.push('*');
      else if (lx.kind() === T.INT_POS || lx.kind() === T.INT_NEG) path.push(lx.num);
      else return st.expected("a list index (an integer or '*') after '['");
      if (!st.advance()) return null;
      if (lx.kind() !== T.RBRACK) return st.expected("']' to close the list index");
    } else {
      return { objectType, path, end };
    }
    end = lx.end;
    if (!st.advance()) return null;
  }
}

function parseLiteral(st: ParserState, allowBool: boolean, what: string): PatternValue | null {
  const lx = st.lx;
  let v: PatternValue;
  switch (lx.kind()) {
    case T.STRING: v = { type: 'string', value: lx.text }; break;
    case T.INT_POS:
    case T.INT_NEG:
      if (!Number.isSafeInteger(lx.num)) st.reject(lx.start, `integer ${lx.src.slice(lx.start, lx.end)} is outside the exactly representable range (±2^53-1)`);
      v = { type: 'int', value: lx.num };
      break;
    case T.FLOAT_POS:
    case T.FLOAT_NEG: v = { type: 'float', value: lx.num }; break;
    case T.TIMESTAMP:
      if (st.strict) {
        const reason = checkCalendarDate(lx.text);
        if (reason !== null) st.reject(lx.start, reason);
      }
      v = { type: 'timestamp', value: lx.text };
      break;
    case T.BINARY: v = { type: 'binary', value: lx.text }; break;
    case T.HEX: v = { type: 'hex', value: lx.text }; break;
    case T.BOOL:
      if (!allowBool) return st.expected('an orderable value (booleans only take = or !=)');
      v = { type: 'bool', value: lx.text === 'true' };
      break;
    case T.IDENT:
    case T.IDENT_HYPHEN:
      return st.fail(lx.start, `expected ${what}, found bare word '${lx.text}': quote strings, e.g. '${lx.text}'`);
    default:
      return st.expected(what);
  }
  if (!st.advance()) return null;
  return v;
}

function parseSet(st: ParserState): PatternValue | null {
  const lx = st.lx;
  if (lx.kind() !== T.LPAREN) return st.expected("a set literal after IN, e.g. ('a', 'b')");
  const open = lx.start;
  if (!st.advance()) return null;
  const items: PatternValue[] = [];
  if (lx.kind() === T.RPAREN) {
    if (!st.advance()) return null;
    return { type: 'set', value: items };
  }
  for (;;) {
    const v = parseLiteral(st, true, 'a value in the set');
    if (v === null) return null;
    items.push(v);
    if (lx.kind() === T.COMMA) {
      if (!st.advance()) return null;
      continue;
    }
    if (lx.kind() === T.RPAREN) break;
    return st.expected(`',' or ')' to close the set opened at ${st.where(open)}`);
  }
  if (!st.advance()) return null;
  return { type: 'set', value: items };
}
