/**
 * Shapes shared by the correlation rules. Everything here is plain data: the engine that
 * schedules runs and reads the database builds these, the rules never touch storage.
 */

export type { Tlp } from '../auth/tlp';
import type { Tlp } from '../auth/tlp';
import type { Comparison, PatternValue } from '../stix/pattern';

/** A STIX object as stored: never modified by correlation. */
export type StixObject = Record<string, unknown> & { id: string; type: string };

/** Server-owned metadata kept beside each stored object (never inside it). */
export interface ObjectMeta {
  /** TAXII date_added, sortable fixed-width form. */
  date_added: string;
  /** STIX identity id of the submitting organisation. */
  organisation: string;
  /** Trust group (API root) the object was submitted to. */
  group: string;
  tlp: Tlp | null;
  /** Organisation identity ids allowed to read; empty = every member of the group. */
  readers: string[];
  /** Other trust groups this object has been released to (absent = none). */
  released_to?: string[];
}

export interface StoredObject {
  stix: StixObject;
  meta: ObjectMeta;
}

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

export type Severity = 'low' | 'medium' | 'high' | 'critical';

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
}

export type RuleFn = (input: RuleInput, config: import('./config').GroupCorrelationConfig) => AlertDraft[];
