/**
 * Per-object validation: the OASIS schema for the object's type, then the MUST rules the
 * schemas cannot express (errors) and the SHOULD rules (warnings), in one pass.
 */
import { BadRequest } from '../errors';
import { type ValidationLimits, checkBounds } from './bounds';
import { type Finding, type Report, error, schemaFinding, warning } from './findings';
import { type SchemaRegistry, compileSchemas } from './schemas';
import { extensionRulesFor } from './rules/extensions';
import { crimeObservableRules, puenteDefinitions } from './puente-extensions';
import { identifierRules } from './rules/identifiers';
import { indicatorRules } from './rules/indicators';
import { languageRules } from './rules/language';
import { markingRules } from './rules/markings';
import { observableRules } from './rules/observables';
import { checkLocalReferences, referenceRulesFor } from './rules/references';
import { checkTimestamps, timestampRules } from './rules/timestamps';
import { type Rule, type RuleContext, type StixObject, isRecord } from './rules/types';
import { vocabularyRulesFor } from './rules/vocabularies';

export interface ObjectVerdict {
  index: number;
  id?: string;
  type?: string;
  ok: boolean;
  errors: Finding[];
  warnings: Finding[];
}

export interface ValidatorOptions {
  limits: ValidationLimits;
  extensionDefinition?: (id: string) => Record<string, unknown> | undefined;
}

export interface Validator {
  validateObject(obj: unknown, index?: number): ObjectVerdict;
  /**
   * Validates a TAXII envelope or STIX bundle already parsed from JSON. Throws BadRequest
   * (from server/errors.ts) with code 'invalid_envelope' / 'too_many_objects' / 'too_deep' /
   * 'string_too_long' / 'too_many_properties' when the whole body is refused.
   */
  validateEnvelope(body: unknown, onProgress?: (done: number, total: number) => void): { objects: unknown[]; verdicts: ObjectVerdict[] };
}

const BUNDLE_ID = /^bundle--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;

let shared: SchemaRegistry | undefined;

/** Compiles all schemas once per process (they are immutable), however many validators are made. */
function registry(): SchemaRegistry {
  shared ??= compileSchemas();
  return shared;
}

