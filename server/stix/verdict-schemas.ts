/**
 * Verdict-only rewrites of the OASIS schemas. Ajv builds an error object (with its JSON
 * pointer) for every failed branch of an `anyOf`, even when a later branch succeeds; the
 * `anyOf` over value types in properties.json and dictionary.json runs for every property
 * of every object, so most of validation time went into errors nobody reads.
 *
 * The rewritten schemas accept exactly the same instances. They only answer yes or no: an
 * object they refuse is validated again with the original schemas, whose first error
 * becomes the finding, so findings do not change either.
 */
type Json = Record<string, unknown>;

const SIMPLE_TYPES = new Set(['array', 'string', 'integer', 'boolean', 'number', 'object', 'null']);

/**
 * `anyOf: [{type: 'array', minItems: n}, {type: 'string'}, …]` is the same as
 * `type: ['array', 'string', …], minItems: n`, because `minItems` applies to arrays only.
 * Returns undefined when the anyOf is not of that form.
 */
function typeUnion(anyOf: unknown): Json | undefined {
  if (!Array.isArray(anyOf) || anyOf.length === 0) return undefined;
  const types = new Set<string>();
  let minItems: number | undefined;
  for (const branch of anyOf) {
    if (!branch || typeof branch !== 'object' || Array.isArray(branch)) return undefined;
    const { type, minItems: min, ...rest } = branch as Json;
    if (typeof type !== 'string' || !SIMPLE_TYPES.has(type) || types.has(type)) return undefined;
    // Only annotations may remain beside `type`.
    for (const k of Object.keys(rest)) if (k !== 'description' && k !== 'title') return undefined;
    if (min !== undefined) {
      if (type !== 'array' || typeof min !== 'number') return undefined;
      minItems = min;
    }
    types.add(type);
  }
  // Every integer is a number.
  if (types.has('number')) types.delete('integer');
  const out: Json = { type: [...types] };
  if (minItems !== undefined) out.minItems = minItems;
  return out;
}

/** A deep copy of `schema` with every rewritable `anyOf` replaced by its type union. */
export function verdictSchema(schema: Json): Json {
  const copy = structuredClone(schema);
  const stack: unknown[] = [copy];
  while (stack.length) {
    const n = stack.pop();
    if (Array.isArray(n)) {
      stack.push(...n);
      continue;
    }
    if (!n || typeof n !== 'object') continue;
    const node = n as Json;
    if ('anyOf' in node && !('type' in node) && !('minItems' in node)) {
      const union = typeUnion(node.anyOf);
      if (union) {
        delete node.anyOf;
        Object.assign(node, union);
      }
    }
    for (const [k, v] of Object.entries(node)) {
      // `enum`/`const` values are data, not schemas.
      if (k !== 'enum' && k !== 'const') stack.push(v);
    }
  }
  return copy;
}
