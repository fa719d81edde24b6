/**
 * Extensions (STIX 2.1 §7.3) and custom content (§11). An extension is checked in depth
 * only when its extension definition is known (the hub's, or one in the same envelope);
 * custom objects and properties are allowed, with warnings where the standard says SHOULD.
 */
import { error, warning, type Report } from '../findings';
import type { SchemaRegistry } from '../schemas';
import { type RuleContext, type StixObject, isRecord } from './types';

const PREDEFINED_EXTENSIONS = new Set([
  'archive-ext',
  'ntfs-ext',
  'pdf-ext',
  'raster-image-ext',
  'windows-pebinary-ext',
  'http-request-ext',
  'icmp-ext',
  'socket-ext',
  'tcp-ext',
  'unix-account-ext',
  'windows-process-ext',
  'windows-service-ext',
]);
const NEW_OBJECT = new Set(['new-sdo', 'new-sco', 'new-sro']);

/** An extension definition may publish a JSON schema in its `schema` text; use it when it does. */
function embeddedSchema(def: Record<string, unknown>): object | undefined {
  if (isRecord(def.schema)) return def.schema;
  if (typeof def.schema !== 'string' || !def.schema.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(def.schema);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function checkAgainstDefinition(
  obj: StixObject,
  key: string,
  ext: Record<string, unknown>,
  def: Record<string, unknown>,
  report: Report,
  schemas: SchemaRegistry,
  cache: WeakMap<object, object | null>,
): void {
  const path = `/extensions/${key}`;
  const types = Array.isArray(def.extension_types) ? (def.extension_types as unknown[]) : [];
  const kind = ext.extension_type;
  if (typeof kind === 'string' && !types.includes(kind)) {
    error(report, `${path}/extension_type`, 'extension-type', `extension_type '${kind}' is not one of the types its definition declares (${types.join(', ') || 'none'})`);
  }
  if ((kind === 'new-sdo' || kind === 'new-sro') && !('created' in obj && 'modified' in obj)) {
    error(report, path, 'extension-new-object', `an object defined by a ${kind} extension must have 'created' and 'modified'`);
  }
  if (kind === 'toplevel-property-extension' && Array.isArray(def.extension_properties)) {
    const known = schemas.properties.get(String(obj.type));
    for (const prop of Object.keys(obj)) {
      if (known?.has(prop) || prop.startsWith('x_') || (def.extension_properties as unknown[]).includes(prop)) continue;
      warning(report, `/${prop}`, 'extension-property', `'${prop}' is neither a ${String(obj.type)} property nor listed in extension_properties of ${key}`);
    }
  }
  let schema = cache.get(def);
  if (schema === undefined) {
    schema = embeddedSchema(def) ?? null;
    cache.set(def, schema);
  }
  if (schema) {
    const fn = schemas.compileExtensionSchema(schema);
    const target = kind === 'property-extension' ? ext : obj;
    if (fn && !fn(target)) {
      const e = fn.errors?.[0];
      const at = kind === 'property-extension' ? path : '';
      error(report, at + (e?.instancePath ?? ''), 'extension-schema', `does not satisfy the schema of extension ${key}: ${e?.message ?? 'invalid'}`);
    }
  }
}

export function extensionRulesFor(schemas: SchemaRegistry) {
  const cache = new WeakMap<object, object | null>();
  return (obj: StixObject, type: string, report: Report, ctx: RuleContext): void => {
    let definesType = false;
    let topLevel = false;
    const exts = obj.extensions;
    if (isRecord(exts)) {
      for (const key of Object.keys(exts)) {
        const ext = exts[key];
        if (!isRecord(ext)) continue;
        if (key.startsWith('extension-definition--')) {
          if (NEW_OBJECT.has(ext.extension_type as string)) definesType = true;
          if (ext.extension_type === 'toplevel-property-extension') topLevel = true;
          const def = ctx.extensionDefinition(key);
          if (!def) {
            warning(report, `/extensions/${key}`, 'extension-unknown', `extension ${key} is not known to this hub, so its content was not checked`);
          } else {
            checkAgainstDefinition(obj, key, ext, def, report, schemas, cache);
          }
        } else if (!PREDEFINED_EXTENSIONS.has(key)) {
          warning(report, `/extensions/${key}`, 'custom-extension', `'${key}' is a STIX 2.0-style custom extension; STIX 2.1 §7.3 extensions use an extension-definition id as key`);
        }
      }
    }
    const standard = schemas.forType(type) !== undefined;
    if (!standard && !definesType) {
      warning(report, '/type', 'custom-object', `'${type}' is a custom object type without an extension definition (deprecated by STIX 2.1 §11.1)`);
    }
    if (standard && !topLevel) {
      const known = schemas.properties.get(type)!;
      for (const prop in obj) {
        if (known.has(prop) || prop.startsWith('x_')) continue;
        warning(report, `/${prop}`, 'custom-property', `custom property '${prop}' should start with 'x_' or come from a toplevel-property-extension (STIX 2.1 §11.1)`);
      }
    }
  };
}
