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

interface Frame {
  value: object;
  keys: string[] | undefined; // undefined for arrays
  next: number;
}

function pathOf(stack: Frame[], upTo: number): string {
  let out = '';
  for (let i = 0; i < upTo; i++) {
    const f = stack[i];
    const k = f.keys ? f.keys[f.next - 1] : String(f.next - 1);
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
  const stack: Frame[] = [];

  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.length > maxStringLength) {
        refuse(
          'string_too_long',
          `a string of ${v.length} characters at ${pathOf(stack, stack.length) || '/'} exceeds ${maxStringLength} (setting PUENTE_MAX_STRING_LENGTH)`,
          'maxStringLength',
          maxStringLength,
          pathOf(stack, stack.length),
        );
      }
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (stack.length >= maxDepth) {
      refuse(
        'too_deep',
        `nesting depth exceeds ${maxDepth} at ${pathOf(stack, stack.length)} (setting PUENTE_MAX_DEPTH)`,
        'maxDepth',
        maxDepth,
        pathOf(stack, stack.length),
      );
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
    const isObjectsArray = stack.length === 1 && keys === undefined && stack[0].keys?.[stack[0].next - 1] === 'objects';
    if (size > maxProperties && !isObjectsArray) {
      refuse(
        'too_many_properties',
        `${keys ? 'an object' : 'an array'} with ${size} members at ${pathOf(stack, stack.length) || '/'} exceeds ${maxProperties} (setting PUENTE_MAX_PROPERTIES)`,
        'maxProperties',
        maxProperties,
        pathOf(stack, stack.length),
      );
    }
    if (keys) {
      for (const k of keys) {
        if (k.length > maxStringLength) {
          refuse(
            'string_too_long',
            `a property name of ${k.length} characters at ${pathOf(stack, stack.length) || '/'} exceeds ${maxStringLength} (setting PUENTE_MAX_STRING_LENGTH)`,
            'maxStringLength',
            maxStringLength,
            pathOf(stack, stack.length),
          );
        }
      }
    }
    stack.push({ value: v, keys, next: 0 });
  };

  visit(body);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.keys) {
      if (top.next >= top.keys.length) {
        stack.pop();
        continue;
      }
      const key = top.keys[top.next++];
      visit((top.value as Record<string, unknown>)[key]);
    } else {
      const arr = top.value as unknown[];
      if (top.next >= arr.length) {
        stack.pop();
        continue;
      }
      visit(arr[top.next++]);
    }
  }
}
