/**
 * What the influence rules call disinformation, written once: DISARM techniques (disarm.ts), the
 * actors that use them, and objects their authors label as disinformation.
 */
import type { DisarmTactic, DisarmTechnique, DisarmTechniques } from './disarm';
import { disarmTechniqueOf, emptyDisarm } from './disarm';
import type { Edge, Graph } from './graph';
import { isRevoked } from './graph';
import type { RuleInput, StixObject } from './types';

/** Infrastructure of influence operations (observable key prefixes): where content is hosted and who posts it. */
export const INFRASTRUCTURE_KEY = /^(domain|url|ipv4|ipv6|account):/;
export const INFLUENCE_ACTORS = new Set(['campaign', 'intrusion-set', 'threat-actor']);
/** Labels CERTs put on disinformation reports (English and Spanish). */
export const DISINFORMATION_LABEL = /disinformation|misinformation|desinformaci|influence|inauthentic|propaganda|fimi/i;
/** Labels of political and electoral targets. */
export const POLITICAL_LABEL = /politic|pol[ií]tic|election|electoral|elecci|\bvot(e|ing|aci)/i;

export interface DisarmUse {
  edge: Edge;
  /** Id of the attack-pattern used. */
  target: string;
  technique: DisarmTechnique | null;
  tactics: DisarmTactic[];
}

export function disarmOf(input: Pick<RuleInput, 'disarm'>): DisarmTechniques {
  return input.disarm ?? emptyDisarm();
}

/** The DISARM technique behind an attack-pattern id: the group's object if it holds it, else the reference bundle. */
export function disarmAt(graph: Graph, id: string, disarm: DisarmTechniques): { technique: DisarmTechnique | null; tactics: DisarmTactic[] } | null {
  const o = graph.get(id);
  if (o) return isRevoked(o.stix) ? null : disarmTechniqueOf(o.stix, disarm);
  const t = disarm.byStixId.get(id);
  return t ? { technique: t, tactics: t.tactics } : null;
}

/** `uses` edges from an actor to DISARM techniques. */
export function disarmUses(graph: Graph, actorId: string, disarm: DisarmTechniques): DisarmUse[] {
  const out: DisarmUse[] = [];
  for (const e of graph.outEdges(actorId)) {
    if (e.type !== 'uses') continue;
    const d = disarmAt(graph, e.to, disarm);
    if (d) out.push({ edge: e, target: e.to, ...d });
  }
  return out;
}

function labels(s: StixObject): string[] {
  return Array.isArray(s.labels) ? s.labels.filter((x): x is string => typeof x === 'string') : [];
}

/** A DISARM technique, an actor using one, or an object labelled as disinformation. */
export function isDisinformation(graph: Graph, id: string, disarm: DisarmTechniques): boolean {
  const o = graph.get(id);
  if (o && isRevoked(o.stix)) return false;
  if (disarmAt(graph, id, disarm)) return true;
  if (!o) return false;
  if (labels(o.stix).some((l) => DISINFORMATION_LABEL.test(l))) return true;
  return INFLUENCE_ACTORS.has(o.stix.type) && disarmUses(graph, id, disarm).length > 0;
}

/** Disinformation objects linked by one relationship (either direction) to `id`, with the edges. */
export function disinformationLinks(graph: Graph, id: string, disarm: DisarmTechniques): { other: string; edge: Edge }[] {
  const out: { other: string; edge: Edge }[] = [];
  for (const e of graph.outEdges(id)) if (e.type !== 'sighted-at' && isDisinformation(graph, e.to, disarm)) out.push({ other: e.to, edge: e });
  for (const e of graph.inEdges(id)) if (e.type !== 'sighted-at' && isDisinformation(graph, e.from, disarm)) out.push({ other: e.from, edge: e });
  return out;
}

export function isPoliticalTarget(s: StixObject): boolean {
  const sectors = Array.isArray(s.sectors) ? s.sectors.filter((x): x is string => typeof x === 'string') : [];
  return sectors.some((x) => x === 'government' || x.startsWith('government-')) || labels(s).some((l) => POLITICAL_LABEL.test(l));
}

export { labels as labelsOf };
