/**
 * The one place validation touches the STIX pattern parser (server/stix/pattern).
 * TEMPORARY: the parser is being written alongside; until its index loads, patterns are
 * not checked and `patternParserAvailable()` says so. Replace with a static import then.
 */
import type { PatternResult } from './pattern/ast';

export interface PatternProblem {
  position: number;
  line: number;
  column: number;
  message: string;
}

type Parse = (text: string) => PatternResult;
let parse: Parse | null | undefined;

function parser(): Parse | null {
  if (parse === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      parse = (require('./pattern') as { parsePattern: Parse }).parsePattern;
    } catch {
      parse = null;
    }
  }
  return parse;
}

export function patternParserAvailable(): boolean {
  return parser() !== null;
}

/** The first syntax or naming problem in a STIX pattern, or undefined when it parses. */
export function checkPattern(text: string): PatternProblem | undefined {
  const p = parser();
  if (!p) return undefined;
  const r = p(text);
  return r.ok ? undefined : r.error;
}
