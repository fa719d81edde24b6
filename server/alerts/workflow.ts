/**
 * The alert queue: correlation alerts (STIX groupings in the group's `alerts` collection, never
 * changed) with their server-side triage state beside them. Reading follows TAXII's rules
 * (member, canRead on the alerts collection, canSee per alert); triage takes canTriage. Every
 * change is appended to the state's history with who and when.
 */
import { canRead, canTriage, memberOf } from '../auth/permissions';
import type { Principal } from '../auth/principal';
import { canSee } from '../auth/visibility';
import { BadRequest, Forbidden, NotFound } from '../errors';
import { bindingOf, type Cursor, type PageTokens } from '../http/pagination';
import {
  ALERT_STATUSES, CLOSE_REASONS, type AlertStateDoc, type AlertStatus, type CloseReason,
} from '../storage/alert-state';
import { collectionId, type CollectionDoc } from '../storage/collections';
import type { ObjectDoc } from '../storage/objects';
import type { GroupStores, TrustGroups } from '../storage/trust-groups';
import { STIX_ID } from '../names';

import { SEVERITIES, type Severity } from '../correlation/types';

export { SEVERITIES, type Severity };

export interface WorkflowDeps {
  groups: TrustGroups;
  tokens: PageTokens;
  pageSizeDefault: number;
  now?: () => Date;
}

export interface QueueFilter {
  status?: AlertStatus[];
  severity?: Severity[];
  rule?: string[];
}

export interface Change {
  status?: AlertStatus;
  reason?: CloseReason;
  assignee?: string | null;
  comment?: string;
  /** With status closed and reason false_positive: allow-list the evidence's observable keys. */
  allow?: boolean;
}

const MAX_EXAMINED = 5000;

function fresh(id: string, now: string): AlertStateDoc {
  return { _id: id, status: 'new', reason: null, assignee: null, comments: [], history: [], updated: now, version: 0 };
}

export function stateResource(s: AlertStateDoc, full: boolean) {
  return {
    status: s.status, reason: s.reason, assignee: s.assignee, updated: s.updated,
    ...(full ? { comments: s.comments, history: s.history } : { comments: s.comments.length }),
  };
}

/** The grouping as the queue lists it. */
function alertResource(doc: ObjectDoc, state: AlertStateDoc, full: boolean) {
  const stix = JSON.parse(doc.raw) as Record<string, unknown>;
  return {
    id: doc.meta.id,
    name: typeof stix.name === 'string' ? stix.name : '',
    severity: typeof stix.x_puente_severity === 'string' ? stix.x_puente_severity : 'low',
    rule: typeof stix.x_puente_rule === 'string' ? stix.x_puente_rule : '',
    created: stix.created,
    modified: stix.modified,
    date_added: doc.meta.added,
    tlp: doc.meta.tlp,
    object_refs: Array.isArray(stix.object_refs) ? stix.object_refs : [],
    state: stateResource(state, full),
    ...(full ? { grouping: stix } : {}),
  };
}

export class AlertWorkflow {
  constructor(private readonly d: WorkflowDeps) {}

  private now(): string {
    return (this.d.now?.() ?? new Date()).toISOString();
  }

  private async scope(p: Principal, group: string): Promise<{ g: GroupStores; col: CollectionDoc }> {
    const g = memberOf(p, group) ? await this.d.groups.get(group) : undefined;
    const col = g ? await g.collections.get(collectionId(group, 'alerts')) : null;
    if (!g || !col || !canRead(p, group, { id: col._id, writable: col.writable })) throw new NotFound(`There is no alert queue in "${group.slice(0, 64)}".`);
    return { g, col };
  }

  private async alert(p: Principal, group: string, id: string) {
    const s = await this.scope(p, group);
    if (!STIX_ID.test(id)) throw new NotFound(`There is no alert "${id.slice(0, 100)}" in this queue.`);
    const [doc] = (await s.g.objects.findLatest(s.col._id, [id], { organisation: p.organisation })).filter((d) => canSee(p, group, d.meta));
    if (!doc) throw new NotFound(`There is no alert "${id.slice(0, 100)}" in this queue.`);
    return { ...s, doc };
  }

