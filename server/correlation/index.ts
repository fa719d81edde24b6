/**
 * Correlation: pure rules over one trust group's batch. The engine (jobs/) loads the input with
 * loadRuleInput (or its own queries honouring the same contract), calls runAllRules, and stores
 * the drafts by id, first writer wins (alert ids are deterministic). See docs/correlation.md.
 */
import type { GroupCorrelationConfig } from './config';
import type { PhaseTimes } from './phases';
import { assetMatch } from './rules/asset-match';
import { coordinatedInauthentic } from './rules/coordinated-inauthentic';
import { crimeCyberNexus } from './rules/crime-cyber-nexus';
import { icsTechniques } from './rules/ics-techniques';
import { influenceCampaign } from './rules/influence-campaign';
import { recurrence } from './rules/recurrence';
import { targeting } from './rules/targeting';
import type { AlertDraft, RuleFn, RuleInput } from './types';

export const RULES: Readonly<Record<string, RuleFn>> = {
  targeting,
  'asset-match': assetMatch,
  'ics-techniques': icsTechniques,
  recurrence,
  'influence-campaign': influenceCampaign,
  'coordinated-inauthentic-infrastructure': coordinatedInauthentic,
  'crime-cyber-nexus': crimeCyberNexus,
};

export interface RunResult {
  alerts: AlertDraft[];
  /** Alerts per rule, for the run log. */
  counts: Record<string, number>;
}

/** Runs every rule (or those named in `only`), deduplicating by alert id. */
export function runAllRules(input: RuleInput, config: GroupCorrelationConfig, only?: readonly string[], phases?: PhaseTimes): RunResult {
  if (input.group !== config.group) throw new Error(`config for "${config.group}" used on group "${input.group}"`);
  const byId = new Map<string, AlertDraft>();
  const counts: Record<string, number> = {};
  for (const [name, rule] of Object.entries(RULES)) {
    if (only && !only.includes(name)) continue;
    const drafts = phases ? phases.timeSync(`rule ${name}`, () => rule(input, config)) : rule(input, config);
    counts[name] = drafts.length;
    for (const d of drafts) byId.set(d.stix.id, d);
  }
  return { alerts: [...byId.values()].sort((a, b) => (a.stix.id < b.stix.id ? -1 : 1)), counts };
}

export { Graph, canGroupRead } from './graph';
export { PhaseTimes } from './phases';
export { loadRuleInput, referencedIds } from './preload';
export type { GraphLoader, PreloadOptions } from './preload';
export { loadIcsTechniques, icsTechniqueOf } from './attack-ics';
export { loadDisarmTechniques, disarmTechniqueOf, isDisarm, emptyDisarm, DISARM_IDENTITY } from './disarm';
export type { DisarmTechniques, DisarmTechnique, DisarmTactic } from './disarm';
export type { IcsTechniques, IcsTechnique } from './attack-ics';
export { defaultConfig, validateConfig, DEFAULT_CRITICAL_SECTORS } from './config';
export type { GroupCorrelationConfig, ProtectedAssets } from './config';
export { observableKeysOf } from './observables';
export { buildAlert, uuidv5, TLP_MARKINGS, PUENTE_ALERT_NAMESPACE } from './alerts';
export type * from './types';
