/**
 * Size limits applied before any validation, so that no body can make validation slow or
 * exhaust the stack. Iterative on purpose: a body nested 10,000 levels deep is refused
 * with a clear error instead of a RangeError.
 */
import { BadRequest } from '../errors';

export interface ValidationLimits {
  maxDepth: number;
  maxObjects: number;
  maxStringLength: number;
  maxProperties: number;
}

export const DEFAULT_LIMITS: Readonly<ValidationLimits> = Object.freeze({
  maxDepth: 64,
  maxObjects: 10_000,
  maxStringLength: 1_048_576,
  maxProperties: 10_000,
});

export const LIMIT_SETTINGS: Readonly<Record<keyof ValidationLimits, string>> = Object.freeze({
  maxDepth: 'PUENTE_MAX_DEPTH',
  maxObjects: 'PUENTE_MAX_OBJECTS',
  maxStringLength: 'PUENTE_MAX_STRING_LENGTH',
  maxProperties: 'PUENTE_MAX_PROPERTIES',
});

/**
 * The walk's stack as three parallel arrays (no object per frame): the container, its keys
 * (undefined for an array) and the index of the next member to visit.
 */
interface Walk {
  values: object[];
  keys: (string[] | undefined)[];
  next: number[];
}

function pathOf(w: Walk, upTo: number): string {
  let out = '';
  for (let i = 0; i < upTo; i++) {
    const keys = w.keys[i];
    const k = keys ? keys[w.next[i] - 1] : String(w.next[i] - 1);
    out += '/' + k.replace(/~/g, '~0').replace(/\//g, '~1');
  }
  return out;
}

function refuse(code: string, message: string, limit: keyof ValidationLimits, value: number, at: string): never {
  throw new BadRequest(code, message, { limit: LIMIT_SETTINGS[limit], max: value, path: at });
}

/**
 * Checks nesting depth, the number of objects in the envelope, string length (values and
 * property names) and the number of members of any one object or array.
 */
export function checkBounds(body: unknown, limits: ValidationLimits): void {
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const objects = (body as { objects?: unknown }).objects;
    if (Array.isArray(objects) && objects.length > limits.maxObjects) {
      refuse(
        'too_many_objects',
        `the envelope holds ${objects.length} objects, more than the limit of ${limits.maxObjects} (setting PUENTE_MAX_OBJECTS); split it into several requests`,
        'maxObjects',
        limits.maxObjects,
        '/objects',
      );
    }
  }
  const { maxDepth, maxStringLength, maxProperties } = limits;
  const w: Walk = { values: [], keys: [], next: [] };
  const where = () => pathOf(w, w.values.length);

  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.length > maxStringLength) {
        refuse(
          'string_too_long',
          `a string of ${v.length} characters at ${where() || '/'} exceeds ${maxStringLength} (setting PUENTE_MAX_STRING_LENGTH)`,
          'maxStringLength',
          maxStringLength,
          where(),
        );
      }
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const depth = w.values.length;
    if (depth >= maxDepth) {
      refuse('too_deep', `nesting depth exceeds ${maxDepth} at ${where()} (setting PUENTE_MAX_DEPTH)`, 'maxDepth', maxDepth, where());
    }
    let size: number;
    let keys: string[] | undefined;
    if (Array.isArray(v)) {
      size = v.length;
    } else {
      keys = Object.keys(v);
      size = keys.length;
    }
    // The top-level objects array is bounded by maxObjects instead.
    const isObjectsArray = depth === 1 && keys === undefined && w.keys[0]?.[w.next[0] - 1] === 'objects';
    if (size > maxProperties && !isObjectsArray) {
      refuse(
        'too_many_properties',
        `${keys ? 'an object' : 'an array'} with ${size} members at ${where() || '/'} exceeds ${maxProperties} (setting PUENTE_MAX_PROPERTIES)`,
        'maxProperties',
        maxProperties,
        where(),
      );
    }
    if (keys) {
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        if (k.length > maxStringLength) {
          refuse(
            'string_too_long',
            `a property name of ${k.length} characters at ${where() || '/'} exceeds ${maxStringLength} (setting PUENTE_MAX_STRING_LENGTH)`,
            'maxStringLength',
            maxStringLength,
            where(),
          );
        }
      }
    }
    w.values.push(v);
    w.keys.push(keys);
    w.next.push(0);
  };

  visit(body);
  while (w.values.length > 0) {
    const top = w.values.length - 1;
    const value = w.values[top];
    const keys = w.keys[top];
    const next = w.next[top];
    if (next >= (keys ? keys.length : (value as unknown[]).length)) {
      w.values.pop();
      w.keys.pop();
      w.next.pop();
      continue;
    }
    w.next[top] = next + 1;
    visit(keys ? (value as Record<string, unknown>)[keys[next]] : (value as unknown[])[next]);
  }
}
