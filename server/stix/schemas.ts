/**
 * The OASIS STIX 2.1 JSON schemas (vendored in schemas/stix), compiled once with Ajv2020.
 * Objects are dispatched by `type`; custom types fall back to the core schemas, as
 * stix2-validator does. `bundle.json` is never compiled (see schemas/stix/README.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { domainToASCII } from 'node:url';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { REPO_ROOT } from '../paths';
import { FAST_PATTERNS } from './fast-patterns';
import { verdictSchema } from './verdict-schemas';

export const SCHEMA_DIR = path.join(REPO_ROOT, 'schemas', 'stix');

const FAMILIES = ['sdos', 'sros', 'observables'] as const;
const COMMON_TYPES = ['marking-definition', 'language-content', 'extension-definition'];

/**
 * One STIX schema, in two compilations: `test` answers yes or no from the verdict-only
 * rewrite (verdict-schemas.ts); `firstError` runs the original schema and returns Ajv's
 * first error, or undefined when it accepts the data. The original schema has the last word:
 * call `firstError` for data `test` refused.
 */
export interface SchemaCheck {
  test(data: unknown): boolean;
  firstError(data: unknown): ErrorObject | undefined;
}

export interface SchemaRegistry {
  /** The compiled schema for a standard type, or undefined for a custom type. */
  forType(type: string): SchemaCheck | undefined;
  /** Custom SDO/SRO (has `created`) */
  core: SchemaCheck;
  /** Custom SCO */
  observableCore: SchemaCheck;
  /** Every `*-ov` / `*-enum` definition found in the schemas, by name. */
  vocabularies: Map<string, Set<string>>;
  /** Property names each standard type defines (its own and the common ones). */
  properties: Map<string, Set<string>>;
  /** Compiles a JSON schema published by an extension definition; undefined when it is not one. */
  compileExtensionSchema(schema: object): ValidateFunction | undefined;
  /** Standard types by family. */
  sdoTypes: Set<string>;
  sroTypes: Set<string>;
  scoTypes: Set<string>;
}

type Json = Record<string, unknown>;

/**
 * Every property name of every object runs through the same few `patternProperties`
 * regexes of properties.json; their verdicts depend on the name alone, and names repeat,
 * so they are remembered. The id and timestamp patterns run hand-written (fast-patterns.ts);
 * other patterns run as plain RegExps.
 */
function regExpEngine(memoized: Set<string>) {
  const engine = (pattern: string, flags: string) => {
    const hand = FAST_PATTERNS.get(pattern);
    // Ajv deduplicates compiled patterns by their toString().
    if (hand && flags === '') return { toString: () => `fast:${pattern}`, test: hand };
    const re = new RegExp(pattern, flags);
    if (!memoized.has(pattern)) return re;
    const seen = new Map<string, boolean>();
    return {
      toString: () => `memo:${re.toString()}`,
      test(s: string): boolean {
        let v = seen.get(s);
        if (v === undefined) {
          v = re.test(s);
          if (seen.size < 10_000) seen.set(s, v);
        }
        return v;
      },
    };
  };
  engine.code = 'new RegExp';
  return engine;
}

function collectPatternPropertyKeys(node: unknown, into: Set<string>): void {
  const stack: unknown[] = [node];
  while (stack.length) {
    const n = stack.pop();
    if (Array.isArray(n)) stack.push(...n);
    else if (n && typeof n === 'object') {
      const pp = (n as Json).patternProperties;
      if (pp && typeof pp === 'object') for (const k of Object.keys(pp)) into.add(k);
      stack.push(...Object.values(n));
    }
  }
}

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/** RFC 5890 host name: converts to A-labels (WHATWG rules), then checks RFC 1123 labels. */
function isIdnHostname(value: string): boolean {
  const ascii = domainToASCII(value);
  if (!ascii || ascii.length > 253) return false;
  return ascii.split('.').every((label) => HOST_LABEL.test(label));
}

function load(file: string): Json {
  return JSON.parse(readFileSync(file, 'utf8')) as Json;
}

/**
 * stix2-validator checks the deprecated `observed-data.objects` member by member against
 * each observable's own schema; the OASIS schema's `oneOf` over every SCO gives useless
 * errors. Keep the property's shape only and check the members separately.
 */
function patchObservedData(schema: Json): Json {
  const copy = structuredClone(schema);
  const allOf = copy.allOf as Json[];
  const props = allOf[1].properties as Json;
  props.objects = { type: 'object', minProperties: 1 };
  return copy;
}

