// Shared parser state: the lexer, the first error, and the parenthesis budget.

import type { PatternError } from './ast';
import { Lexer, T as TOKENS, describeToken } from './lexer';

// A local copy for the token loop: imported bindings are getters under tsx, and a load through
// the module's exports object when compiled (without it: 5-15% slower compiled, 25-50% under tsx; issue 9).
const T = { ...TOKENS };

/** Nesting limit for '(' (observation and comparison level together). */
export const MAX_NESTING = 256;

export class ParserState {
  readonly lx: Lexer;
  readonly strict: boolean;
  depth = 0;
  errorAt = -1;
  errorMessage = '';
  /** First semantic error; parsing goes on so that a later syntax error is reported instead. */
  rejectAt = -1;
  rejectMessage = '';

  constructor(text: string, strict: boolean) {
    this.lx = new Lexer(text);
    this.strict = strict;
  }

  /** Records the first error; always returns null so callers can `return st.fail(...)`. */
  fail(position: number, message: string): null {
    if (this.errorAt < 0) {
      this.errorAt = position;
      this.errorMessage = message;
    }
    return null;
  }

  /** Records a semantic error (valid grammar, invalid meaning) without stopping the parse. */
  reject(position: number, message: string): void {
    if (this.rejectAt < 0) {
      this.rejectAt = position;
      this.rejectMessage = message;
    }
  }

  get failed(): boolean {
    return this.errorAt >= 0 || this.rejectAt >= 0;
  }

  /** Moves to the next token; false (with the lexer's error recorded) on a lexical error. */
  advance(): boolean {
    if (this.lx.next() === T.ERROR) {
      this.fail(this.lx.errorAt, this.lx.error);
      return false;
    }
    return true;
  }

  /** Fails at the current token with "expected <what>, found <token>". */
  expected(what: string): null {
    return this.fail(this.lx.start, `expected ${what}, found ${describeToken(this.lx)}`);
  }

  /** "column N" (or "line L column N") of a position, for messages that point elsewhere. */
  where(position: number): string {
    const { line, column } = lineColumn(this.lx.src, position);
    return line === 1 ? `column ${column}` : `line ${line} column ${column}`;
  }

  openParen(): boolean {
    if (this.depth >= MAX_NESTING) {
      this.fail(this.lx.start, `parentheses nested deeper than ${MAX_NESTING} levels`);
      return false;
    }
    this.depth++;
    return true;
  }

  /** The syntax error if there is one (as the OASIS validator does), else the semantic one. */
  toError(): PatternError {
    const syntax = this.errorAt >= 0;
    const position = syntax ? this.errorAt : this.rejectAt;
    const { line, column } = lineColumn(this.lx.src, position);
    return { position, line, column, message: syntax ? this.errorMessage : this.rejectMessage };
  }
}

/** 1-based line and column of a 0-based offset; \r\n, \r and \n end a line. */
export function lineColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: position - lineStart + 1 };
}
