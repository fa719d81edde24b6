// STIX 2.1 §9 Patterning: the tree a parsed pattern becomes.
// Binary operator chains are n-ary (`operands`), so a 1,000-term OR is one node, not a
// 1,000-deep tree; consumers can walk it without deep recursion.

export type PatternValue =
  | { type: 'string'; value: string }
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'timestamp'; value: string }
  | { type: 'binary'; value: string }
  | { type: 'hex'; value: string }
  | { type: 'set'; value: PatternValue[] };

export type ComparisonOperator =
  | '='
  | '!='
  | '>'
  | '<'
  | '>='
  | '<='
  | 'IN'
  | 'LIKE'
  | 'MATCHES'
  | 'ISSUBSET'
  | 'ISSUPERSET'
  | 'EXISTS';

export interface Comparison {
  objectType: string;
  /** Property path after the object type; numbers are list indexes, '*' is `[*]`. */
  path: (string | number | '*')[];
  op: ComparisonOperator;
  negated: boolean;
  /** null for EXISTS. */
  value: PatternValue | null;
}

/** Half-open character range [start, end) in the pattern text. */
export interface Span {
  start: number;
  end: number;
}

export interface ComparisonNode {
  kind: 'comparison';
  comparison: Comparison;
  span: Span;
}

/** AND / OR between comparisons inside one `[...]`; AND binds tighter than OR. */
export interface ComparisonOperation {
  kind: 'comparison-operation';
  operator: 'AND' | 'OR';
  operands: ComparisonExpression[];
  span: Span;
}

export type ComparisonExpression = ComparisonNode | ComparisonOperation;

export type Qualifier =
  | { kind: 'within'; seconds: number; span: Span }
  | { kind: 'repeats'; times: number; span: Span }
  | { kind: 'startstop'; start: string; stop: string; span: Span };

/** `[ ... ]` with the qualifiers written directly after its `]`, in order. */
export interface Observation {
  kind: 'observation';
  expression: ComparisonExpression;
  qualifiers: Qualifier[];
  span: Span;
}

/** AND / OR / FOLLOWEDBY between observation expressions; AND > OR > FOLLOWEDBY. */
export interface ObservationOperation {
  kind: 'observation-operation';
  operator: 'AND' | 'OR' | 'FOLLOWEDBY';
  operands: ObservationExpression[];
  span: Span;
}

/**
 * `( ... )` followed by at least one qualifier. Parentheses without qualifiers leave no node:
 * they only shape the tree. Kept distinct from Observation because STIX 2.1 allows the same
 * qualifier kind again on an enclosing group: `([a] REPEATS 2 TIMES) REPEATS 2 TIMES`.
 */
export interface Group {
  kind: 'group';
  expression: ObservationExpression;
  qualifiers: Qualifier[];
  span: Span;
}

export type ObservationExpression = Observation | ObservationOperation | Group;

export interface Pattern {
  kind: 'pattern';
  expression: ObservationExpression;
  span: Span;
}

export interface PatternError {
  /** 0-based character offset. */
  position: number;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
}

export type PatternResult = { ok: true; ast: Pattern } | { ok: false; error: PatternError };

export interface ParseOptions {
  /**
   * true (default): STIX 2.1 naming rules for object types and the first property name, and
   * calendar-valid timestamps. false: accept what the OASIS cti-pattern-validator accepts
   * (see docs/patterns.md).
   */
  strict?: boolean;
}
