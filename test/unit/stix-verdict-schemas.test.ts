import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileSchemas } from '../../server/stix/schemas';
import { verdictSchema } from '../../server/stix/verdict-schemas';

const registry = compileSchemas();
const attack = JSON.parse(
  readFileSync(path.resolve(__dirname, '..', '..', 'reference', 'ics-attack', 'ics-attack-18.1.json'), 'utf8'),
) as { objects: Record<string, unknown>[] };
/** Up to 25 objects of each type in the bundle: every schema, in a few seconds. */
const sample = (() => {
  const perType = new Map<unknown, number>();
  return attack.objects.filter((o) => {
    const n = perType.get(o.type) ?? 0;
    perType.set(o.type, n + 1);
    return n < 25;
  });
})();

/** Values that sit on the edges of the rewritten `anyOf`s: null, empty and non-empty lists, numbers. */
const ODD_VALUES: unknown[] = [null, [], [1], {}, { a: 1 }, 0, 1.5, -3, true, '', 'x'];

function* variants(obj: Record<string, unknown>): Generator<unknown> {
  yield obj;
  for (const key of Object.keys(obj)) {
    for (const v of ODD_VALUES) yield { ...obj, [key]: v };
  }
  for (const v of ODD_VALUES) yield { ...obj, x_custom: v, abc_hex: v, abc_bin: v };
  if (obj.external_references) yield { ...obj, external_references: [{ source_name: 'x', hashes: { 'SHA-256': null } }] };
  yield { ...obj, extensions: { 'x-ext': { abc: null } } };
  yield { ...obj, extensions: { 'x-ext': { abc: [] } } };
}

describe('verdict-only schemas', () => {
  it('rewrites a type anyOf into a type list, minItems kept for arrays', () => {
    const out = verdictSchema({
      anyOf: [{ type: 'array', minItems: 1 }, { type: 'string' }, { type: 'integer' }, { type: 'number' }],
    });
    expect(out).toEqual({ type: ['array', 'string', 'number'], minItems: 1 });
  });

  it('leaves any other anyOf alone', () => {
    const s = { anyOf: [{ required: ['a'] }, { required: ['b'] }] };
    expect(verdictSchema(s)).toEqual(s);
    const t = { type: 'object', anyOf: [{ type: 'string' }] };
    expect(verdictSchema(t)).toEqual(t);
  });

  it('gives the verdict of the original schema on ATT&CK objects and their odd variants', () => {
    let checked = 0;
    let refused = 0;
    const disagreements: unknown[] = [];
    for (const obj of sample) {
      const check = registry.forType(String(obj.type)) ?? registry.core;
      for (const v of variants(obj)) {
        const verdict = check.test(v);
        if (verdict !== (check.firstError(v) === undefined)) disagreements.push(v);
        checked++;
        if (!verdict) refused++;
      }
    }
    expect(disagreements).toEqual([]);
    expect(checked).toBeGreaterThan(5_000);
    expect(refused).toBeGreaterThan(500);
  });
});
