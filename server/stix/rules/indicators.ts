/** Indicators (STIX 2.1 §4.7): a `stix` pattern must parse (§9). */
import { error } from '../findings';
import { checkPattern } from '../patterns';
import type { Rule } from './types';

export const indicatorRules: Rule = (obj, type, report) => {
  if (type !== 'indicator' || obj.pattern_type !== 'stix' || typeof obj.pattern !== 'string') return;
  const problem = checkPattern(obj.pattern);
  if (problem) {
    error(
      report,
      '/pattern',
      'pattern-syntax',
      `the STIX pattern is invalid at line ${problem.line}, column ${problem.column} (offset ${problem.position}): ${problem.message}`,
    );
  }
};
