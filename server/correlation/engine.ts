/**
 * The correlation engine: per trust group, reads what was added since the checkpoint, feeds the
 * pure rules (runAllRules) and stores their alerts in the group's `alerts` collection.
 *
 * Crash safety: alerts are inserted by deterministic key ("<alertsCol>|<id>|<version>",
 * duplicates ignored) BEFORE the checkpoint advances, so a run that dies midway is redone by
 * the next one without duplicates. Exclusivity is the caller's job (jobs/scheduler.ts, a lease).
 */
import type { Logger } from '../logger';
import { parsePattern, extractComparisons } from '../stix/pattern';
import { formatMicros, versionKey } from '../storage/clock';
import { collectionId } from '../storage/collections';
import { FRAMEWORKS_ALIAS } from '../storage/frameworks';
import type { Checkpoint, ObjectsRepository } from '../storage/contract';
import type { ObjectDoc, ObjectDraft } from '../storage/objects';
import type { GroupStores, TrustGroups } from '../storage/trust-groups';
import type { GroupCorrelationConfig } from './config';
import type { IcsTechniques } from './attack-ics';
import type { DisarmTechniques } from './disarm';
import { runAllRules } from './index';
import { loadRuleInput } from './preload';
import { createStore } from './loader';
import type { PhaseTimes } from './phases';
import type { AlertDraft, ComparisonsOf } from './types';
import type { Graph } from './graph';
import { observableKeysOf } from './observables';

export const CORRELATION_JOB = 'correlation';
/** `sub` of alerts in their stored metadata: written by the hub, not by a member. */
export const CORRELATION_SUBJECT = 'puente-correlation';

export const comparisonsOf: ComparisonsOf = (text) => {
  const r = parsePattern(text);
  return r.ok ? (extractComparisons(r.ast) as ReturnType<ComparisonsOf>) : null;
};

export interface EngineDeps {
  groups: TrustGroups;
  configFor: (group: string) => GroupCorrelationConfig;
  ics: IcsTechniques;
  disarm?: DisarmTechniques;
  log: Logger;
  /** Objects per rule batch (each batch ends with a checkpoint). */
  batchSize?: number;
  /** Objects added less than this long ago wait for the next run (writes of other instances may still commit). */
  settleMs?: number;
  /** Called with the alerts a run stored for the first time (notifications). */
  onNewAlerts?: (group: string, docs: ObjectDoc[]) => Promise<void>;
}

export interface RunOptions {
  /** Ignore the checkpoint and go over everything again (alerts already stored are kept). */
  full?: boolean;
  now?: Date;
  /** Called after each batch's alerts are written, before the checkpoint moves (lease renewal; tests inject crashes). */
  afterAlertsWritten?: () => Promise<void> | void;
  /** Collects the time spent per phase (bench, diagnostics). */
  phases?: PhaseTimes;
}

export type RunCounts = Record<string, number>;

export class CorrelationEngine {
  constructor(private readonly d: EngineDeps) {}

