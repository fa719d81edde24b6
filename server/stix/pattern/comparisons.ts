// Flat list of the comparisons in a pattern, in source order. Walks with an explicit stack.

import type { Comparison, ComparisonExpression, ObservationExpression, Pattern } from './ast';

/**
 * Every comparison of the pattern, left to right. The objects are the AST's own (not copies):
 * treat them as read-only.
 */
export function extractComparisons(ast: Pattern): Comparison[] {
  const out: Comparison[] = [];
  const stack: (ObservationExpression | ComparisonExpression)[] = [ast.expression];
  while (stack.length > 0) {
    const node = stack.pop() as ObservationExpression | ComparisonExpression;
    switch (node.kind) {
      case 'comparison':
        out.push(node.comparison);
        break;
      case 'observation':
      case 'group':
        stack.push(node.expression);
        break;
      case 'observation-operation':
      case 'comparison-operation':
        for (let i = node.operands.length - 1; i >= 0; i--) stack.push(node.operands[i]);
        break;
    }
  }
  return out;
}
