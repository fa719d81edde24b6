import type { ErrorObject } from 'ajv';

/** One problem found in one object. `path` is a JSON pointer relative to the object. */
export interface Finding {
  path: string;
  code: string;
  message: string;
}

/** Collects findings for one object; rules push into it instead of returning arrays. */
export interface Report {
  errors: Finding[];
  warnings: Finding[];
}

export function error(report: Report, path: string, code: string, message: string): void {
  report.errors.push({ path, code, message });
}

export function warning(report: Report, path: string, code: string, message: string): void {
  report.warnings.push({ path, code, message });
}

/** Escapes a property name for a JSON pointer (RFC 6901 §3). */
export function pointer(...segments: (string | number)[]): string {
  let out = '';
  for (const s of segments) out += '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1');
  return out;
}

/** Turns Ajv's first error into a sentence an analyst can act on. */
export function schemaFinding(e: ErrorObject, schemaName: string): Finding {
  const at = e.instancePath || '';
  const where = at ? `'${at.slice(1).replace(/\//g, '.')}'` : 'the object';
  const p = e.params as Record<string, unknown>;
  let message: string;
  switch (e.keyword) {
    case 'required':
      return {
        path: at + pointer(String(p.missingProperty)),
        code: 'schema',
        message: `required property '${String(p.missingProperty)}' is missing (${schemaName} schema)`,
      };
    case 'additionalProperties':
      return {
        path: at + pointer(String(p.additionalProperty)),
        code: 'schema',
        message: `property name '${String(p.additionalProperty)}' is not allowed here: custom property names must be 3-250 characters of a-z, 0-9 and '_' (${schemaName} schema)`,
      };
    case 'pattern':
      message = `${where} does not match the required format ${String(p.pattern)}`;
      break;
    case 'enum':
      message = `${where} must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'type':
      message = `${where} must be of type ${String(p.type)}`;
      break;
    case 'minItems':
      message = `${where} must not be empty`;
      break;
    case 'minProperties':
      message = `${where} must have at least ${String(p.limit)} propert${p.limit === 1 ? 'y' : 'ies'}`;
      break;
    case 'not':
      message = `${where} uses a value or property that the STIX 2.1 ${schemaName} schema forbids`;
      break;
    case 'oneOf':
    case 'anyOf':
      message = `${where} does not match any of the allowed forms of the ${schemaName} schema`;
      break;
    case 'format':
      message = `${where} is not a valid ${String(p.format)}`;
      break;
    default:
      message = `${where} ${e.message ?? 'is invalid'}`;
  }
  return { path: at, code: 'schema', message: `${message} (${schemaName} schema)` };
}