  async run(group: string, opts: RunOptions = {}): Promise<RunCounts> {
    const g = await this.d.groups.get(group);
    if (!g) throw new Error(`no trust group "${group}"`);
    const config = this.d.configFor(group);
    const now = opts.now ?? new Date();
    const until = formatMicros(BigInt(now.getTime() - (this.d.settleMs ?? 0)) * 1000n);
    const alertsCol = collectionId(group, 'alerts');
    // Alerts never feed a run; reference frameworks are nobody's report.
    const skip = new Set([alertsCol, collectionId(group, FRAMEWORKS_ALIAS)]);
    const inputCols = (await g.collections.list()).filter((c) => !skip.has(c._id)).map((c) => c._id);
    const others = (await this.d.groups.all())
      .filter((o) => o.name !== group)
      .map((o) => ({ name: o.name, graph: o.graph, alertsCol: collectionId(o.name, 'alerts') }));
    const phases = opts.phases;
    const store = createStore({ group, graph: g.graph, inputCols, others, phases });
    const checkpoints = g.checkpoints;

    const counts: RunCounts = { objects: 0, batches: 0, alerts: 0, alerts_new: 0, refused: 0 };
    let cp: Checkpoint | undefined = opts.full ? undefined : await checkpoints.get(CORRELATION_JOB);
    for (;;) {
      const stopNew = phases?.start('new objects');
      const { objects, last } = await store.newObjects(cp, until, this.d.batchSize ?? 20_000);
      stopNew?.();
      if (!last) break;
      const stopLoad = phases?.start('preload');
      const input = await loadRuleInput(store, config, objects, { comparisonsOf, ics: this.d.ics, disarm: this.d.disarm, now: now.toISOString(), phases });
      stopLoad?.();
      const result = runAllRules(input, config, undefined, phases);
      const alerts = await this.notAllowListed(g, input.graph, result.alerts);
      if (alerts.length < result.alerts.length) counts.suppressed = (counts.suppressed ?? 0) + result.alerts.length - alerts.length;
      const stopWrite = phases?.start('alert writes');
      const fresh = await this.store(g.objects, alertsCol, config, alerts);
      const stored = fresh.length;
      stopWrite?.();
      if (fresh.length) await this.d.onNewAlerts?.(group, fresh);
      counts.objects += objects.length;
      counts.batches++;
      counts.alerts += alerts.length;
      counts.alerts_new += stored;
      counts.refused += input.graph.refused;
      for (const [rule, n] of Object.entries(result.counts)) counts[`rule_${rule}`] = (counts[`rule_${rule}`] ?? 0) + n;
      await opts.afterAlertsWritten?.();
      const stopCp = phases?.start('checkpoint');
      await checkpoints.set(CORRELATION_JOB, last);
      stopCp?.();
      cp = last;
      this.d.log.info({ group, objects: objects.length, alerts: result.alerts.length, new: stored }, 'correlation.batch');
    }
    return counts;
  }

  /**
   * Drops alerts whose evidence names observables and only allow-listed ones (closed as false
   * positives by the group's analysts; alerts/workflow.ts), like a MISP warninglist.
   */
  private async notAllowListed(g: GroupStores, graph: Graph, drafts: AlertDraft[]): Promise<AlertDraft[]> {
    if (drafts.length === 0) return drafts;
    const keysOf = (a: AlertDraft) => {
      const refs = Array.isArray(a.stix.object_refs) ? (a.stix.object_refs as string[]) : [];
      const resolve = (id: string) => graph.get(id)?.stix;
      return [...new Set(refs.flatMap((r) => {
        const o = graph.get(r);
        return o ? observableKeysOf(o.stix, comparisonsOf, resolve) : [];
      }))];
    };
    const keyed = drafts.map((a) => ({ a, keys: keysOf(a) }));
    const allowed = await g.alerts.allowed([...new Set(keyed.flatMap((x) => x.keys))]);
    return keyed.filter(({ keys }) => keys.length === 0 || keys.some((k) => !allowed.has(k))).map((x) => x.a);
  }

  /** Inserts alerts by deterministic key ("<alertsCol>|<id>|<version>"); returns those that were new. */
  private async store(repo: ObjectsRepository, alertsCol: string, config: GroupCorrelationConfig, drafts: AlertDraft[]): Promise<ObjectDoc[]> {
    if (drafts.length === 0) return [];
    const rows: ObjectDraft[] = drafts.map((a) => {
      const modified = String(a.stix.modified);
      const ver = versionKey(modified) ?? modified;
      return {
        col: alertsCol,
        raw: JSON.stringify(a.stix),
        versionPart: ver,
        meta: {
          id: a.stix.id,
          type: a.stix.type,
          sv: '2.1',
          ver,
          verRaw: modified,
          sub: CORRELATION_SUBJECT,
          org: config.puenteIdentity,
          tlp: a.meta.tlp,
          readers: a.meta.readers,
          restricted: a.meta.readers.length > 0,
        },
      };
    });
    const { docs, existing } = await repo.add(rows);
    return docs.filter((d) => !existing.has(d._id));
  }
}
