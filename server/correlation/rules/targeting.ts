/**
 * Targeting: a threat linked by relationships, within config.targeting.maxHops, to an identity of
 * a critical sector or to a protected identity/infrastructure.
 *
 * Edges are followed from source to target (indicator -indicates-> malware -targets-> identity),
 * except config.targeting.reverseTypes, followed only backwards (an intrusion set reaches the
 * targets of the campaigns attributed to it). `attributed-to` forwards would lead from a threat
 * actor to the identity it is attributed to (a state or a person, STIX 2.1 §5.1.1): who is behind
 * it, not its victim, as the OASIS apt1 example showed (12 false targeting alerts). Following every edge both ways would link two malware families
 * that merely use the same technique. A sighting is an edge sighting_of_ref -sighted-at-> where_sighted_refs.
 *
 * Incremental: only paths that contain something new in this batch are reported; the alert id
 * depends on (threat, target) only, so a later, different path does not duplicate the alert.
 */
import { buildAlert, confidenceAdjusted, label } from '../alerts';
import type { GroupCorrelationConfig } from '../config';
import type { Edge, Graph } from '../graph';
import { isRevoked } from '../graph';
import type { AlertDraft, RuleInput, Severity, StoredObject } from '../types';

export const RULE = 'targeting';

export const THREAT_TYPES = new Set(['indicator', 'malware', 'threat-actor', 'intrusion-set', 'campaign', 'attack-pattern', 'tool']);

/** Sectors of `o` that the group counts as critical, or ["protected asset"]; empty if neither. */
export function criticalReasons(o: StoredObject, config: GroupCorrelationConfig): string[] {
  const s = o.stix;
  if (s.type !== 'identity' && s.type !== 'infrastructure') return [];
  if (config.protectedAssets.ids.includes(s.id)) return ['protected asset'];
  const sectors = Array.isArray(s.sectors) ? (s.sectors as unknown[]) : [];
  return sectors.filter((x): x is string => typeof x === 'string' && config.criticalSectors.includes(x));
}

interface Step {
  edge: Edge;
  prev: string;
}

function steps(graph: Graph, id: string, forward: Set<string>, reverse: Set<string>): { next: string; edge: Edge }[] {
  const out: { next: string; edge: Edge }[] = [];
  for (const e of graph.outEdges(id)) if (forward.has(e.type)) out.push({ next: e.to, edge: e });
  for (const e of graph.inEdges(id)) if (reverse.has(e.type)) out.push({ next: e.from, edge: e });
  // Deterministic paths whatever order the engine loaded things in.
  return out.sort((a, b) => (a.next === b.next ? (a.edge.via.stix.id < b.edge.via.stix.id ? -1 : 1) : a.next < b.next ? -1 : 1));
}

/** Threats from which a path of at most maxHops could pass through something new. */
function seeds(graph: Graph, config: GroupCorrelationConfig, forward: Set<string>, reverse: Set<string>): string[] {
  const dist = new Map<string, number>();
  let frontier: string[] = [];
  for (const o of graph.newObjects()) {
    const ids = [o.stix.id];
    if (o.stix.type === 'relationship') ids.push(String(o.stix.source_ref), String(o.stix.target_ref));
    if (o.stix.type === 'sighting') ids.push(String(o.stix.sighting_of_ref));
    for (const id of ids) {
      if (dist.has(id)) continue;
      dist.set(id, 0);
      frontier.push(id);
    }
  }
  for (let d = 1; d <= config.targeting.maxHops && frontier.length > 0; d++) {
    const next: string[] = [];
    // Walk edges backwards: who could reach the frontier?
    for (const id of frontier) {
      const back = [
        ...graph.inEdges(id).filter((e) => forward.has(e.type)).map((e) => e.from),
        ...graph.outEdges(id).filter((e) => reverse.has(e.type)).map((e) => e.to),
      ];
      for (const b of back) {
        if (dist.has(b)) continue;
        dist.set(b, d);
        next.push(b);
      }
    }
    frontier = next;
  }
  return [...dist.keys()].filter((id) => {
    const o = graph.get(id);
    return o !== undefined && THREAT_TYPES.has(o.stix.type) && !isRevoked(o.stix);
  }).sort();
}

