/**
 * Shapes shared by the correlation rules. Everything here is plain data: the engine that
 * schedules runs and reads the database builds these, the rules never touch storage.
 */

export type { Tlp } from '../stix/markings';
import type { Tlp } from '../stix/markings';
import type { Comparison, PatternValue } from '../stix/pattern';

export type { ObjectMeta, StixObject, StoredObject } from './stored';
import type { StixObject } from './stored';

/** What the server knows about an observable in ANOTHER trust group: keys and counts, never objects. */
export interface ExternalObservation {
  /** Normalised observable key, see observables.ts. */
  key: string;
  group: string;
  organisations: string[];
  count: number;
  /** Newest date_added among the counted objects. */
  last_seen: string;
}

/** Alert severities, lowest first (the order shiftSeverity and notification thresholds use). */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A STIX grouping ready to store, plus the metadata the store needs to guard it. */
export interface AlertDraft {
  stix: StixObject;
  meta: { tlp: Tlp | null; readers: string[] };
}

export type { Comparison, PatternValue };

/** Parses a STIX pattern into its comparisons; null when the pattern does not parse. */
export type ComparisonsOf = (pattern: string) => Comparison[] | null;

/** Everything a rule sees for one trust group and one batch. */
export interface RuleInput {
  group: string;
  /** New objects plus the preloaded stored ones, all readable by `group`. */
  graph: import('./graph').Graph;
  /** Other groups' sightings of this batch's observable keys: counts only, no objects. */
  external: readonly ExternalObservation[];
  comparisonsOf: ComparisonsOf;
  ics: import('./attack-ics').IcsTechniques;
  /** DISARM reference data (influence rules; keeps DISARM out of the ICS rule). Empty when absent. */
  disarm?: import('./disarm').DisarmTechniques;
}

export type RuleFn = (input: RuleInput, config: import('./config').GroupCorrelationConfig) => AlertDraft[];
