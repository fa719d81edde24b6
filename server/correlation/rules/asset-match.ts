/**
 * Asset match: an indicator's STIX pattern, an observed-data object or a sighting that names one
 * of the group's protected assets (an address in a protected range, a range overlapping one, a
 * domain or subdomain, a URL or e-mail address on such a host, an AS number, or, for a sighting,
 * a protected identity/infrastructure among where_sighted_refs).
 */
import { buildAlert, confidenceAdjusted, label } from '../alerts';
import type { AssetIndex } from '../assets';
import { indexAssets, matchValue } from '../assets';
import { assetsOfPattern } from '../pattern-assets';
import type { GroupCorrelationConfig } from '../config';
import type { Graph } from '../graph';
import { isRevoked } from '../graph';
import type { AlertDraft, ComparisonsOf, RuleInput, Severity, StixObject, StoredObject } from '../types';

export const RULE = 'asset-match';

interface Match {
  assets: string[];
  /** Objects (beyond the subject) whose content produced the match. */
  via: StoredObject[];
}

/** Observation operators and qualifiers are evaluated (pattern-assets.ts), not just each comparison. */
function patternMatches(indicator: StixObject, idx: AssetIndex, _comparisonsOf: ComparisonsOf): string[] {
  if ((indicator.pattern_type ?? 'stix') !== 'stix' || typeof indicator.pattern !== 'string') return [];
  return assetsOfPattern(indicator.pattern, idx);
}

/** Values of one SCO, with network-traffic src/dst refs resolved through `resolve`. */
function scoMatches(sco: Record<string, unknown>, idx: AssetIndex, resolve: (ref: string) => Record<string, unknown> | undefined): string[] {
  const type = String(sco.type);
  if (type === 'autonomous-system') return matchValue(type, 'number', sco.number, idx);
  if (type === 'network-traffic') {
    return ['src_ref', 'dst_ref'].flatMap((k) => {
      const target = typeof sco[k] === 'string' ? resolve(sco[k] as string) : undefined;
      return target ? scoMatches(target, idx, resolve) : [];
    });
  }
  return matchValue(type, 'value', sco.value, idx);
}

function observedDataMatches(od: StoredObject, idx: AssetIndex, graph: Graph): Match {
  const s = od.stix;
  const via: StoredObject[] = [];
  const assets = new Set<string>();
  if (s.objects && typeof s.objects === 'object') {
    // Deprecated embedded form: refs are keys of the same dictionary.
    const embedded = s.objects as Record<string, Record<string, unknown>>;
    for (const sco of Object.values(embedded)) for (const m of scoMatches(sco, idx, (k) => embedded[k])) assets.add(m);
  }
  const resolve = (id: string): StixObject | undefined => graph.get(id)?.stix;
  for (const ref of Array.isArray(s.object_refs) ? (s.object_refs as string[]) : []) {
    const sco = graph.get(ref);
    if (!sco) continue;
    const ms = scoMatches(sco.stix, idx, resolve);
    if (ms.length > 0) via.push(sco);
    for (const m of ms) assets.add(m);
  }
  return { assets: [...assets], via };
}

function sightingMatches(s: StoredObject, idx: AssetIndex, graph: Graph, comparisonsOf: ComparisonsOf): Match {
  const assets = new Set<string>();
  const via: StoredObject[] = [];
  const of = graph.get(String(s.stix.sighting_of_ref));
  if (of?.stix.type === 'indicator') {
    const ms = patternMatches(of.stix, idx, comparisonsOf);
    if (ms.length > 0) via.push(of);
    for (const m of ms) assets.add(m);
  }
  for (const ref of Array.isArray(s.stix.observed_data_refs) ? (s.stix.observed_data_refs as string[]) : []) {
    const od = graph.get(ref);
    if (!od) continue;
    const m = observedDataMatches(od, idx, graph);
    if (m.assets.length > 0) via.push(od, ...m.via);
    for (const a of m.assets) assets.add(a);
  }
  for (const ref of Array.isArray(s.stix.where_sighted_refs) ? (s.stix.where_sighted_refs as string[]) : []) {
    if (!idx.ids.has(ref)) continue;
    assets.add(ref);
    const where = graph.get(ref);
    if (where) via.push(where);
  }
  return { assets: [...assets], via };
}

/** Sighted on a protected asset is worse than a pattern that could match one. */
const BASE: Record<string, Severity> = { sighting: 'critical', 'observed-data': 'high', indicator: 'high' };

export const assetMatch = (input: RuleInput, config: GroupCorrelationConfig): AlertDraft[] => {
  const { graph, comparisonsOf } = input;
  const idx = indexAssets(config.protectedAssets);
  if (idx.ranges.length + idx.domains.length + idx.asns.size + idx.ids.size === 0) return [];
  const alerts: AlertDraft[] = [];
  for (const o of graph.newObjects()) {
    if (isRevoked(o.stix)) continue;
    let match: Match;
    if (o.stix.type === 'indicator') match = { assets: patternMatches(o.stix, idx, comparisonsOf), via: [] };
    else if (o.stix.type === 'observed-data') match = observedDataMatches(o, idx, graph);
    else if (o.stix.type === 'sighting') match = sightingMatches(o, idx, graph, comparisonsOf);
    else continue;
    if (match.assets.length === 0) continue;
    const assets = match.assets.sort();
    const evidence = [o, ...match.via];
    const severity = confidenceAdjusted(BASE[o.stix.type], evidence);
    const alert = buildAlert({
      group: input.group,
      rule: RULE,
      severity,
      name: `Protected asset named by ${o.stix.type}`,
      explanation: `${label(o)} matches protected asset${assets.length > 1 ? 's' : ''} ${assets.join(', ')}.`,
      evidence,
      key: [o.stix.id],
      puenteIdentity: config.puenteIdentity,
    });
    if (alert) alerts.push(alert);
  }
  return alerts;
};
