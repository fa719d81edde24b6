// STIX 2.1 §9: observation expressions, operators and qualifiers. Precedence climbing over an
// explicit stack (AND > OR > FOLLOWEDBY, all left-associative); a '(' pushes a frame instead of
// recursing, so input size never turns into call-stack depth.

import type {
  Group,
  ObservationExpression,
  ParseOptions,
  Pattern,
  PatternResult,
  Qualifier,
} from './ast';
import { checkCalendarDate, compareTimestamps } from './checks';
import { parseComparisonExpression } from './comparison-parser';
import { T as TOKENS } from './lexer';
import { ParserState } from './state';
import { reduceChain, type ChainFrame, type ChainKind } from './chain';

// A local copy for the token loop: imported bindings are getters under tsx, and a load through
// the module's exports object when compiled (without it: 5-15% slower compiled, 25-50% under tsx; issue 9).
const T = { ...TOKENS };

type Frame = ChainFrame<ObservationExpression>;

function precedence(op: number): number {
  return op === T.AND ? 3 : op === T.OR ? 2 : 1;
}

const OPERATOR_NAMES = { [T.AND]: 'AND', [T.OR]: 'OR', [T.FOLLOWEDBY]: 'FOLLOWEDBY' } as const;

const CHAIN: ChainKind = {
  kind: 'observation-operation',
  precedence,
  name: (op) => OPERATOR_NAMES[op as keyof typeof OPERATOR_NAMES],
};

function reduce(f: Frame, minPrecedence: number): void {
  reduceChain(f, minPrecedence, CHAIN);
}

const QUALIFIER_NAMES = { within: 'WITHIN', repeats: 'REPEATS', startstop: 'START/STOP' } as const;

/**
 * Parses the qualifiers after a ']' or ')'. `direct` is true after ']': STIX 2.1 (and the OASIS
 * validator) reject two qualifiers of one kind applied directly to the same `[...]`, while a
 * parenthesised group may be qualified again.
 */
function parseQualifiers(st: ParserState, direct: boolean): Qualifier[] | null {
  const lx = st.lx;
  const out: Qualifier[] = [];
  for (;;) {
    const start = lx.start;
    let q: Qualifier;
    if (lx.kind() === T.WITHIN) {
      if (!st.advance()) return null;
      if (lx.kind() !== T.INT_POS && lx.kind() !== T.FLOAT_POS) return st.expected('a positive number of seconds after WITHIN');
      if (!(lx.num > 0)) st.reject(lx.start, 'WITHIN needs a positive number of seconds, not 0');
      const seconds = lx.num;
      if (!st.advance()) return null;
      if (lx.kind() !== T.SECONDS) return st.expected(`SECONDS after WITHIN ${seconds}`);
      q = { kind: 'within', seconds, span: { start, end: lx.end } };
    } else if (lx.kind() === T.REPEATS) {
      if (!st.advance()) return null;
      if (lx.kind() !== T.INT_POS) return st.expected('a positive integer after REPEATS');
      if (!(lx.num > 0) || !Number.isSafeInteger(lx.num)) st.reject(lx.start, 'REPEATS needs a positive integer count');
      const times = lx.num;
      if (!st.advance()) return null;
      if (lx.kind() !== T.TIMES) return st.expected(`TIMES after REPEATS ${times}`);
      q = { kind: 'repeats', times, span: { start, end: lx.end } };
    } else if (lx.kind() === T.START) {
      if (!st.advance()) return null;
      const startTs = timestamp(st, 'START');
      if (startTs === null) return null;
      const startAt = lx.start;
      if (!st.advance()) return null;
      if (lx.kind() !== T.STOP) return st.expected("STOP t'...' after the START timestamp");
      if (!st.advance()) return null;
      const stopTs = timestamp(st, 'STOP');
      if (stopTs === null) return null;
      if (compareTimestamps(startTs, stopTs) >= 0) {
        st.reject(startAt, `START ${startTs} must be earlier than STOP ${stopTs}`);
      }
      q = { kind: 'startstop', start: startTs, stop: stopTs, span: { start, end: lx.end } };
    } else {
      return out;
    }
    if (direct) {
      for (const prev of out) {
        if (prev.kind === q.kind) {
          st.reject(start, `duplicate ${QUALIFIER_NAMES[q.kind]} qualifier on one observation expression (the first is at ${st.where(prev.span.start)}); to qualify again, wrap it in parentheses`);
        }
      }
    }
    out.push(q);
    if (!st.advance()) return null;
  }
}

