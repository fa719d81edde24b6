import { IDENTITY_ID } from '../names';

/**
 * STIX marking facts: TLP levels, the well-known marking definitions and how an object's TLP is
 * read from its markings. Who may see or release what is decided in auth/visibility.ts.
 * TLP 2.0 marking ids: cti-stix-common-objects; TLP 1.0 ids: STIX 2.1 §7.2.1.4.
 */
export type Tlp = 'clear' | 'green' | 'amber' | 'amber+strict' | 'red';

const RANK: Readonly<Record<Tlp, number>> = { clear: 0, green: 1, amber: 2, 'amber+strict': 3, red: 4 };

export function isTlp(v: unknown): v is Tlp {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(RANK, v);
}

export const TLP2_MARKING_IDS: Readonly<Record<Tlp, string>> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

/** STIX 2.1 §7.2.1.4; TLP 1.0 WHITE is TLP 2.0 CLEAR. */
export const TLP1_MARKING_IDS: Readonly<Record<'white' | 'green' | 'amber' | 'red', string>> = {
  white: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  green: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
  amber: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
  red: 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed',
};

const TLP1_TO_2: Readonly<Record<string, Tlp>> = { white: 'clear', green: 'green', amber: 'amber', red: 'red' };

/** The TLP 2.0 property extension used by the common-objects marking definitions. */
export const TLP2_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

const KNOWN_MARKINGS: ReadonlyMap<string, Tlp> = new Map<string, Tlp>([
  ...(Object.entries(TLP2_MARKING_IDS) as [Tlp, string][]).map(([tlp, id]): [string, Tlp] => [id, tlp]),
  ...Object.entries(TLP1_MARKING_IDS).map(([tlp1, id]): [string, Tlp] => [id, TLP1_TO_2[tlp1]]),
]);

/** Custom properties naming the organisations an AMBER or RED object is for. Travels with the object. */
export const RECIPIENTS_PROPERTY = 'x_puente_recipients';

export function mostRestrictive(a: Tlp | null, b: Tlp | null): Tlp | null {
  if (a === null) return b;
  if (b === null) return a;
  return RANK[a] >= RANK[b] ? a : b;
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/**
 * The TLP level a marking-definition object defines: a well-known id, the TLP 2.0 extension
 * (`tlp_2_0`), or a TLP 1.0 `definition_type: "tlp"`. null for any other marking (e.g. a statement).
 */
export function tlpDefinedBy(markingDefinition: Record<string, unknown>): Tlp | null {
  if (markingDefinition.type !== 'marking-definition') return null;
  const known = typeof markingDefinition.id === 'string' ? KNOWN_MARKINGS.get(markingDefinition.id) : undefined;
  if (known) return known;
  const ext = asRecord(asRecord(markingDefinition.extensions)?.[TLP2_EXTENSION_ID]);
  const level = typeof ext?.tlp_2_0 === 'string' ? ext.tlp_2_0.toLowerCase() : undefined;
  if (isTlp(level)) return level;
  const tlp1 = asRecord(markingDefinition.definition)?.tlp;
  if (markingDefinition.definition_type === 'tlp' && typeof tlp1 === 'string') {
    return Object.prototype.hasOwnProperty.call(TLP1_TO_2, tlp1.toLowerCase()) ? TLP1_TO_2[tlp1.toLowerCase()] : null;
  }
  return null;
}

function markingRefs(stixObject: Record<string, unknown>): string[] {
  const refs: unknown[] = [];
  const omr = stixObject.object_marking_refs;
  // A bare string is malformed STIX; reading it anyway errs on the restrictive side.
  refs.push(...(Array.isArray(omr) ? omr : [omr]));
  if (Array.isArray(stixObject.granular_markings)) {
    for (const g of stixObject.granular_markings) refs.push(asRecord(g)?.marking_ref);
  }
  return refs.filter((r): r is string => typeof r === 'string');
}

/**
 * The object's TLP: the most restrictive TLP among object_marking_refs and granular_markings
 * (a granular TLP on one property marks the whole object: objects are served whole).
 * `resolve` looks up marking definitions that are not well known (e.g. stored in the group).
 * For a marking-definition object this is how *it* is marked, not what it defines: see tlpDefinedBy.
 */
export function tlpOf(stixObject: Record<string, unknown>, resolve?: (markingId: string) => Tlp | null): Tlp | null {
  let tlp: Tlp | null = null;
  for (const ref of markingRefs(stixObject)) {
    tlp = mostRestrictive(tlp, KNOWN_MARKINGS.get(ref) ?? resolve?.(ref) ?? null);
  }
  return tlp;
}

/** x_puente_recipients, lower-cased, malformed entries dropped (dropping only narrows who sees). */
export function recipientsOf(stixObject: Record<string, unknown>): string[] {
  const raw = stixObject[RECIPIENTS_PROPERTY];
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((r): r is string => typeof r === 'string')
    .map((r) => r.toLowerCase())
    .filter((r) => IDENTITY_ID.test(r));
}