export function createValidator(opts: ValidatorOptions): Validator {
  const schemas = registry();
  const errorRules: Rule[] = [
    identifierRules,
    timestampRules,
    referenceRulesFor(schemas.sdoTypes, schemas.sroTypes, schemas.scoTypes),
    markingRules,
    languageRules,
    observableRules,
    indicatorRules,
  ];
  const warningRules: Rule[] = [extensionRulesFor(schemas), vocabularyRulesFor(schemas.vocabularies), crimeObservableRules];
  // Puente's own definitions (schemas/puente) are known in every group, after the group's own.
  const own = puenteDefinitions();
  const groupDefinitions = opts.extensionDefinition ?? (() => undefined);
  const hubDefinitions = (id: string) => groupDefinitions(id) ?? own.get(id);
  const hubContext: RuleContext = { schemas, extensionDefinition: hubDefinitions };

  function schemaFor(obj: StixObject, type: string) {
    const check = schemas.forType(type);
    if (check) return { check, name: type };
    // Custom type: SDO/SRO-like when it has created/modified, else an SCO (as stix2-validator does).
    return 'created' in obj || 'modified' in obj
      ? { check: schemas.core, name: 'core' }
      : { check: schemas.observableCore, name: 'cyber-observable-core' };
  }

  /** Deprecated observed-data.objects (§4.13): each member checked against its own SCO schema. */
  function checkObservedObjects(objects: Record<string, unknown>, report: Report): void {
    for (const key of Object.keys(objects)) {
      const o = objects[key];
      const base = `/objects/${key}`;
      if (!isRecord(o) || typeof o.type !== 'string') {
        error(report, base, 'schema', `observable '${key}' must be an object with a 'type'`);
        continue;
      }
      const otype = o.type;
      const check = schemas.forType(otype) ?? schemas.observableCore;
      const e = check.test(o) ? undefined : check.firstError(o);
      if (e) {
        const f = schemaFinding(e, otype);
        report.errors.push({ ...f, path: base + f.path });
      }
      checkTimestamps(o, o.type, base, report);
    }
    checkLocalReferences(objects, report);
  }

  function run(obj: unknown, index: number, ctx: RuleContext): ObjectVerdict {
    const report: Report = { errors: [], warnings: [] };
    if (!isRecord(obj)) {
      error(report, '', 'not-an-object', 'each entry of objects must be a JSON object');
      return { index, ok: false, ...report };
    }
    const id = typeof obj.id === 'string' ? obj.id : undefined;
    const type = typeof obj.type === 'string' ? obj.type : undefined;
    if (type === undefined) {
      error(report, '/type', 'schema', "required property 'type' is missing or not a string");
      return { index, id, ok: false, ...report };
    }
    if (type === 'bundle') {
      error(report, '/type', 'nested-bundle', 'a bundle cannot be an object of another bundle or envelope (STIX 2.1 §8)');
      return { index, id, type, ok: false, ...report };
    }
    const { check, name } = schemaFor(obj, type);
    if (!check.test(obj)) {
      const e = check.firstError(obj);
      if (e) report.errors.push(schemaFinding(e, name));
    }
    try {
      for (const rule of errorRules) rule(obj, type, report, ctx);
      if (type === 'observed-data' && isRecord(obj.objects)) checkObservedObjects(obj.objects, report);
      for (const rule of warningRules) rule(obj, type, report, ctx);
    } catch (e) {
      // Rules are written for schema-valid shapes; an odd shape the schema already refused
      // may still trip one. The object is refused either way; never crash the request.
      if (report.errors.length === 0) {
        error(report, '', 'unverifiable', `the object could not be checked: ${(e as Error).message}`);
      }
    }
    return { index, id, type, ok: report.errors.length === 0, errors: report.errors, warnings: report.warnings };
  }

  return {
    validateObject(obj: unknown, index = 0): ObjectVerdict {
      return run(obj, index, hubContext);
    },

    validateEnvelope(body: unknown, onProgress?: (done: number, total: number) => void) {
      if (!isRecord(body)) {
        throw new BadRequest('invalid_envelope', 'the body must be a JSON object: a TAXII envelope or a STIX bundle', {});
      }
      if (body.type !== undefined && body.type !== 'bundle') {
        throw new BadRequest('invalid_envelope', `the body has type '${String(body.type)}'; send a TAXII envelope or a STIX bundle`, {});
      }
      if (body.type === 'bundle' && (typeof body.id !== 'string' || !BUNDLE_ID.test(body.id))) {
        throw new BadRequest('invalid_envelope', "a STIX bundle needs an 'id' of the form bundle--<UUID>", {});
      }
      if (!Array.isArray(body.objects)) {
        throw new BadRequest('invalid_envelope', "the body has no 'objects' list", {});
      }
      checkBounds(body, opts.limits);
      const objects = body.objects as unknown[];

      // Extension definitions sent in the same envelope count as known (STIX 2.1 §7.3).
      let local: Map<string, Record<string, unknown>> | undefined;
      for (const o of objects) {
        if (isRecord(o) && o.type === 'extension-definition' && typeof o.id === 'string') {
          (local ??= new Map()).set(o.id, o);
        }
      }
      const ctx: RuleContext = local
        ? { schemas, extensionDefinition: (id) => local!.get(id) ?? hubDefinitions(id) }
        : hubContext;

      const verdicts: ObjectVerdict[] = new Array(objects.length);
      // Duplicates are found by id first; the `id modified` key is built only for ids seen twice.
      const firstById = new Map<string, number>();
      let byVersion: Map<string, number> | undefined;
      const versionOf = (i: number, id: string) => {
        const m = (objects[i] as StixObject).modified;
        return `${id} ${typeof m === 'string' ? m : ''}`;
      };
      for (let i = 0; i < objects.length; i++) {
        const v = run(objects[i], i, ctx);
        const id = v.id;
        if (id !== undefined) {
          const prev = firstById.get(id);
          if (prev === undefined) firstById.set(id, i);
          else {
            byVersion ??= new Map();
            const prevKey = versionOf(prev, id);
            if (!byVersion.has(prevKey)) byVersion.set(prevKey, prev);
            const key = versionOf(i, id);
            const first = byVersion.get(key);
            if (first === undefined) byVersion.set(key, i);
            else warning(v, '/id', 'duplicate-object', `the same object version also appears at index ${first}; only one copy is stored`);
          }
        }
        verdicts[i] = v;
        if (onProgress && (i & 255) === 255) onProgress(i + 1, objects.length);
      }
      onProgress?.(objects.length, objects.length);
      return { objects, verdicts };
    },
  };
}
