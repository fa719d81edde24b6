/**
 * Indicator decay for exports (issue 10, "Indicator lifecycle"). A trust group may give each kind
 * of exported value a lifetime in days (PUENTE_INDICATOR_LIFETIMES, e.g. IPs 30, hashes 365). An
 * indicator's value whose lifetime has run out drops out of exports (a firewall list should not
 * block an address for ever); TAXII reads, search and correlation are never affected.
 *
 * The lifetime runs from the indicator's latest version (`modified`, so a new version renews it)
 * or from its newest sighting the caller may read (`last_seen`, else `first_seen`, else `created`,
 * never later than the sighting's date_added), whichever is later. An indicator none of whose
 * values is still alive is left out and counted in X-Puente-Decayed. SCOs do not decay: they
 * are facts, not detections.
 */
import { OBSERVABLES, type ExportValue, type Observable } from './values';

export type Lifetimes = Partial<Record<Observable, number>>;

/** Per trust group, `*` for every group without its own entry. */
export type DecayConfig = ReadonlyMap<string, Lifetimes>;

const DAY_MS = 86_400_000;

/** Parses the setting; a mistake is named (start-up stops with it), never ignored. */
export function parseLifetimes(json: string | undefined): DecayConfig {
  const out = new Map<string, Lifetimes>();
  if (json === undefined) return out;
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new Error('is not JSON: give {"<trust group> or *": {"<observable kind>": <days>}}');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('must be an object of trust groups');
  for (const [group, kinds] of Object.entries(v as Record<string, unknown>)) {
    if (typeof kinds !== 'object' || kinds === null || Array.isArray(kinds)) throw new Error(`"${group}" must map observable kinds to days`);
    const l: Lifetimes = {};
    for (const [kind, days] of Object.entries(kinds as Record<string, unknown>)) {
      if (!(OBSERVABLES as readonly string[]).includes(kind)) throw new Error(`"${group}": "${kind}" is not one of ${OBSERVABLES.join(', ')}`);
      if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 36_500) throw new Error(`"${group}": ${kind} takes a whole number of days from 1 to 36500`);
      l[kind as Observable] = days;
    }
    out.set(group, l);
  }
  return out;
}

export function lifetimesOf(cfg: DecayConfig, group: string): Lifetimes | undefined {
  const l = cfg.get(group) ?? cfg.get('*');
  return l && Object.keys(l).length ? l : undefined;
}

/** When an indicator's life started by itself: its latest version's `modified` (else `created`). */
export function ownStart(stix: Record<string, unknown>): number {
  const t = Date.parse(typeof stix.modified === 'string' ? stix.modified : typeof stix.created === 'string' ? stix.created : '');
  return Number.isNaN(t) ? 0 : t;
}

/** When a sighting says the indicator was last seen, never later than when the hub received it. */
export function sightingTime(stix: Record<string, unknown>, dateAdded: string): number {
  const said = [stix.last_seen, stix.first_seen, stix.created].find((x): x is string => typeof x === 'string');
  const t = said === undefined ? NaN : Date.parse(said);
  const added = Date.parse(dateAdded);
  if (Number.isNaN(t)) return Number.isNaN(added) ? 0 : added;
  return Number.isNaN(added) ? t : Math.min(t, added);
}

/** The values still alive at `at`, given when the indicator's life last started. */
export function aliveValues(values: ExportValue[], lifetimes: Lifetimes, start: number, at: number): ExportValue[] {
  return values.filter((v) => {
    const days = lifetimes[v.kind];
    return days === undefined || at - start < days * DAY_MS;
  });
}
