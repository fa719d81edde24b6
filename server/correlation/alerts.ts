/**
 * Alert construction. An alert is a STIX 2.1 grouping (context "suspicious-activity") whose
 * object_refs are its evidence. Everything in it is derived from the evidence and the config, so
 * a re-run over the same data yields the same id and the same bytes.
 */
import { TLP1_MARKING_IDS, TLP2_MARKING_IDS, mostRestrictive, tlpOf as tlpOfStix } from '../stix/markings';
import { uuidV5 } from '../names';
import { SEVERITIES, type AlertDraft, type Severity, type StoredObject, type StixObject, type Tlp } from './types';

/** Fixed namespace for Puente alert ids (UUIDv4, generated once; never change it). */
export const PUENTE_ALERT_NAMESPACE = '5b0f3c55-6a8e-4f0e-9d3a-3c1f1e7b2a41';

export { uuidV5 as uuidv5 } from '../names';

/** TLP 2.0 marking definitions (cti-stix-common-objects), shared with the read path. */
export const TLP_MARKINGS = TLP2_MARKING_IDS;

const TLP_IDS = new Set<string>([...Object.values(TLP2_MARKING_IDS), ...Object.values(TLP1_MARKING_IDS)]);

/** The TLP of one input: its server metadata, or a TLP marking on the object if that is stricter. */
export function tlpOf(o: StoredObject): Tlp | null {
  return mostRestrictive(o.meta.tlp, tlpOfStix(o.stix));
}

function markingRefs(stix: StixObject): string[] {
  return Array.isArray(stix.object_marking_refs) ? stix.object_marking_refs.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Markings of an alert over `inputs`: the strictest TLP, every non-TLP marking of any input
 * (statements, licences), and readers = intersection of the restricted inputs' readers.
 * Returns null when restricted inputs share no reader: nobody could read such an alert.
 */
export function combineMarkings(inputs: readonly StoredObject[]): { tlp: Tlp | null; readers: string[]; markingRefs: string[] } | null {
  let tlp: Tlp | null = null;
  let readers: Set<string> | null = null;
  const other = new Set<string>();
  for (const o of inputs) {
    tlp = mostRestrictive(tlp, tlpOf(o));
    for (const m of markingRefs(o.stix)) if (!TLP_IDS.has(m)) other.add(m);
    if (o.meta.readers.length > 0) {
      const r: Set<string> = new Set(o.meta.readers);
      readers = readers === null ? r : new Set([...readers].filter((x: string) => r.has(x)));
    }
  }
  if (readers !== null && readers.size === 0) return null;
  const refs = [...(tlp ? [TLP_MARKINGS[tlp]] : []), ...[...other].sort()];
  return { tlp, readers: readers ? [...readers].sort() : [], markingRefs: refs };
}

/** STIX timestamp with millisecond precision from a date_added (which may carry microseconds). */
export function stixTimestamp(dateAdded: string): string {
  const d = new Date(dateAdded);
  if (Number.isNaN(d.getTime())) throw new Error(`unparseable date_added "${dateAdded}"`);
  return d.toISOString();
}

/** Moves a severity up (+) or down (-), clamped to low..critical. */
export function shiftSeverity(s: Severity, by: number): Severity {
  return SEVERITIES[Math.max(0, Math.min(SEVERITIES.length - 1, SEVERITIES.indexOf(s) + by))];
}

/** Confidence below 50 on every evidence object that states one lowers the severity one step. */
export function confidenceAdjusted(s: Severity, evidence: readonly StoredObject[]): Severity {
  const stated = evidence.map((o) => o.stix.confidence).filter((c): c is number => typeof c === 'number');
  return stated.length > 0 && Math.max(...stated) < 50 ? shiftSeverity(s, -1) : s;
}

export interface AlertSpec {
  group: string;
  rule: string;
  severity: Severity;
  /** Short title for the grouping `name`. */
  name: string;
  explanation: string;
  /** Evidence the group can read; becomes object_refs. */
  evidence: readonly StoredObject[];
  /** Inputs that shaped the alert without being referenced (they still constrain markings). */
  context?: readonly StoredObject[];
  /** What makes this alert "the same" on a re-run; defaults to the sorted evidence ids. */
  key?: readonly string[];
  puenteIdentity: string;
}

/** Builds the grouping, or null if the evidence has no common reader. */
export function buildAlert(spec: AlertSpec): AlertDraft | null {
  if (spec.evidence.length === 0) return null;
  const markings = combineMarkings([...spec.evidence, ...(spec.context ?? [])]);
  if (!markings) return null;
  const refs = [...new Set(spec.evidence.map((o) => o.stix.id))].sort();
  const key = [...(spec.key ?? refs)].sort();
  const id = `grouping--${uuidV5(JSON.stringify([spec.group, spec.rule, key]), PUENTE_ALERT_NAMESPACE)}`;
  const dates = [...spec.evidence, ...(spec.context ?? [])].map((o) => stixTimestamp(o.meta.date_added)).sort();
  const stix: StixObject = {
    type: 'grouping',
    spec_version: '2.1',
    id,
    // From the evidence, not the clock: a re-run is byte-identical, more evidence is a newer version.
    created: dates[0],
    modified: dates[dates.length - 1],
    created_by_ref: spec.puenteIdentity,
    name: spec.name,
    description: `[${spec.severity.toUpperCase()}] ${spec.explanation}`,
    context: 'suspicious-activity',
    object_refs: refs,
    ...(markings.markingRefs.length > 0 ? { object_marking_refs: markings.markingRefs } : {}),
    x_puente_rule: spec.rule,
    x_puente_severity: spec.severity,
    x_puente_explanation: spec.explanation,
  };
  return { stix, meta: { tlp: markings.tlp, readers: markings.readers } };
}

/** A readable label for an object in explanations: `malware "Industroyer" (malware--…)`. */
export function label(o: StoredObject | StixObject): string {
  const s = 'stix' in o && typeof o.stix === 'object' ? (o as StoredObject).stix : (o as StixObject);
  const name = typeof s.name === 'string' ? ` "${s.name}"` : '';
  return `${s.type}${name} (${s.id})`;
}
