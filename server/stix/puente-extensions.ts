/**
 * Puente's extension definitions (schemas/puente): custom SCOs for organised-crime
 * investigations. The hub knows them in every trust group, so they are validated like any
 * extension whose definition is known (rules/extensions.ts: the definition's embedded schema).
 *
 * Deterministic ids (STIX 2.1 §2.9): `<type>--` UUIDv5 in the SCO namespace over the JSON
 * serialisation (keys sorted, RFC 8785 for these string-valued properties) of the object's
 * id-contributing properties that are present.
 */
import fs from 'node:fs';
import path from 'node:path';
import { uuidV5 } from '../names';
import { REPO_ROOT } from '../paths';
import { warning, type Report } from './findings';
import { isRecord, type RuleContext, type StixObject } from './rules/types';

export const PUENTE_SCHEMA_DIR = path.join(REPO_ROOT, 'schemas', 'puente');
/** STIX 2.1 §2.9: namespace of deterministic SCO ids. */
export const SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';

/** Id-contributing properties per custom SCO type (the public definitions' where one exists). */
export const ID_CONTRIBUTING: Readonly<Record<string, readonly string[]>> = {
  'cryptocurrency-wallet': ['value'],
  'cryptocurrency-transaction': ['symbol', 'value'],
  'bank-account': ['account_number', 'iban'],
  'phone-number': ['value'],
  vessel: ['imo', 'mmsi'],
  aircraft: ['icao24', 'registration'],
};
export const CRIME_SCO_TYPES: ReadonlySet<string> = new Set(Object.keys(ID_CONTRIBUTING));

type Definition = Record<string, unknown> & { id: string; name: string };

function load(): Map<string, Definition> {
  const bundle = JSON.parse(fs.readFileSync(path.join(PUENTE_SCHEMA_DIR, 'extension-definitions.json'), 'utf8')) as { objects: Definition[] };
  return new Map(bundle.objects.map((d) => [d.id, d]));
}

let defs: Map<string, Definition> | undefined;

/** The hub's own extension definitions by id. */
export function puenteDefinitions(): ReadonlyMap<string, Definition> {
  defs ??= load();
  return defs;
}

/** Extension definition id for a custom SCO type, e.g. "cryptocurrency-wallet". */
export function definitionIdFor(type: string): string | undefined {
  for (const d of puenteDefinitions().values()) if (d.name === type) return d.id;
  return undefined;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isRecord(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** The §2.9 id of a custom SCO, or undefined for another type or one without contributing properties. */
export function deterministicId(obj: StixObject): string | undefined {
  const props = ID_CONTRIBUTING[String(obj.type)];
  if (!props) return undefined;
  const present = Object.fromEntries(props.filter((p) => obj[p] !== undefined).map((p) => [p, obj[p]]));
  if (Object.keys(present).length === 0) return undefined;
  return `${String(obj.type)}--${uuidV5(canonical(present), SCO_NAMESPACE)}`;
}

/** Warning (STIX says SHOULD) when a custom SCO's id is not the deterministic one, so two CERTs' copies would not merge. */
export function crimeObservableRules(obj: StixObject, type: string, report: Report, _ctx: RuleContext): void {
  if (!CRIME_SCO_TYPES.has(type)) return;
  const want = deterministicId(obj);
  if (want && typeof obj.id === 'string' && obj.id.toLowerCase() !== want) {
    warning(report, '/id', 'sco-id-not-deterministic', `a ${type} should have the deterministic id ${want} (UUIDv5 of its id-contributing properties, STIX 2.1 §2.9)`);
  }
}
