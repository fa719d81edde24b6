/**
 * DISARM (red framework: disinformation tactics and techniques) lookup, built from the DISARM
 * Foundation's STIX 2.1 bundle (reference/disarm, CC BY-SA 4.0). Reference data: loaded once.
 *
 * DISARM's STIX export borrows ATT&CK's vocabulary: its techniques cite
 * `source_name: "mitre-attack"` with DISARM ids (T0002, T0085.001) and kill chain "mitre-attack"
 * with DISARM phase names (plan-objectives, develop-narratives). They are not ATT&CK techniques.
 * What marks DISARM: the DISARM Foundation identity as author, a "DISARM" source or a
 * DISARMFoundation URL, a kill chain named "disarm", a DISARM tactic as phase name, or an id in
 * DISARM's namespace (T0001–T0799: ATT&CK for ICS is T0800–T0899, Enterprise T1xxx) that the bundle defines.
 */

export interface DisarmTactic {
  /** DISARM id, e.g. "TA06". */
  externalId: string;
  name: string;
  /** Phase name used in kill_chain_phases, e.g. "develop-content". */
  shortname: string;
}

export interface DisarmTechnique {
  stixId: string;
  /** DISARM id, e.g. "T0085.001". */
  externalId: string;
  name: string;
  tactics: DisarmTactic[];
}

export interface DisarmTechniques {
  byStixId: ReadonlyMap<string, DisarmTechnique>;
  byExternalId: ReadonlyMap<string, DisarmTechnique>;
  tactics: ReadonlyMap<string, DisarmTactic>;
}

/** The DISARM Foundation identity that authors the bundle (created_by_ref of every object). */
export const DISARM_IDENTITY = 'identity--f1a0f560-2d9e-4c5d-bf47-7e96e805de82';
export const DISARM_KILL_CHAIN = 'disarm';
/** DISARM's technique ids: below ATT&CK for ICS (T0800–T0899). */
const DISARM_ID = /^T0[0-7]\d\d(\.\d{3})?$/;

type Obj = Record<string, unknown>;

const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Obj[]) : []);

export function emptyDisarm(): DisarmTechniques {
  return { byStixId: new Map(), byExternalId: new Map(), tactics: new Map() };
}

/** Builds the lookup from the DISARM bundle (or a bare array of objects). Revoked techniques are left out. */
export function loadDisarmTechniques(bundle: { objects?: unknown[] } | unknown[]): DisarmTechniques {
  const objects = list(Array.isArray(bundle) ? bundle : bundle.objects);
  const tactics = new Map<string, DisarmTactic>();
  for (const o of objects) {
    if (o.type !== 'x-mitre-tactic' || typeof o.x_mitre_shortname !== 'string') continue;
    const ref = list(o.external_references).find((r) => typeof r.external_id === 'string');
    tactics.set(o.x_mitre_shortname, { externalId: String(ref?.external_id ?? ''), name: String(o.name ?? ''), shortname: o.x_mitre_shortname });
  }
  const byStixId = new Map<string, DisarmTechnique>();
  const byExternalId = new Map<string, DisarmTechnique>();
  for (const o of objects) {
    if (o.type !== 'attack-pattern' || o.revoked === true || o.created_by_ref !== DISARM_IDENTITY) continue;
    const ref = list(o.external_references).find((r) => typeof r.external_id === 'string' && DISARM_ID.test(r.external_id));
    if (!ref) continue;
    const t: DisarmTechnique = {
      stixId: String(o.id),
      externalId: String(ref.external_id),
      name: String(o.name ?? ''),
      tactics: list(o.kill_chain_phases).map((p) => tactics.get(String(p.phase_name))).filter((x): x is DisarmTactic => x !== undefined),
    };
    byStixId.set(t.stixId, t);
    byExternalId.set(t.externalId, t);
  }
  return { byStixId, byExternalId, tactics };
}

/**
 * True when an object is (or names) a DISARM technique rather than an ATT&CK one. Used to keep
 * DISARM out of the ICS rule, whatever source_name the object cites.
 */
export function isDisarm(o: Obj, disarm: DisarmTechniques): boolean {
  if (disarm.byStixId.has(String(o.id)) || o.created_by_ref === DISARM_IDENTITY) return true;
  for (const p of list(o.kill_chain_phases)) {
    const chain = String(p.kill_chain_name).toLowerCase();
    if (chain === DISARM_KILL_CHAIN || (chain === 'mitre-attack' && disarm.tactics.has(String(p.phase_name)))) return true;
  }
  for (const r of list(o.external_references)) {
    if (String(r.source_name).toLowerCase() === 'disarm') return true;
    if (typeof r.url === 'string' && /disarmfoundation/i.test(r.url)) return true;
    if (typeof r.external_id === 'string' && DISARM_ID.test(r.external_id) && disarm.byExternalId.has(r.external_id)) return true;
  }
  return false;
}

/**
 * The DISARM technique an attack-pattern stands for: the bundle's own object by STIX id, or a
 * CERT's attack-pattern recognised as DISARM that cites a DISARM id; a DISARM-tagged pattern
 * with no known id yields its tactics only (technique null).
 */
export function disarmTechniqueOf(o: Obj, disarm: DisarmTechniques): { technique: DisarmTechnique | null; tactics: DisarmTactic[] } | null {
  const own = disarm.byStixId.get(String(o.id));
  if (own) return { technique: own, tactics: own.tactics };
  if (o.type !== 'attack-pattern' || !isDisarm(o, disarm)) return null;
  const ref = list(o.external_references).find((r) => typeof r.external_id === 'string' && disarm.byExternalId.has(r.external_id));
  const technique = ref ? (disarm.byExternalId.get(String(ref.external_id)) ?? null) : null;
  const phases = list(o.kill_chain_phases).map((p) => disarm.tactics.get(String(p.phase_name))).filter((x): x is DisarmTactic => x !== undefined);
  const tactics = phases.length > 0 ? phases : (technique?.tactics ?? []);
  return technique || tactics.length > 0 ? { technique, tactics } : null;
}
