/**
 * The one place validation touches the STIX pattern parser (server/stix/pattern), so the
 * parser's result shape stays out of the validation rules.
 */
import { parsePattern } from './pattern';

export interface PatternProblem {
  position: number;
  line: number;
  column: number;
  message: string;
}

/**
 * The first syntax or naming problem in a STIX pattern (STIX 2.1 §9), or undefined when it parses.
 * Non-strict: agrees with the OASIS validator on the pattern corpus (it accepts object types
 * shorter than 3 characters and day numbers past the month's end); see docs/patterns.md.
 */
export function checkPattern(text: string): PatternProblem | undefined {
  const r = parsePattern(text, { strict: false });
  return r.ok ? undefined : r.error;
}