/** Property names a type's schema defines, including those declared in allOf/oneOf/anyOf branches (malware's is_family). */
function collectProperties(schema: Json, into: Set<string>): void {
  const stack: unknown[] = [schema];
  while (stack.length) {
    const s = stack.pop();
    if (!s || typeof s !== 'object') continue;
    const j = s as Json;
    if (j.properties && typeof j.properties === 'object') for (const k of Object.keys(j.properties as Json)) into.add(k);
    for (const branch of ['allOf', 'oneOf', 'anyOf'] as const) if (Array.isArray(j[branch])) stack.push(...(j[branch] as unknown[]));
  }
}

function collectVocabularies(schema: Json, into: Map<string, Set<string>>): void {
  const defs = schema.definitions as Record<string, Json> | undefined;
  if (!defs) return;
  for (const [name, def] of Object.entries(defs)) {
    if (!/-(ov|enum)$/.test(name) || !Array.isArray(def.enum)) continue;
    const set = into.get(name) ?? new Set<string>();
    for (const v of def.enum as string[]) set.add(v);
    into.set(name, set);
  }
}

export function compileSchemas(dir = SCHEMA_DIR): SchemaRegistry {
  const loaded: [string, string, Json][] = [];
  for (const sub of ['common', ...FAMILIES]) {
    for (const file of readdirSync(path.join(dir, sub))) {
      if (file.endsWith('.json') && file !== 'bundle.json') loaded.push([sub, file.slice(0, -5), load(path.join(dir, sub, file))]);
    }
  }
  const memoized = new Set<string>();
  for (const [, , schema] of loaded) collectPatternPropertyKeys(schema, memoized);
  const engine = regExpEngine(memoized);
  const newAjv = () => {
    // unicodeRegExp: false because core.json's patterns are not valid under the `u` flag.
    const ajv = new Ajv2020({
      strict: false,
      allErrors: false,
      unicodeRegExp: false,
      validateSchema: false,
      code: { regExp: engine },
    });
    addFormats(ajv);
    // Same e-mail rule as stix2-validator (validator.py EMAIL_RE), stricter than ajv-formats'.
    ajv.addFormat('email', /^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$/);
    ajv.addFormat('idn-hostname', isIdnHostname);
    return ajv;
  };
  // `ajv` holds the schemas as published (findings, extension schemas); `fast` the verdict-only
  // rewrites. Ajv compiles a schema on first use, so `ajv` compiles only what explains a refusal.
  const ajv = newAjv();
  const fast = newAjv();
  const vocabularies = new Map<string, Set<string>>();
  const ids = new Map<string, string>();
  const properties = new Map<string, Set<string>>();
  const families = { sdos: new Set<string>(), sros: new Set<string>(), observables: new Set<string>() };

  for (const [sub, type, original] of loaded) {
    {
      const schema = type === 'observed-data' ? patchObservedData(original) : original;
      collectVocabularies(schema, vocabularies);
      const props = new Set<string>();
      collectProperties(schema, props);
      properties.set(type, props);
      ajv.addSchema(schema);
      fast.addSchema(verdictSchema(schema));
      if (sub !== 'common') {
        families[sub as (typeof FAMILIES)[number]].add(type);
        ids.set(type, schema.$id as string);
      } else if (COMMON_TYPES.includes(type)) {
        ids.set(type, schema.$id as string);
      } else if (type === 'core' || type === 'cyber-observable-core') {
        ids.set(type, schema.$id as string);
      }
    }
  }

  const compiled = new Map<string, SchemaCheck>();
  for (const [type, id] of ids) {
    const test = fast.getSchema(id);
    if (!test) throw new Error(`STIX schema ${id} did not compile`);
    let explain: ValidateFunction | undefined;
    compiled.set(type, {
      test: (data) => test(data) as boolean,
      firstError(data) {
        explain ??= ajv.getSchema(id)!;
        return explain(data) ? undefined : explain.errors![0];
      },
    });
  }
  const core = compiled.get('core')!;
  const observableCore = compiled.get('cyber-observable-core')!;
  compiled.delete('core');
  compiled.delete('cyber-observable-core');
  const coreProps = properties.get('core')!;
  const scoProps = properties.get('cyber-observable-core')!;
  for (const [type, props] of properties) {
    for (const p of families.observables.has(type) ? scoProps : coreProps) props.add(p);
  }
  const extensionSchemas = new WeakMap<object, ValidateFunction | null>();
  const compileExtensionSchema = (schema: object): ValidateFunction | undefined => {
    let fn = extensionSchemas.get(schema);
    if (fn === undefined) {
      try {
        const { $id: _id, ...rest } = schema as Json;
        fn = ajv.compile(rest);
      } catch {
        fn = null;
      }
      extensionSchemas.set(schema, fn);
    }
    return fn ?? undefined;
  };

  return {
    forType: (type) => compiled.get(type),
    core,
    observableCore,
    vocabularies,
    properties,
    compileExtensionSchema,
    sdoTypes: families.sdos,
    sroTypes: families.sros,
    scoTypes: families.observables,
  };
}
