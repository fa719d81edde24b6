/**
 * Crime–cyber nexus: an organised-crime observable (wallet, transaction, IBAN, phone number,
 * vessel, aircraft: schemas/puente) shared between a cyber threat and an organised-crime report.
 *
 * - Cyber side: an object reporting the observable's key (the SCO itself, an indicator, an
 *   observed-data) linked by one relationship, either way, to a malware, intrusion set or
 *   infrastructure.
 * - Crime side: a report or grouping labelled organised crime (organised-crime, crimen-organizado,
 *   trafficking, narcotrafico…) or authored by an identity of sector "law-enforcement", whose
 *   object_refs cite an object reporting the same key.
 * One alert per key; more evidence makes a newer version of it.
 */
import { buildAlert, confidenceAdjusted, label } from '../alerts';
import type { GroupCorrelationConfig } from '../config';
import type { Graph } from '../graph';
import { isRevoked } from '../graph';
import { OBSERVABLE_TYPES, observableKeysOf } from '../observables';
import type { AlertDraft, RuleInput, StoredObject } from '../types';

export const RULE = 'crime-cyber-nexus';

export const CRIME_KEY = /^(wallet|crypto-tx|iban|phone|imo|mmsi|icao24|aircraft):/;
const CYBER_THREATS = new Set(['malware', 'intrusion-set', 'infrastructure']);
const CRIME_LABEL = /organi[sz]ed[-_ ]crime|crimen[-_ ]organizado|criminalidad[-_ ]organizada|traffick|narco|contraband|money[-_ ]laundering|lavado/i;
const HOLDERS = new Set(['indicator', 'observed-data']);

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function isCrimeReport(o: StoredObject, graph: Graph): string | null {
  const s = o.stix;
  if ((s.type !== 'report' && s.type !== 'grouping') || isRevoked(s)) return null;
  const l = strings(s.labels).find((x) => CRIME_LABEL.test(x));
  if (l) return `labelled "${l}"`;
  const author = typeof s.created_by_ref === 'string' ? graph.get(s.created_by_ref) : undefined;
  if (author && [...strings(author.stix.sectors), ...strings(author.stix.labels)].includes('law-enforcement')) return `authored by ${label(author)} (law enforcement)`;
  return null;
}

export const crimeCyberNexus = (input: RuleInput, config: GroupCorrelationConfig): AlertDraft[] => {
  const { graph, comparisonsOf } = input;
  const resolve = (id: string) => graph.get(id)?.stix;
  const keysCache = new Map<string, string[]>();
  const crimeKeys = (o: StoredObject): string[] => {
    let k = keysCache.get(o.stix.id);
    if (!k) {
      const reportsKeys = HOLDERS.has(o.stix.type) || OBSERVABLE_TYPES.has(o.stix.type);
      k = reportsKeys && !isRevoked(o.stix) ? observableKeysOf(o.stix, comparisonsOf, resolve).filter((x) => CRIME_KEY.test(x)) : [];
      keysCache.set(o.stix.id, k);
    }
    return k;
  };

  // Only a new crime holder, relationship or report can make a new alert: otherwise skip the scan.
  const holds = (id: unknown) => {
    const o = graph.get(String(id));
    return o !== undefined && crimeKeys(o).length > 0;
  };
  const threat = (id: unknown) => CYBER_THREATS.has(graph.get(String(id))?.stix.type ?? '');
  const relevant = graph.newObjects().some((o) => {
    const s = o.stix;
    if (s.type === 'relationship') return (threat(s.source_ref) && holds(s.target_ref)) || (threat(s.target_ref) && holds(s.source_ref));
    if (s.type === 'report' || s.type === 'grouping') return strings(s.object_refs).some(holds);
    return crimeKeys(o).length > 0;
  });
  if (!relevant) return [];
  const cyber = new Map<string, StoredObject[]>();
  const crime = new Map<string, { report: StoredObject; cited: StoredObject; why: string }[]>();
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => {
    const l = m.get(k);
    if (l) l.push(v);
    else m.set(k, [v]);
  };
  for (const o of graph.all()) {
    const why = isCrimeReport(o, graph);
    if (why) {
      for (const ref of strings(o.stix.object_refs)) {
        const cited = graph.get(ref);
        if (cited) for (const k of crimeKeys(cited)) push(crime, k, { report: o, cited, why });
      }
      continue;
    }
    if (o.stix.type !== 'relationship' || isRevoked(o.stix)) continue;
    const a = graph.get(String(o.stix.source_ref));
    const b = graph.get(String(o.stix.target_ref));
    if (!a || !b || isRevoked(a.stix) || isRevoked(b.stix)) continue;
    for (const [holder, threat] of [[a, b], [b, a]] as const) {
      if (!CYBER_THREATS.has(threat.stix.type)) continue;
      for (const k of crimeKeys(holder)) {
        push(cyber, k, holder);
        push(cyber, k, o);
        push(cyber, k, threat);
      }
    }
  }

  const alerts: AlertDraft[] = [];
  for (const key of [...cyber.keys()].sort()) {
    const reports = crime.get(key);
    if (!reports) continue;
    const evidence = [...new Map([...(cyber.get(key) ?? []), ...reports.flatMap((r) => [r.report, r.cited])].map((o) => [o.stix.id, o])).values()];
    if (!evidence.some((o) => graph.isNew(o.stix.id))) continue;
    const threats = [...new Set((cyber.get(key) ?? []).filter((o) => CYBER_THREATS.has(o.stix.type)).map(label))].sort();
    const cases = [...new Set(reports.map((r) => `${label(r.report)} ${r.why}`))].sort();
    const alert = buildAlert({
      group: input.group,
      rule: RULE,
      severity: confidenceAdjusted('high', evidence),
      name: `Crime–cyber nexus ${key}`,
      explanation: `${key} is linked to ${threats.join(', ')} and cited by organised-crime report${cases.length > 1 ? 's' : ''} ${cases.join('; ')}.`,
      evidence,
      key: [key],
      puenteIdentity: config.puenteIdentity,
    });
    if (alert) alerts.push(alert);
  }
  return alerts;
};