function timestamp(st: ParserState, after: string): string | null {
  const lx = st.lx;
  if (lx.kind() !== T.TIMESTAMP) return st.expected(`a timestamp t'YYYY-MM-DDThh:mm:ssZ' after ${after}`);
  if (st.strict) {
    const reason = checkCalendarDate(lx.text);
    if (reason !== null) st.reject(lx.start, reason);
  }
  return lx.text;
}

function parseExpression(st: ParserState): ObservationExpression | null {
  const lx = st.lx;
  const frames: Frame[] = [{ open: -1, operands: [], fresh: [], ops: [] }];
  for (;;) {
    if (lx.kind() === T.LPAREN) {
      if (!st.openParen()) return null;
      frames.push({ open: lx.start, operands: [], fresh: [], ops: [] });
      if (!st.advance()) return null;
      continue;
    }
    if (lx.kind() !== T.LBRACK) {
      if (frames.length === 1 && frames[0].operands.length === 0 && lx.kind() !== T.EOF && lx.kind() !== T.RBRACK) {
        return st.expected("'[' to start an observation expression (a pattern looks like [file:name = 'x'])");
      }
      return st.expected("'[' or '(' to start an observation expression");
    }
    const open = lx.start;
    if (!st.advance()) return null;
    const inner = parseComparisonExpression(st, open);
    if (inner === null) return null;
    const end = lx.lastEnd;
    const quals = parseQualifiers(st, true);
    if (quals === null) return null;
    let operand: ObservationExpression = {
      kind: 'observation',
      expression: inner,
      qualifiers: quals,
      span: { start: open, end: quals.length > 0 ? quals[quals.length - 1].span.end : end },
    };
    for (;;) {
      const f = frames[frames.length - 1];
      f.operands.push(operand);
      f.fresh.push(false);
      const k = lx.kind();
      if (k === T.AND || k === T.OR || k === T.FOLLOWEDBY) {
        reduce(f, precedence(k));
        f.ops.push(k);
        if (!st.advance()) return null;
        break;
      }
      if (k === T.RPAREN && frames.length > 1) {
        reduce(f, 0);
        frames.pop();
        st.depth--;
        if (!st.advance()) return null;
        const groupQuals = parseQualifiers(st, false);
        if (groupQuals === null) return null;
        if (groupQuals.length === 0) {
          operand = f.operands[0];
        } else {
          const group: Group = {
            kind: 'group',
            expression: f.operands[0],
            qualifiers: groupQuals,
            span: { start: f.open, end: groupQuals[groupQuals.length - 1].span.end },
          };
          operand = group;
        }
        continue;
      }
      if (k === T.EOF) {
        if (frames.length > 1) return st.fail(lx.start, `expected ')' to close the '(' opened at ${st.where(f.open)}`);
        reduce(f, 0);
        return f.operands[0];
      }
      if (k === T.RPAREN) return st.fail(lx.start, "unexpected ')': no '(' is open");
      return st.expected(
        frames.length > 1
          ? "AND, OR, FOLLOWEDBY, a qualifier (WITHIN, REPEATS, START) or ')'"
          : 'AND, OR, FOLLOWEDBY, a qualifier (WITHIN, REPEATS, START) or the end of the pattern',
      );
    }
  }
}

/** Parses and checks a STIX 2.1 pattern (STIX 2.1 §9). Never throws on any input string. */
export function parsePattern(text: string, options?: ParseOptions): PatternResult {
  const st = new ParserState(text, options?.strict !== false);
  if (!st.advance()) return { ok: false, error: st.toError() };
  const expression = parseExpression(st);
  if (expression === null || st.failed) return { ok: false, error: st.toError() };
  const ast: Pattern = { kind: 'pattern', expression, span: { start: 0, end: text.length } };
  return { ok: true, ast };
}
