import type { Report } from '../findings';
import type { SchemaRegistry } from '../schemas';

export type StixObject = Record<string, unknown>;

/** What every rule may consult; built once per validator. */
export interface RuleContext {
  schemas: SchemaRegistry;
  /** Known extension definitions: the envelope's own first, then the hub's. */
  extensionDefinition(id: string): Record<string, unknown> | undefined;
}

export type Rule = (obj: StixObject, type: string, report: Report, ctx: RuleContext) => void;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The type part of a STIX identifier, or undefined when the value is not `type--…`. */
export function idType(ref: unknown): string | undefined {
  if (typeof ref !== 'string') return undefined;
  const i = ref.indexOf('--');
  return i > 0 ? ref.slice(0, i) : undefined;
}
