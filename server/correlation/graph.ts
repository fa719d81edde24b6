/**
 * The in-memory view a rule run works on: the new objects of one trust group plus the stored
 * objects the engine preloaded for them (see preload.ts). Objects the group may not read are
 * refused at construction, so no rule can ever put them in an alert.
 */
import type { StoredObject, StixObject } from './stored';
import { versionKey } from '../storage/clock';
import { DISARM_IDENTITY } from './disarm';

/**
 * Authors whose objects are reference knowledge, never a CERT's report: MITRE ATT&CK's identity
 * (every ATT&CK bundle, ICS included) and the DISARM Foundation's. Their objects are context for
 * the rules (techniques, groups, software and how they relate), never what raises an alert, so a
 * framework bundle alone raises nothing, in whatever collection it was pushed.
 */
export const FRAMEWORK_AUTHORS: ReadonlySet<string> = new Set(['identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5', DISARM_IDENTITY]);

export interface Edge {
  /** relationship_type, or "sighted-at" for sighting_of_ref -> where_sighted_refs. */
  type: string;
  from: string;
  to: string;
  /** The relationship or sighting that carries the edge. */
  via: StoredObject;
}

/** A group reads what was submitted to it and what another group released to it. */
export function canGroupRead(meta: StoredObject['meta'], group: string): boolean {
  return meta.group === group || (meta.released_to ?? []).includes(group);
}

export function isRevoked(stix: StixObject): boolean {
  return stix.revoked === true;
}

export function refsOf(stix: StixObject): string[] {
  const refs: string[] = [];
  for (const [k, v] of Object.entries(stix)) {
    if (k === 'created_by_ref' || k === 'object_marking_refs') continue;
    if (k.endsWith('_ref') && typeof v === 'string') refs.push(v);
    else if (k.endsWith('_refs') && Array.isArray(v)) refs.push(...v.filter((x): x is string => typeof x === 'string'));
  }
  return refs;
}

/** STIX timestamps of different precision compare by time, not as text ("…00.5Z" = "…00.500Z"). */
function versionOf(o: StoredObject): string {
  const v = String(o.stix.modified ?? o.stix.created ?? '');
  return versionKey(v) ?? v;
}

function newer(a: StoredObject, b: StoredObject): boolean {
  const am = versionOf(a);
  const bm = versionOf(b);
  return am !== bm ? am > bm : a.meta.date_added > b.meta.date_added;
}

export class Graph {
  private readonly byId = new Map<string, StoredObject>();
  private readonly out = new Map<string, Edge[]>();
  private readonly in = new Map<string, Edge[]>();
  private readonly fresh = new Set<string>();
  /** Objects dropped because the group may not read them (a count, for the run log). */
  readonly refused: number;

  constructor(
    readonly group: string,
    newObjects: readonly StoredObject[],
    stored: Iterable<StoredObject>,
  ) {
    let refused = 0;
    const add = (o: StoredObject, isNew: boolean): void => {
      if (!canGroupRead(o.meta, group)) {
        refused++;
        return;
      }
      const prev = this.byId.get(o.stix.id);
      if (!prev || newer(o, prev)) this.byId.set(o.stix.id, o);
      if (isNew) this.fresh.add(o.stix.id);
    };
    for (const o of stored) add(o, false);
    for (const o of newObjects) add(o, !FRAMEWORK_AUTHORS.has(String(o.stix.created_by_ref)));
    this.refused = refused;
    for (const o of this.byId.values()) this.index(o);
  }

  private index(o: StoredObject): void {
    const s = o.stix;
    if (isRevoked(s)) return;
    const push = (m: Map<string, Edge[]>, k: string, e: Edge): void => {
      const l = m.get(k);
      if (l) l.push(e);
      else m.set(k, [e]);
    };
    const link = (type: string, from: unknown, to: unknown): void => {
      if (typeof from !== 'string' || typeof to !== 'string') return;
      const e: Edge = { type, from, to, via: o };
      push(this.out, from, e);
      push(this.in, to, e);
    };
    if (s.type === 'relationship') link(String(s.relationship_type), s.source_ref, s.target_ref);
    if (s.type === 'sighting' && Array.isArray(s.where_sighted_refs)) {
      for (const w of s.where_sighted_refs) link('sighted-at', s.sighting_of_ref, w);
    }
  }

  get(id: string): StoredObject | undefined {
    return this.byId.get(id);
  }

  /** True when the object arrived in this batch (rather than being preloaded). */
  isNew(id: string): boolean {
    return this.fresh.has(id);
  }

  outEdges(id: string): readonly Edge[] {
    return this.out.get(id) ?? [];
  }

  inEdges(id: string): readonly Edge[] {
    return this.in.get(id) ?? [];
  }

  newObjects(): StoredObject[] {
    return [...this.fresh].map((id) => this.byId.get(id)).filter((o): o is StoredObject => o !== undefined);
  }

  *all(): IterableIterator<StoredObject> {
    yield* this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }
}

/** SCO types of organised-crime observables (schemas/puente): a report citing one is a link to it. */
export const CRIME_OBSERVABLE_TYPES: ReadonlySet<string> = new Set([
  'cryptocurrency-wallet', 'cryptocurrency-transaction', 'bank-account', 'phone-number', 'vessel', 'aircraft',
]);

/**
 * Link ends of a relationship or sighting, and the crime observables a report or grouping cites
 * (so crime-cyber-nexus finds a stored report from the wallet): stored in meta.links at
 * ingestion, followed by preload.ts.
 */
export function linkEndsOf(stix: Record<string, unknown>): string[] {
  if (stix.type === 'report' || stix.type === 'grouping') {
    const refs = Array.isArray(stix.object_refs) ? stix.object_refs : [];
    return refs.filter((r): r is string => typeof r === 'string' && CRIME_OBSERVABLE_TYPES.has(r.slice(0, r.indexOf('--'))));
  }
  if (stix.type === 'relationship') return [stix.source_ref, stix.target_ref].filter((x): x is string => typeof x === 'string');
  if (stix.type === 'sighting') {
    const w = Array.isArray(stix.where_sighted_refs) ? stix.where_sighted_refs : [];
    return [stix.sighting_of_ref, ...w].filter((x): x is string => typeof x === 'string');
  }
  return [];
}