  /** The queue in date_added order (oldest first), latest version of each alert, filtered. */
  async list(p: Principal, group: string, f: QueueFilter, limit: number | undefined, next: string | undefined) {
    const { g, col } = await this.scope(p, group);
    const n = limit ?? this.d.pageSizeDefault;
    const binding = bindingOf(['alerts', group, p.subject, p.organisation, f, n]);
    let cursor: Cursor | undefined = next ? this.d.tokens.open(binding, next) : undefined;
    const viewer = { organisation: p.organisation };
    const out: ReturnType<typeof alertResource>[] = [];
    let examined = 0;
    let exhausted = false;
    let lastKept: Cursor | undefined;
    while (out.length <= n && examined < MAX_EXAMINED) {
      const batch = await g.search.find({ match: { all: true }, collections: [col._id], viewer, types: ['grouping'], after: cursor, limit: 200 });
      // Only the latest version of each alert (index col_id_ver), and the states beside them.
      const latest = new Map((await g.objects.findLatest(col._id, batch.map((d) => d.meta.id), viewer)).map((d) => [d.meta.id, d._id]));
      const states = new Map((await g.alerts.get(batch.map((d) => d.meta.id))).map((s) => [s._id, s]));
      for (const doc of batch) {
        examined++;
        cursor = { added: doc.meta.added, key: doc._id };
        if (latest.get(doc.meta.id) !== doc._id || !canSee(p, group, doc.meta)) continue;
        const a = alertResource(doc, states.get(doc.meta.id) ?? fresh(doc.meta.id, doc.meta.added), false);
        if (f.status && !f.status.includes(a.state.status)) continue;
        if (f.severity && !f.severity.includes(a.severity as Severity)) continue;
        if (f.rule && !f.rule.includes(a.rule)) continue;
        out.push(a);
        if (out.length <= n) lastKept = cursor;
        if (out.length > n) break;
      }
      if (out.length > n) break;
      if (batch.length < 200) {
        exhausted = true;
        break;
      }
    }
    const more = !exhausted;
    const at = out.length > n ? lastKept : cursor;
    return { alerts: out.slice(0, n), more, ...(more && at ? { next: this.d.tokens.issue(binding, at) } : {}) };
  }

  async get(p: Principal, group: string, id: string) {
    const { g, doc } = await this.alert(p, group, id);
    const [state] = await g.alerts.get([id]);
    return alertResource(doc, state ?? fresh(id, doc.meta.added), true);
  }

  /** Applies one change; retried a few times when another analyst changed the alert meanwhile. */
  async update(p: Principal, group: string, id: string, c: Change) {
    const { g, doc } = await this.alert(p, group, id);
    if (!canTriage(p, group)) throw new Forbidden('Your token does not allow triaging alerts in this trust group.');
    validate(c);
    for (let attempt = 0; attempt < 5; attempt++) {
      const [current] = await g.alerts.get([id]);
      const base = current ?? fresh(id, doc.meta.added);
      const next = apply(base, c, p, this.now());
      if (current ? await g.alerts.replace(next) : await g.alerts.create(next)) {
        if (c.allow && next.status === 'closed' && next.reason === 'false_positive') await this.allowEvidence(p, group, g, doc, id);
        return alertResource(doc, next, true);
      }
    }
    throw new BadRequest('invalid_request', 'The alert kept changing while this change was applied; read it again and retry.');
  }

  /** Bulk acknowledge: every `new` alert of the list the caller may see; others are reported. */
  async acknowledge(p: Principal, group: string, ids: string[]) {
    await this.scope(p, group);
    if (!canTriage(p, group)) throw new Forbidden('Your token does not allow triaging alerts in this trust group.');
    const acknowledged: string[] = [];
    const skipped: string[] = [];
    for (const id of [...new Set(ids)]) {
      try {
        const a = await this.get(p, group, id);
        if (a.state.status !== 'new') {
          skipped.push(id);
          continue;
        }
        await this.update(p, group, id, { status: 'acknowledged' });
        acknowledged.push(id);
      } catch (err) {
        if (!(err instanceof NotFound)) throw err;
        skipped.push(id);
      }
    }
    return { acknowledged, skipped };
  }