function labelOf(graph: Graph, id: string): string {
  const o = graph.get(id);
  return o ? label(o) : id;
}

function severityFor(hops: number, reasons: string[], evidence: StoredObject[]): Severity {
  const base: Severity = reasons.includes('protected asset') ? 'critical' : hops === 1 ? 'high' : 'medium';
  return confidenceAdjusted(base, evidence);
}

export const targeting = (input: RuleInput, config: GroupCorrelationConfig): AlertDraft[] => {
  const { graph } = input;
  const listed = new Set(config.targeting.relationshipTypes);
  const reverse = new Set(config.targeting.reverseTypes.filter((t) => listed.has(t)));
  const forward = new Set([...listed].filter((t) => !reverse.has(t)));
  const alerts: AlertDraft[] = [];
  for (const threatId of seeds(graph, config, forward, reverse)) {
    const threat = graph.get(threatId) as StoredObject;
    const parent = new Map<string, Step | null>([[threatId, null]]);
    const fresh = new Map<string, boolean>([[threatId, graph.isNew(threatId)]]);
    let frontier = [threatId];
    for (let hop = 1; hop <= config.targeting.maxHops && frontier.length > 0; hop++) {
      const next: string[] = [];
      const layer = new Set<string>();
      for (const id of frontier) {
        for (const { next: n, edge } of steps(graph, id, forward, reverse)) {
          const isFresh = (fresh.get(id) ?? false) || graph.isNew(edge.via.stix.id) || graph.isNew(n);
          if (!parent.has(n)) {
            if (parent.size >= config.targeting.maxVisitedPerThreat) continue;
            parent.set(n, { edge, prev: id });
            fresh.set(n, isFresh);
            layer.add(n);
            next.push(n);
          } else if (layer.has(n) && isFresh && !fresh.get(n)) {
            // Same length, but through new data: prefer it so the alert is not lost as "old".
            parent.set(n, { edge, prev: id });
            fresh.set(n, true);
          }
        }
      }
      for (const n of next) {
        const target = graph.get(n);
        if (!target || isRevoked(target.stix) || !fresh.get(n)) continue;
        const reasons = criticalReasons(target, config);
        if (reasons.length === 0) continue;
        const path: StoredObject[] = [target];
        let chain = label(target);
        for (let cur = n, st = parent.get(cur); st; cur = st.prev, st = parent.get(cur)) {
          path.push(st.edge.via);
          const arrow = st.edge.from === st.prev ? `-${st.edge.type}->` : `<-${st.edge.type}-`;
          chain = `${labelOf(graph, st.prev)} ${arrow} ${chain}`;
          const prev = graph.get(st.prev);
          if (prev) path.push(prev);
        }
        const evidence = [...new Map(path.map((o) => [o.stix.id, o])).values()];
        const severity = severityFor(hop, reasons, evidence);
        const alert = buildAlert({
          group: input.group,
          rule: RULE,
          severity,
          name: `Threat linked to critical infrastructure: ${String(threat.stix.name ?? threat.stix.type)}`,
          explanation: `${label(threat)} is linked in ${hop} hop${hop > 1 ? 's' : ''} to ${label(target)} (${reasons.join(', ')}): ${chain}.`,
          evidence,
          key: [threatId, n],
          puenteIdentity: config.puenteIdentity,
        });
        if (alert) alerts.push(alert);
      }
      // A critical target ends a path: what lies behind it is reported from that target's own links.
      frontier = next.filter((id) => {
        const o = graph.get(id);
        return o === undefined || criticalReasons(o, config).length === 0;
      });
    }
  }
  return alerts;
};
