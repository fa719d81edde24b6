/**
 * Recurrence: the same observable (normalised key, see observables.ts) reported by at least
 * minOrganisations organisations, or in at least minGroups trust groups, within windowDays.
 *
 * Other groups contribute only ExternalObservation rows (key, group, organisation ids, count,
 * last_seen): never objects. The alert references this group's own evidence only, and its text
 * gives counts, not the names of other groups or organisations.
 */
import { buildAlert, confidenceAdjusted } from '../alerts';
import type { GroupCorrelationConfig } from '../config';
import { isRevoked } from '../graph';
import { OBSERVABLE_TYPES, observableKeysOf } from '../observables';
import type { AlertDraft, ExternalObservation, RuleInput, Severity, StoredObject } from '../types';

export const RULE = 'recurrence';

const DAY_MS = 86_400_000;

/** Objects that count as a report of an observable. */
const REPORTING_TYPES = new Set(['indicator', 'observed-data', 'sighting', ...OBSERVABLE_TYPES]);

function byDateThenId(a: StoredObject, b: StoredObject): number {
  if (a.meta.date_added !== b.meta.date_added) return a.meta.date_added > b.meta.date_added ? -1 : 1;
  return a.stix.id < b.stix.id ? -1 : a.stix.id > b.stix.id ? 1 : 0;
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function hasCommonReader(objs: StoredObject[]): boolean {
  let common: Set<string> | null = null;
  for (const o of objs) {
    if (o.meta.readers.length === 0) continue;
    const r = new Set(o.meta.readers);
    common = common === null ? r : new Set([...common].filter((x: string) => r.has(x)));
  }
  return common === null || common.size > 0;
}

export const recurrence = (input: RuleInput, config: GroupCorrelationConfig): AlertDraft[] => {
  const { graph, comparisonsOf } = input;
  const { windowDays, minOrganisations, minGroups, maxEvidence } = config.recurrence;
  const windowMs = windowDays * DAY_MS;
  const resolve = (id: string) => graph.get(id)?.stix;
  const keysOf = (o: StoredObject): string[] =>
    REPORTING_TYPES.has(o.stix.type) && !isRevoked(o.stix) ? observableKeysOf(o.stix, comparisonsOf, resolve) : [];

  const anchors = new Map<string, string>();
  for (const o of graph.newObjects()) {
    for (const k of keysOf(o)) if ((anchors.get(k) ?? '') < o.meta.date_added) anchors.set(k, o.meta.date_added);
  }
  if (anchors.size === 0) return [];

  const own = new Map<string, StoredObject[]>();
  for (const o of graph.all()) {
    if (o.meta.group !== input.group) continue; // released copies are another group's report
    for (const k of keysOf(o)) if (anchors.has(k)) push(own, k, o);
  }
  const ext = new Map<string, ExternalObservation[]>();
  for (const e of input.external) {
    if (e.group !== input.group && anchors.has(e.key)) push(ext, e.key, e);
  }

  const alerts: AlertDraft[] = [];
  for (const key of [...anchors.keys()].sort()) {
    const anchor = Date.parse(anchors.get(key) as string);
    const inWindow = (d: string): boolean => {
      const t = Date.parse(d);
      return t <= anchor && t >= anchor - windowMs;
    };
    const reported = (own.get(key) ?? []).filter((o) => inWindow(o.meta.date_added)).sort(byDateThenId);
    // Counts and evidence come from one pool that the alert's audience can read in full: restricted
    // reports join only when they all fit in the evidence and share a reader; otherwise only the
    // unrestricted reports count, so the alert never reveals that restricted reports exist.
    const mine =
      reported.length <= maxEvidence && hasCommonReader(reported) ? reported : reported.filter((o) => o.meta.readers.length === 0);
    const theirs = (ext.get(key) ?? []).filter((e) => e.count > 0 && Date.parse(e.last_seen) >= anchor - windowMs);
    const ownOrgs = new Set(mine.map((o) => o.meta.organisation));
    const orgs = new Set([...ownOrgs, ...theirs.flatMap((e) => e.organisations)]);
    const groups = new Set([input.group, ...theirs.map((e) => e.group)]);
    if (mine.length === 0 || (orgs.size < minOrganisations && groups.size < minGroups)) continue;

    const evidence = mine.slice(0, maxEvidence);
    const severity: Severity = groups.size >= 2 || orgs.size >= 3 ? 'high' : 'medium';
    const elsewhere = groups.size > 1 ? ` and in ${groups.size - 1} other trust group${groups.size > 2 ? 's' : ''}` : '';
    const alert = buildAlert({
      group: input.group,
      rule: RULE,
      severity: confidenceAdjusted(severity, evidence),
      name: `Recurring observable ${key}`,
      explanation:
        `Observable ${key} was reported by ${orgs.size} organisation${orgs.size > 1 ? 's' : ''} ` +
        `(${ownOrgs.size} in this group${elsewhere}) within ${windowDays} days; ` +
        `${mine.length} report${mine.length > 1 ? 's' : ''} here${mine.length > evidence.length ? `, the newest ${evidence.length} referenced` : ''}.`,
      evidence,
      // One alert per observable and window period; later reports in the period make new versions.
      key: [key, `window:${Math.floor(anchor / windowMs)}`],
      puenteIdentity: config.puenteIdentity,
    });
    if (alert) alerts.push(alert);
  }
  return alerts;
};
