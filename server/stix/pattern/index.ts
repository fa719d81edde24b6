// STIX 2.1 §9 Patterning: parser, checks, comparison extraction and a single-comparison matcher.

export type {
  Comparison,
  ComparisonExpression,
  ComparisonNode,
  ComparisonOperation,
  ComparisonOperator,
  Group,
  Observation,
  ObservationExpression,
  ObservationOperation,
  ParseOptions,
  Pattern,
  PatternError,
  PatternResult,
  PatternValue,
  Qualifier,
  Span,
} from './ast';
export { parsePattern } from './parser';
export { extractComparisons } from './comparisons';
export { matchesObservation } from './evaluate';
export { MAX_NESTING } from './state';
