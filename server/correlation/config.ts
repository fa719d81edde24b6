/**
 * Per-trust-group correlation settings. Each group decides what critical infrastructure means
 * for it; the defaults below are a starting point, not a policy.
 */

/** STIX 2.1 industry-sector-ov (identity.json schema), for validating configured sectors. */
export const INDUSTRY_SECTORS: readonly string[] = [
  'agriculture', 'aerospace', 'automotive', 'chemical', 'commercial', 'communications', 'construction',
  'defense', 'education', 'energy', 'engineering', 'entertainment', 'financial-services', 'government',
  'emergency-services', 'government-local', 'government-national', 'government-public-services',
  'government-regional', 'healthcare', 'hospitality-leisure', 'infrastructure', 'dams', 'nuclear', 'water',
  'insurance', 'manufacturing', 'mining', 'non-profit', 'pharmaceuticals', 'retail', 'technology',
  'telecommunications', 'transportation', 'utilities',
];

export const DEFAULT_CRITICAL_SECTORS: readonly string[] = [
  'energy', 'utilities', 'water', 'dams', 'nuclear', 'telecommunications', 'communications', 'healthcare',
  'transportation', 'financial-services', 'government', 'government-national', 'government-regional',
  'government-local', 'government-public-services', 'defense', 'emergency-services', 'mining',
  'infrastructure', 'chemical',
];

export interface ProtectedAssets {
  /** identity--… and infrastructure--… ids. */
  ids: string[];
  /** IPv4/IPv6 ranges, e.g. "192.0.2.0/24"; a bare address means a single host. */
  cidrs: string[];
  /** A domain protects itself and every subdomain. */
  domains: string[];
  /** Autonomous system numbers. */
  asns: number[];
}

/** An election the group watches (influence-campaign): alerts about it rise one step before it. */
export interface Election {
  name: string;
  /** ISO 3166-1 alpha-2, compared with location.country of the targets. */
  country: string;
  /** First and last day (YYYY-MM-DD or ISO timestamps). */
  start: string;
  end: string;
}

export interface GroupCorrelationConfig {
  /** Trust group (API root) this configuration belongs to. */
  group: string;
  /** Identity that signs alerts (created_by_ref), fixed per deployment. */
  puenteIdentity: string;
  criticalSectors: string[];
  protectedAssets: ProtectedAssets;
  targeting: {
    maxHops: number;
    /** Relationship types followed from source to target. */
    relationshipTypes: string[];
    /** Of those, types followed only from target to source (an intrusion set inherits its campaigns' targets; never to the identity a threat is attributed to). */
    reverseTypes: string[];
    /** Cap on nodes one traversal may visit, so a hub cannot make a run quadratic. */
    maxVisitedPerThreat: number;
  };
  recurrence: {
    windowDays: number;
    minOrganisations: number;
    minGroups: number;
    /** Most evidence objects one recurrence alert references. */
    maxEvidence: number;
  };
  influence: {
    /** DISARM techniques of one actor count together when their uses lie within this many days. */
    windowDays: number;
    /** Distinct DISARM tactics that make an actor an influence campaign without a sensitive target. */
    minTactics: number;
    elections: Election[];
    /** Alerts concerning an election rise one severity step from this many days before its start until its end. */
    escalationDays: number;
  };
}

export const DEFAULT_RELATIONSHIP_TYPES: readonly string[] = [
  'targets', 'indicates', 'uses', 'attributed-to', 'compromises', 'delivers', 'drops', 'downloads',
  'communicates-with', 'exploits', 'beacons-to', 'exfiltrates-to', 'hosts', 'controls', 'owns',
  'consists-of', 'variant-of', 'impersonates', 'sighted-at',
];

export function defaultConfig(group: string, puenteIdentity: string): GroupCorrelationConfig {
  return {
    group,
    puenteIdentity,
    criticalSectors: [...DEFAULT_CRITICAL_SECTORS],
    protectedAssets: { ids: [], cidrs: [], domains: [], asns: [] },
    targeting: {
      maxHops: 2,
      relationshipTypes: [...DEFAULT_RELATIONSHIP_TYPES],
      reverseTypes: ['attributed-to'],
      maxVisitedPerThreat: 5000,
    },
    recurrence: { windowDays: 30, minOrganisations: 2, minGroups: 2, maxEvidence: 50 },
    influence: { windowDays: 30, minTactics: 2, elections: [], escalationDays: 60 },
  };
}

/** Fails fast on a configuration that would silently match nothing. */
export function validateConfig(config: GroupCorrelationConfig): string[] {
  const problems: string[] = [];
  for (const s of config.criticalSectors) {
    if (!INDUSTRY_SECTORS.includes(s)) problems.push(`unknown sector "${s}"`);
  }
  for (const id of config.protectedAssets.ids) {
    if (!/^(identity|infrastructure)--[0-9a-f-]{36}$/.test(id)) problems.push(`protected asset "${id}" is not an identity or infrastructure id`);
  }
  if (!/^identity--[0-9a-f-]{36}$/.test(config.puenteIdentity)) problems.push('puenteIdentity must be an identity id');
  if (config.targeting.maxHops < 1) problems.push('targeting.maxHops must be at least 1');
  if (config.recurrence.windowDays <= 0) problems.push('recurrence.windowDays must be positive');
  if (config.influence.windowDays <= 0) problems.push('influence.windowDays must be positive');
  if (config.influence.minTactics < 1) problems.push('influence.minTactics must be at least 1');
  for (const e of config.influence.elections) {
    const what = `election "${String(e?.name)}"`;
    if (!e || typeof e.name !== 'string' || e.name.trim() === '') problems.push('an election needs a name');
    else if (typeof e.country !== 'string' || !/^[A-Za-z]{2}$/.test(e.country)) problems.push(`${what}: country must be an ISO 3166-1 alpha-2 code`);
    else if (Number.isNaN(Date.parse(e.start)) || Number.isNaN(Date.parse(e.end)) || Date.parse(e.start) > Date.parse(e.end)) problems.push(`${what}: start and end must be dates, start first`);
  }
  return problems;
}
