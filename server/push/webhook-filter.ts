/**
 * A webhook's filters: the export parameters (server/exports/query.ts, the same parser and the
 * same checks as an export URL) applied to each change of the collection. Unlike an export, a
 * webhook without match[type] or observable gets every type, and a revocation always passes the
 * validity check (a consumer must learn that an indicator it holds was revoked); max_tlp,
 * min_confidence, label and observable still apply to it. A deletion is checked by what its
 * record keeps: type, id and TLP. Alerts (the alerts collection) are checked by max_tlp only.
 */
import { parseExportQuery } from '../exports/query';
import { passes, withinFilters, withinTlp } from '../exports/select';
import { valuesOf } from '../exports/values';
import { parseQuery } from '../http/query';
import type { Change } from '../storage/sequence';

export const WEBHOOK_FILTERS = ['match[type]', 'match[id]', 'observable', 'min_confidence', 'max_tlp', 'label'] as const;

export type ChangeFilter = (c: Change, fromAlerts: boolean) => boolean;

/** Throws BadRequest invalid_parameter for a bad value; `now` is the validity instant (valid_until). */
export function compileFilter(filters: Record<string, string>, now = Date.now()): ChangeFilter {
  const f = parseExportQuery(filters, now);
  const types = filters['match[type]'] !== undefined ? new Set(parseQuery({ 'match[type]': filters['match[type]'] }, ['match[type]'], 1).types) : undefined;
  const ids = f.ids ? new Set(f.ids) : undefined;
  return (c, fromAlerts) => {
    const tlp = c.kind === 'object' ? c.doc.meta.tlp : c.deletion.tlp;
    if (fromAlerts) return withinTlp(tlp, f.maxTlp);
    const type = c.kind === 'object' ? c.doc.meta.type : c.deletion.type;
    const id = c.kind === 'object' ? c.doc.meta.id : c.deletion.id;
    if ((types && !types.has(type)) || (ids && !ids.has(id))) return false;
    if (c.kind === 'deletion') return withinTlp(tlp, f.maxTlp);
    const stix = JSON.parse(c.doc.raw) as Record<string, unknown>;
    if (!(stix.revoked === true ? withinFilters(stix, tlp, f) : passes(stix, c.doc, f))) return false;
    if (!f.observables) return true;
    const v = valuesOf(stix);
    return v.ok && v.values.some((x) => f.observables!.has(x.kind));
  };
}
