/**
 * Protected assets a STIX pattern names, with its observation operators and qualifiers evaluated
 * (STIX 2.1 §9): a comparison names an asset only if the observation holding it can be true with
 * the asset's value, and that observation can take part in a match of the whole pattern.
 *
 * - Inside one `[...]` every comparison is about the same object: the value that names the asset
 *   is put in a probe object, and the other comparisons are evaluated on it (true, false, or unknown
 *   when they test another property). `[ipv4-addr:value = '192.0.2.1' AND ipv4-addr:value = '10.0.0.1']`
 *   can never be true, so it names nothing; comparisons on two object types joined by AND neither.
 * - `[a] AND [b]` and `[a] FOLLOWEDBY [b]` need both sides: an impossible side makes the whole
 *   expression name nothing; `[a] OR [b]` names what its possible sides name.
 * - Qualifiers: `START t1 STOP t2` with t2 not after t1 can never hold (STOP is exclusive);
 *   WITHIN and REPEATS constrain timing only and do not change what is named.
 * - NOT and != never name an asset (matchComparison).
 */
import type { ComparisonExpression, ComparisonNode, ObservationExpression, Qualifier } from '../stix/pattern/ast';
import { matchesObservation, resolvePath } from '../stix/pattern/evaluate';
import { parsePattern } from '../stix/pattern';
import type { AssetIndex } from './assets';
import { matchComparison } from './assets';
import type { Comparison, PatternValue } from './types';

type Tri = 'true' | 'false' | 'unknown';
type Probe = Record<string, unknown>;

function probeOf(c: Comparison, value: unknown): Probe | null {
  if (c.path.some((p) => typeof p !== 'string' || p === '*')) return null;
  const root: Probe = { type: c.objectType };
  let cur = root;
  const path = c.path as string[];
  for (let i = 0; i < path.length - 1; i++) cur = (cur[path[i]] = {}) as Probe;
  cur[path[path.length - 1]] = value;
  return root;
}

function evaluate(e: ComparisonExpression, probe: Probe, self: ComparisonNode): Tri {
  if (e.kind === 'comparison') {
    if (e === self) return 'true';
    const c = e.comparison;
    if (c.objectType !== probe.type) return 'false'; // one object cannot be of two types
    if (c.op === 'EXISTS' || resolvePath(probe, c.path).length === 0) return 'unknown';
    return matchesObservation(c, probe) ? 'true' : 'false';
  }
  const rs = e.operands.map((o) => evaluate(o, probe, self));
  if (e.operator === 'AND') return rs.includes('false') ? 'false' : rs.every((r) => r === 'true') ? 'true' : 'unknown';
  return rs.includes('true') ? 'true' : rs.every((r) => r === 'false') ? 'false' : 'unknown';
}

function comparisonNodes(e: ComparisonExpression): ComparisonNode[] {
  return e.kind === 'comparison' ? [e] : e.operands.flatMap(comparisonNodes);
}

function scalars(v: PatternValue | null): PatternValue[] {
  return v === null ? [] : v.type === 'set' ? v.value : [v];
}

/** Values the comparison asserts, each a possible value of the object's property. */
function assertedValues(c: Comparison): unknown[] {
  // ISSUBSET/ISSUPERSET assert a range, not a value: a probe holding the range would contradict `=` inside it.
  if (c.negated || (c.op !== '=' && c.op !== 'IN')) return [];
  return scalars(c.value).map((v) => v.value);
}

function possible(e: ComparisonExpression, self: ComparisonNode, values: readonly unknown[]): boolean {
  // Without a concrete value to try (LIKE, MATCHES, a `[*]` path), only another object type rules it out.
  const probes = values.map((v) => probeOf(self.comparison, v)).filter((p): p is Probe => p !== null);
  if (probes.length === 0) return evaluate(e, { type: self.comparison.objectType }, self) !== 'false';
  return probes.some((p) => evaluate(e, p, self) !== 'false');
}

function assetsIn(e: ComparisonExpression, idx: AssetIndex): Set<string> {
  const out = new Set<string>();
  for (const node of comparisonNodes(e)) {
    const c = node.comparison;
    const named = matchComparison(c, idx);
    if (named.length === 0) continue;
    // Try each asserted value that names an asset on its own; LIKE/MATCHES: the expression itself.
    const values = assertedValues(c).filter((v) => matchComparison({ ...c, op: '=', value: typeof v === 'number' ? { type: 'int', value: v } : { type: 'string', value: String(v) } }, idx).length > 0);
    if (possible(e, node, values)) for (const a of named) out.add(a);
  }
  return out;
}

function satisfiable(e: ComparisonExpression): boolean {
  const nodes = comparisonNodes(e).filter((n) => assertedValues(n.comparison).length > 0);
  if (nodes.length === 0) return true; // nothing concrete to contradict
  return nodes.some((n) => possible(e, n, assertedValues(n.comparison)));
}

function qualifiersHold(qs: readonly Qualifier[]): boolean {
  return qs.every((q) => q.kind !== 'startstop' || Date.parse(q.stop) > Date.parse(q.start));
}

function walk(e: ObservationExpression, idx: AssetIndex): { possible: boolean; assets: Set<string> } {
  switch (e.kind) {
    case 'observation': {
      if (!qualifiersHold(e.qualifiers)) return { possible: false, assets: new Set() };
      const assets = assetsIn(e.expression, idx);
      return { possible: assets.size > 0 || satisfiable(e.expression), assets };
    }
    case 'group': {
      if (!qualifiersHold(e.qualifiers)) return { possible: false, assets: new Set() };
      return walk(e.expression, idx);
    }
    case 'observation-operation': {
      const sides = e.operands.map((o) => walk(o, idx));
      const ok = e.operator === 'OR' ? sides.some((s) => s.possible) : sides.every((s) => s.possible);
      const assets = new Set<string>();
      if (ok) for (const s of sides) if (s.possible) for (const a of s.assets) assets.add(a);
      return { possible: ok, assets };
    }
  }
}

/** Protected assets a STIX pattern names; [] when it does not parse. */
export function assetsOfPattern(pattern: string, idx: AssetIndex): string[] {
  const r = parsePattern(pattern);
  if (!r.ok) return [];
  return [...walk(r.ast.expression, idx).assets].sort();
}
