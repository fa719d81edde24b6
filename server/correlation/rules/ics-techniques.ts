/**
 * ICS techniques: an object that uses a MITRE ATT&CK for ICS technique, either through a
 * `uses` relationship to the technique's attack-pattern (by STIX id), or by naming the technique
 * in its own external_references (T0800–T0899 with source mitre-attack / mitre-ics-attack) or
 * kill_chain_phases ("mitre-ics-attack"). The attack-pattern may be MITRE's or any author's that
 * cites the ICS technique or has only the ICS kill chain (icsTechniqueOf). DISARM techniques, which
 * cite "mitre-attack" with their own ids, never count. One alert per (user, technique).
 */
import { buildAlert, confidenceAdjusted, label } from '../alerts';
import type { IcsTechnique } from '../attack-ics';
import { ICS_KILL_CHAIN, icsTechniqueOf } from '../attack-ics';
import { emptyDisarm, isDisarm } from '../disarm';
import type { GroupCorrelationConfig } from '../config';
import { isRevoked } from '../graph';
import type { AlertDraft, RuleInput, Severity, StoredObject } from '../types';

export const RULE = 'ics-techniques';

/** Tactics that act on the physical process: a user of these is worse than one that only discovers. */
const PHYSICAL_TACTICS = new Set(['impair-process-control', 'inhibit-response-function', 'impact']);
const ACTORS = new Set(['malware', 'tool', 'intrusion-set', 'threat-actor', 'campaign']);

interface Hit {
  user: StoredObject;
  technique: IcsTechnique | null;
  /** Kill chain phase named without a known technique (e.g. a phase on an indicator). */
  phase?: string;
  evidence: StoredObject[];
  how: string;
}

function severityFor(hit: Hit): Severity {
  const physical = hit.technique ? hit.technique.tactics.some((t) => PHYSICAL_TACTICS.has(t)) : PHYSICAL_TACTICS.has(hit.phase ?? '');
  let base: Severity = ACTORS.has(hit.user.stix.type) ? 'high' : 'medium';
  if (physical && base === 'high') base = 'critical';
  else if (physical) base = 'high';
  return confidenceAdjusted(base, hit.evidence);
}

function selfDeclared(o: StoredObject, input: RuleInput): Hit[] {
  const hits: Hit[] = [];
  const s = o.stix;
  if (s.type === 'attack-pattern' || s.type === 'relationship') return hits;
  if (isDisarm(s, input.disarm ?? emptyDisarm())) return hits;
  const refs = Array.isArray(s.external_references) ? (s.external_references as Record<string, unknown>[]) : [];
  for (const r of refs) {
    const source = String(r.source_name);
    if (source !== 'mitre-attack' && source !== 'mitre-ics-attack') continue;
    const t = input.ics.byExternalId.get(String(r.external_id));
    if (t) hits.push({ user: o, technique: t, evidence: [o], how: `cites ${t.externalId} in external_references` });
  }
  const phases = Array.isArray(s.kill_chain_phases) ? (s.kill_chain_phases as Record<string, unknown>[]) : [];
  for (const p of phases) {
    if (p.kill_chain_name !== ICS_KILL_CHAIN) continue;
    hits.push({ user: o, technique: null, phase: String(p.phase_name), evidence: [o], how: `has ICS kill chain phase "${String(p.phase_name)}"` });
  }
  return hits;
}

function viaRelationship(rel: StoredObject, input: RuleInput): Hit | null {
  const s = rel.stix;
  if (s.type !== 'relationship' || s.relationship_type !== 'uses') return null;
  const target = String(s.target_ref);
  const ap = input.graph.get(target);
  const found = ap && !isRevoked(ap.stix)
    ? icsTechniqueOf(ap.stix, input.ics, input.disarm ?? emptyDisarm())
    : input.ics.byStixId.has(target) ? { technique: input.ics.byStixId.get(target) ?? null } : null;
  const user = input.graph.get(String(s.source_ref));
  if (!found || !user || isRevoked(user.stix)) return null;
  const t = found.technique;
  // The technique is referenced only if the group holds it; otherwise it is named in the text.
  const evidence = [user, rel, ...(ap ? [ap] : [])];
  if (t) return { user, technique: t, evidence, how: `uses ${t.externalId} (${rel.stix.id})` };
  return { user, technique: null, phase: found.phase, evidence, how: `uses ${ap ? label(ap) : target} with ICS kill chain phase "${String(found.phase)}" (${rel.stix.id})` };
}

export const icsTechniques = (input: RuleInput, config: GroupCorrelationConfig): AlertDraft[] => {
  const byKey = new Map<string, Hit>();
  for (const o of input.graph.newObjects()) {
    if (isRevoked(o.stix)) continue;
    const hits = o.stix.type === 'relationship' ? [viaRelationship(o, input)].filter((h): h is Hit => h !== null) : selfDeclared(o, input);
    for (const h of hits) {
      const key = `${h.user.stix.id}|${h.technique?.stixId ?? `phase:${h.phase}`}`;
      // Prefer the relationship form: it carries more evidence.
      const prev = byKey.get(key);
      if (!prev || h.evidence.length > prev.evidence.length) byKey.set(key, h);
    }
  }
  const alerts: AlertDraft[] = [];
  for (const [key, h] of [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const what = h.technique ? `ATT&CK for ICS technique ${h.technique.externalId} "${h.technique.name}" (${h.technique.tactics.join(', ')})` : `ICS tactic "${h.phase}"`;
    const alert = buildAlert({
      group: input.group,
      rule: RULE,
      severity: severityFor(h),
      name: `ICS technique: ${String(h.user.stix.name ?? h.user.stix.type)} / ${h.technique?.externalId ?? h.phase}`,
      explanation: `${label(h.user)} ${h.how}: ${what}.`,
      evidence: h.evidence,
      key: key.split('|'),
      puenteIdentity: config.puenteIdentity,
    });
    if (alert) alerts.push(alert);
  }
  return alerts;
};
