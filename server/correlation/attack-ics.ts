/**
 * ATT&CK for ICS technique lookup, built from a MITRE ATT&CK STIX 2.1 bundle
 * (mitre-attack/attack-stix-data, ics-attack). Reference data: loaded once, shared by all groups.
 *
 * In ics-attack-18.1 the current techniques cite `source_name: "mitre-attack"` (T0800–T0899) and
 * only the deprecated ones still cite "mitre-ics-attack"; what marks a technique as ICS is
 * x_mitre_domains ["ics-attack"] or a kill chain phase of "mitre-ics-attack".
 */

export interface IcsTechnique {
  stixId: string;
  /** ATT&CK id, e.g. "T0855". */
  externalId: string;
  name: string;
  /** Kill chain phases (ICS tactics), e.g. ["impair-process-control"]. */
  tactics: string[];
  deprecated: boolean;
}

export interface IcsTechniques {
  byStixId: ReadonlyMap<string, IcsTechnique>;
  byExternalId: ReadonlyMap<string, IcsTechnique>;
}

import { isDisarm, type DisarmTechniques } from './disarm';

export const ICS_KILL_CHAIN = 'mitre-ics-attack';
const ATTACK_SOURCES = new Set(['mitre-attack', 'mitre-ics-attack']);

type Obj = Record<string, unknown>;

function isIcs(o: Obj): boolean {
  const domains = Array.isArray(o.x_mitre_domains) ? o.x_mitre_domains : [];
  const phases = Array.isArray(o.kill_chain_phases) ? (o.kill_chain_phases as Obj[]) : [];
  return domains.includes('ics-attack') || phases.some((p) => p.kill_chain_name === ICS_KILL_CHAIN);
}

/** Builds the lookup from a bundle (or a bare array of objects). Revoked techniques are left out. */
export function loadIcsTechniques(bundle: { objects?: unknown[] } | unknown[]): IcsTechniques {
  const objects = (Array.isArray(bundle) ? bundle : (bundle.objects ?? [])) as Obj[];
  const byStixId = new Map<string, IcsTechnique>();
  const byExternalId = new Map<string, IcsTechnique>();
  for (const o of objects) {
    if (o.type !== 'attack-pattern' || o.revoked === true || !isIcs(o)) continue;
    const refs = Array.isArray(o.external_references) ? (o.external_references as Obj[]) : [];
    const ref = refs.find((r) => ATTACK_SOURCES.has(String(r.source_name)) && typeof r.external_id === 'string');
    if (!ref) continue;
    const phases = Array.isArray(o.kill_chain_phases) ? (o.kill_chain_phases as Obj[]) : [];
    const t: IcsTechnique = {
      stixId: String(o.id),
      externalId: String(ref.external_id),
      name: String(o.name ?? ''),
      tactics: phases.filter((p) => p.kill_chain_name === ICS_KILL_CHAIN).map((p) => String(p.phase_name)),
      deprecated: o.x_mitre_deprecated === true,
    };
    byStixId.set(t.stixId, t);
    // A current technique wins over a deprecated one with the same id.
    const prev = byExternalId.get(t.externalId);
    if (!prev || (prev.deprecated && !t.deprecated)) byExternalId.set(t.externalId, t);
  }
  return { byStixId, byExternalId };
}

/**
 * The ICS technique an attack-pattern stands for, as exporters write it (OpenCTI, MISP): MITRE's
 * own object by STIX id, or any author's attack-pattern citing the ATT&CK id in
 * external_references; one with only an ICS kill chain phase yields that phase (technique null).
 * A DISARM technique never counts (see disarm.ts: it cites "mitre-attack" with DISARM ids).
 */
export function icsTechniqueOf(o: Obj, ics: IcsTechniques, disarm: DisarmTechniques): { technique: IcsTechnique | null; phase?: string } | null {
  const own = ics.byStixId.get(String(o.id));
  if (own) return { technique: own };
  if (o.type !== 'attack-pattern' || isDisarm(o, disarm)) return null;
  const refs = Array.isArray(o.external_references) ? (o.external_references as Obj[]) : [];
  for (const r of refs) {
    if (!ATTACK_SOURCES.has(String(r.source_name))) continue;
    const t = ics.byExternalId.get(String(r.external_id));
    if (t) return { technique: t };
  }
  const phases = Array.isArray(o.kill_chain_phases) ? (o.kill_chain_phases as Obj[]) : [];
  const p = phases.find((x) => x.kill_chain_name === ICS_KILL_CHAIN);
  return p ? { technique: null, phase: String(p.phase_name) } : null;
}
