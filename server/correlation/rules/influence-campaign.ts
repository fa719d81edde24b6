/**
 * Influence campaign: a campaign, intrusion set or threat actor that uses DISARM techniques
 * (disinformation) from at least `influence.minTactics` DISARM tactics within `influence.windowDays`,
 * or any DISARM technique while it targets a government identity, a political or electoral target
 * (labels), or a declared election (a location in the election's country, or a target named after it).
 *
 * An alert about a declared election rises one step from `escalationDays` before its start to its
 * end, judged on the newest evidence (the rule never reads the clock). One alert per actor; more
 * evidence makes a newer version of it.
 */
import { buildAlert, confidenceAdjusted, label, shiftSeverity, stixTimestamp } from '../alerts';
import type { Election, GroupCorrelationConfig } from '../config';
import type { DisarmTactic } from '../disarm';
import { isRevoked } from '../graph';
import { INFLUENCE_ACTORS, disarmOf, disarmUses, isPoliticalTarget, labelsOf, type DisarmUse } from '../influence';
import type { AlertDraft, RuleInput, Severity, StoredObject } from '../types';

export const RULE = 'influence-campaign';

const DAY_MS = 86_400_000;

function electionsConcerned(target: StoredObject, elections: readonly Election[]): Election[] {
  const s = target.stix;
  const text = [typeof s.name === 'string' ? s.name : '', ...labelsOf(s)].join(' ').toLowerCase();
  return elections.filter((e) =>
    (s.type === 'location' && typeof s.country === 'string' && s.country.toUpperCase() === e.country.toUpperCase()) ||
    text.includes(e.name.toLowerCase()),
  );
}

function tacticText(t: DisarmTactic): string {
  return `${t.externalId} ${t.name}`;
}

function useText(u: DisarmUse, graph: RuleInput['graph']): string {
  if (u.technique) return `${u.technique.externalId} "${u.technique.name}"`;
  const o = graph.get(u.target);
  return o ? label(o) : u.target;
}

export const influenceCampaign = (input: RuleInput, config: GroupCorrelationConfig): AlertDraft[] => {
  const { graph } = input;
  const disarm = disarmOf(input);
  const { windowDays, minTactics, elections, escalationDays } = config.influence;
  const actors = new Set<string>();
  for (const o of graph.newObjects()) {
    if (INFLUENCE_ACTORS.has(o.stix.type)) actors.add(o.stix.id);
    if (o.stix.type === 'relationship') actors.add(String(o.stix.source_ref));
  }
  const alerts: AlertDraft[] = [];
  for (const actorId of [...actors].sort()) {
    const actor = graph.get(actorId);
    if (!actor || !INFLUENCE_ACTORS.has(actor.stix.type) || isRevoked(actor.stix)) continue;
    const all = disarmUses(graph, actorId, disarm);
    if (all.length === 0) continue;
    // The uses within windowDays of the newest one.
    const newest = Math.max(...all.map((u) => Date.parse(u.edge.via.meta.date_added)));
    const uses = all
      .filter((u) => Date.parse(u.edge.via.meta.date_added) >= newest - windowDays * DAY_MS)
      .sort((a, b) => (a.edge.via.stix.id < b.edge.via.stix.id ? -1 : 1));
    const tactics = new Map<string, DisarmTactic>();
    for (const u of uses) for (const t of u.tactics) tactics.set(t.externalId, t);

    const targets: { rel: StoredObject; target: StoredObject; why: string; elections: Election[] }[] = [];
    for (const e of graph.outEdges(actorId)) {
      if (e.type !== 'targets') continue;
      const target = graph.get(e.to);
      if (!target || isRevoked(target.stix)) continue;
      const concerned = electionsConcerned(target, elections);
      const political = isPoliticalTarget(target.stix);
      if (!political && concerned.length === 0) continue;
      const why = concerned.length > 0 ? `election ${concerned.map((x) => `"${x.name}" (${x.country})`).join(', ')}` : 'government or political target';
      targets.push({ rel: e.via, target, why, elections: concerned });
    }
    if (tactics.size < minTactics && targets.length === 0) continue;

    const evidence = [
      actor,
      ...uses.flatMap((u) => [u.edge.via, ...(graph.get(u.target) ? [graph.get(u.target) as StoredObject] : [])]),
      ...targets.flatMap((t) => [t.rel, t.target]),
    ];
    const unique = [...new Map(evidence.map((o) => [o.stix.id, o])).values()];
    if (!unique.some((o) => graph.isNew(o.stix.id))) continue;

    let severity: Severity = targets.length > 0 || tactics.size >= 3 ? 'high' : 'medium';
    const last = Math.max(...unique.map((o) => Date.parse(stixTimestamp(o.meta.date_added))));
    const upcoming = targets.flatMap((t) => t.elections).filter((e) => last >= Date.parse(e.start) - escalationDays * DAY_MS && last <= Date.parse(e.end) + DAY_MS);
    if (upcoming.length > 0) severity = shiftSeverity(severity, 1);
    severity = confidenceAdjusted(severity, unique);

    const techniques = [...new Set(uses.map((u) => useText(u, graph)))].sort();
    const tacticList = [...tactics.values()].sort((a, b) => (a.externalId < b.externalId ? -1 : 1)).map(tacticText);
    const against = targets.length > 0 ? ` against ${targets.map((t) => `${label(t.target)} (${t.why})`).join(', ')}` : '';
    const soon = upcoming.length > 0 ? ` Within ${escalationDays} days of ${[...new Set(upcoming.map((e) => `"${e.name}"`))].join(', ')}: severity raised.` : '';
    const alert = buildAlert({
      group: input.group,
      rule: RULE,
      severity,
      name: `Influence campaign: ${String(actor.stix.name ?? actor.stix.type)}`,
      explanation:
        `${label(actor)} uses DISARM technique${techniques.length > 1 ? 's' : ''} ${techniques.join(', ')} ` +
        `from ${tacticList.length} DISARM tactic${tacticList.length === 1 ? '' : 's'} (${tacticList.join('; ') || 'none named'})${against}.${soon}`,
      evidence: unique,
      key: [actorId],
      puenteIdentity: config.puenteIdentity,
    });
    if (alert) {
      // Machine-readable too: which DISARM ids and tactics the alert is about.
      alert.stix.x_puente_disarm_techniques = [...new Set(uses.map((u) => u.technique?.externalId).filter((x): x is string => !!x))].sort();
      alert.stix.x_puente_disarm_tactics = tacticList;
      alerts.push(alert);
    }
  }
  return alerts;
};