  async allowList(p: Principal, group: string) {
    const { g } = await this.scope(p, group);
    return { entries: (await g.alerts.allowList(1000)).map((e) => ({ key: e._id, added: e.added, by: e.by, alert: e.alert })) };
  }

  /** The observable keys of the evidence the caller may see (col_id_ver), into the allow-list. */
  private async allowEvidence(p: Principal, group: string, g: GroupStores, doc: ObjectDoc, id: string): Promise<void> {
    const refs = (JSON.parse(doc.raw) as { object_refs?: unknown }).object_refs;
    if (!Array.isArray(refs)) return;
    const cols = (await g.collections.list()).filter((c) => c._id !== doc.col && canRead(p, group, { id: c._id, writable: c.writable })).map((c) => c._id);
    const evidence = (await g.graph.reader(cols).byIds(refs.filter((r): r is string => typeof r === 'string' && STIX_ID.test(r)))).filter((d) => canSee(p, group, d.meta));
    const keys = [...new Set(evidence.flatMap((d) => d.meta.keys ?? []))];
    const added = this.now();
    await g.alerts.allow(keys.map((k) => ({ _id: k, added, by: p.subject, alert: id })));
  }
}

/** Text PostgreSQL's jsonb keeps: no NUL, no lone surrogate. */
const storable = (t: string) => !t.includes('\u0000') && (t as string & { isWellFormed(): boolean }).isWellFormed();

function validate(c: Change): void {
  for (const t of [c.comment, c.assignee]) if (typeof t === 'string' && !storable(t)) throw new BadRequest('invalid_request', 'Text may not hold NUL characters or unpaired surrogates.');
  if (c.status !== undefined && !ALERT_STATUSES.includes(c.status)) throw new BadRequest('invalid_request', `status is one of ${ALERT_STATUSES.join(', ')}.`);
  if (c.reason !== undefined && !CLOSE_REASONS.includes(c.reason)) throw new BadRequest('invalid_request', `reason is one of ${CLOSE_REASONS.join(', ')}.`);
  if (c.status === 'closed' && !c.reason) throw new BadRequest('invalid_request', 'Closing an alert needs a reason.');
  if (c.reason && c.status !== 'closed') throw new BadRequest('invalid_request', 'A reason is given only when closing (status closed).');
  if (c.allow && c.reason !== 'false_positive') throw new BadRequest('invalid_request', 'allow is only for closing as false_positive.');
  if (c.comment !== undefined && (c.comment === '' || c.comment.length > 4000)) throw new BadRequest('invalid_request', 'A comment is 1 to 4000 characters.');
  if (c.assignee !== undefined && c.assignee !== null && (c.assignee === '' || c.assignee.length > 200)) throw new BadRequest('invalid_request', 'assignee is 1 to 200 characters, or null.');
  if (c.status === undefined && c.assignee === undefined && c.comment === undefined) throw new BadRequest('invalid_request', 'Give at least one of status, assignee, comment.');
}

function apply(s: AlertStateDoc, c: Change, p: Principal, at: string): AlertStateDoc {
  const next: AlertStateDoc = { ...s, comments: [...s.comments], history: [...s.history], updated: at, version: s.version + 1 };
  const change: Record<string, string | boolean | null> = {};
  if (c.status !== undefined && c.status !== s.status) {
    next.status = c.status;
    next.reason = c.status === 'closed' ? c.reason! : null;
    change.status = c.status;
    change.reason = next.reason;
  } else if (c.status === 'closed' && c.reason !== s.reason) {
    next.reason = c.reason!;
    change.reason = next.reason;
  }
  if (c.assignee !== undefined && c.assignee !== s.assignee) {
    next.assignee = c.assignee;
    change.assignee = c.assignee;
  }
  if (c.comment !== undefined) {
    next.comments.push({ at, by: p.subject, organisation: p.organisation, text: c.comment });
    change.comment = true;
  }
  if (c.allow) change.allowed = true;
  next.history.push({ at, by: p.subject, organisation: p.organisation, change });
  return next;
}
