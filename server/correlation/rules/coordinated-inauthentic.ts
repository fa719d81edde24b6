/**
 * Coordinated inauthentic infrastructure: the same domain, URL, IP address or account
 * (user-account) in indicators or observed-data that are linked, by one relationship either way,
 * to disinformation (a DISARM technique, an actor using one, or an object labelled as
 * disinformation: influence.ts), reported by at least recurrence.minOrganisations organisations of
 * this group, or seen in at least recurrence.minGroups trust groups, within recurrence.windowDays.
 *
 * Other groups count as in the recurrence rule: only their TLP:CLEAR reports of the key, as
 * counts. Whether those reports are linked to disinformation there is not visible here (a
 * count is all another group shares), so another group's count corroborates a link this group made.
 */
import { buildAlert, confidenceAdjusted, label } from '../alerts';
import type { GroupCorrelationConfig } from '../config';
import { isRevoked } from '../graph';
import { INFRASTRUCTURE_KEY, disarmOf, disinformationLinks } from '../influence';
import { observableKeysOf } from '../observables';
import type { AlertDraft, ExternalObservation, RuleInput, Severity, StoredObject } from '../types';

export const RULE = 'coordinated-inauthentic-infrastructure';

const DAY_MS = 86_400_000;
const REPORTS = new Set(['indicator', 'observed-data']);

interface Report {
  report: StoredObject;
  links: StoredObject[];
  others: StoredObject[];
}

export const coordinatedInauthentic = (input: RuleInput, config: GroupCorrelationConfig): AlertDraft[] => {
  const { graph, comparisonsOf } = input;
  const disarm = disarmOf(input);
  const { windowDays, minOrganisations, minGroups } = config.recurrence;
  const resolve = (id: string) => graph.get(id)?.stix;

  // Nothing new is a disinformation-linked report (or link of one): skip the scan of the graph.
  const touched = new Set<string>();
  for (const o of graph.newObjects()) {
    if (REPORTS.has(o.stix.type)) touched.add(o.stix.id);
    if (o.stix.type === 'relationship') touched.add(String(o.stix.source_ref)).add(String(o.stix.target_ref));
  }
  const linked = (id: string) => REPORTS.has(graph.get(id)?.stix.type ?? '') && disinformationLinks(graph, id, disarm).length > 0;
  if (![...touched].some(linked)) return [];

  // Reports of this group linked to disinformation, by infrastructure key.
  const byKey = new Map<string, Report[]>();
  const anchors = new Map<string, string>();
  for (const o of graph.all()) {
    if (!REPORTS.has(o.stix.type) || isRevoked(o.stix) || o.meta.group !== input.group) continue;
    const links = disinformationLinks(graph, o.stix.id, disarm);
    if (links.length === 0) continue;
    const keys = observableKeysOf(o.stix, comparisonsOf, resolve).filter((k) => INFRASTRUCTURE_KEY.test(k));
    const rep: Report = {
      report: o,
      links: links.map((l) => l.edge.via),
      others: links.map((l) => graph.get(l.other)).filter((x): x is StoredObject => x !== undefined),
    };
    const fresh = graph.isNew(o.stix.id) || rep.links.some((l) => graph.isNew(l.stix.id));
    for (const k of keys) {
      const l = byKey.get(k);
      if (l) l.push(rep);
      else byKey.set(k, [rep]);
      if (fresh && (anchors.get(k) ?? '') < o.meta.date_added) anchors.set(k, o.meta.date_added);
    }
  }
  const ext = new Map<string, ExternalObservation[]>();
  for (const e of input.external) {
    if (e.group === input.group || !anchors.has(e.key)) continue;
    const l = ext.get(e.key);
    if (l) l.push(e);
    else ext.set(e.key, [e]);
  }

  const alerts: AlertDraft[] = [];
  for (const key of [...anchors.keys()].sort()) {
    const anchor = Date.parse(anchors.get(key) as string);
    const inWindow = (d: string) => Date.parse(d) <= anchor && Date.parse(d) >= anchor - windowDays * DAY_MS;
    const reports = (byKey.get(key) ?? []).filter((r) => inWindow(r.report.meta.date_added));
    const theirs = (ext.get(key) ?? []).filter((e) => e.count > 0 && Date.parse(e.last_seen) >= anchor - windowDays * DAY_MS);
    const ownOrgs = new Set(reports.map((r) => r.report.meta.organisation));
    const orgs = new Set([...ownOrgs, ...theirs.flatMap((e) => e.organisations)]);
    const groups = new Set([input.group, ...theirs.map((e) => e.group)]);
    if (reports.length === 0 || (ownOrgs.size < minOrganisations && groups.size < minGroups)) continue;

    const evidence = [...new Map(reports.flatMap((r) => [r.report, ...r.links, ...r.others]).map((o) => [o.stix.id, o])).values()];
    const severity: Severity = groups.size >= 2 || ownOrgs.size >= 3 ? 'high' : 'medium';
    const disinfo = [...new Set(reports.flatMap((r) => r.others.map(label)))].sort();
    const elsewhere = groups.size > 1 ? ` and seen in ${groups.size - 1} other trust group${groups.size > 2 ? 's' : ''}` : '';
    const alert = buildAlert({
      group: input.group,
      rule: RULE,
      severity: confidenceAdjusted(severity, evidence),
      name: `Coordinated inauthentic infrastructure ${key}`,
      explanation:
        `${key} is linked to disinformation (${disinfo.join(', ')}) in reports of ${ownOrgs.size} organisation${ownOrgs.size > 1 ? 's' : ''} ` +
        `of this group${elsewhere} within ${windowDays} days (${orgs.size} organisation${orgs.size > 1 ? 's' : ''} in all).`,
      evidence,
      key: [key, `window:${Math.floor(anchor / (windowDays * DAY_MS))}`],
      puenteIdentity: config.puenteIdentity,
    });
    if (alert) alerts.push(alert);
  }
  return alerts;
};
