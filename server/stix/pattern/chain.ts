// Binary operator chains of one parenthesis level, on explicit stacks (precedence climbing):
// shared by observation expressions (AND/OR/FOLLOWEDBY) and comparison expressions (AND/OR).
// A chain of one operator stays one n-ary node, so a 1,000-term OR is not 1,000 levels deep.

import type { Span } from './ast';

export interface ChainFrame<E> {
  /** Offset of the '(' (or '[') this frame belongs to, for messages. */
  open: number;
  operands: E[];
  /** true when the operand is an operation built in this frame, so it may absorb more operands. */
  fresh: boolean[];
  ops: number[];
}

interface Operation<E> {
  kind: string;
  operator: string;
  operands: E[];
  span: Span;
}

export interface ChainKind {
  /** The node kind of an operation of this chain ('observation-operation', 'comparison-operation'). */
  kind: string;
  precedence(op: number): number;
  name(op: number): string;
}

function combine<E extends { kind: string; span: Span }>(f: ChainFrame<E>, op: number, k: ChainKind): void {
  const b = f.operands.pop() as E;
  f.fresh.pop();
  const a = f.operands[f.operands.length - 1] as E;
  const operator = k.name(op);
  const last = a as unknown as Operation<E>;
  if (f.fresh[f.fresh.length - 1] && a.kind === k.kind && last.operator === operator) {
    last.operands.push(b);
    last.span.end = b.span.end;
    return;
  }
  const node: Operation<E> = { kind: k.kind, operator, operands: [a, b], span: { start: a.span.start, end: b.span.end } };
  f.operands[f.operands.length - 1] = node as unknown as E;
  f.fresh[f.fresh.length - 1] = true;
}

/** Applies the pending operators of at least `minPrecedence`. */
export function reduceChain<E extends { kind: string; span: Span }>(f: ChainFrame<E>, minPrecedence: number, k: ChainKind): void {
  while (f.ops.length > 0 && k.precedence(f.ops[f.ops.length - 1]!) >= minPrecedence) {
    combine(f, f.ops.pop() as number, k);
  }
}
