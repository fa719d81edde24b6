/**
 * What the engine must read before a run, and a loader that reads it in a few batched queries.
 * The rules themselves are synchronous over the Graph this builds.
 *
 * For a batch of new objects of one trust group the engine needs:
 *  1. every object a new object references (relationship ends, sighting_of_ref, where_sighted_refs,
 *     observed_data_refs, object_refs), and the SCOs those observed-data reference;
 *  2. the relationship/sighting neighbourhood of all of that, config.targeting.maxHops deep, with
 *     the objects at the other ends (targeting paths must lie within it);
 *  3. stored objects of the same group sharing an observable key with the batch, since the window
 *     start (recurrence);
 *  4. for the same keys, ExternalObservation rows from the other trust groups (counts, no objects).
 * Every read is scoped to what the group may read (its own objects and those released to it);
 * Graph drops anything else anyway.
 */
import type { IcsTechniques } from './attack-ics';
import type { DisarmTechniques } from './disarm';
import type { GroupCorrelationConfig } from './config';
import { Graph, linkEndsOf, refsOf } from './graph';
import { observableKeysOf } from './observables';
import { INFRASTRUCTURE_KEY, disarmOf, disinformationLinks } from './influence';
import type { PhaseTimes } from './phases';
import type { ComparisonsOf, ExternalObservation, RuleInput, StoredObject } from './types';

export interface GraphLoader {
  /** Latest version of each id readable by the group; unknown ids are simply absent. */
  getByIds(group: string, ids: string[]): Promise<StoredObject[]>;
  /** Relationships with source_ref/target_ref in ids, and sightings with sighting_of_ref/where_sighted_refs in ids. */
  getLinksTouching(group: string, ids: string[]): Promise<StoredObject[]>;
  /** Objects of the group reporting any of these observable keys with date_added >= since. */
  getByObservableKeys(group: string, keys: string[], since: string): Promise<StoredObject[]>;
  /** Per other group and key: organisations, count and last_seen since `since`. */
  countObservableKeysElsewhere(group: string, keys: string[], since: string): Promise<ExternalObservation[]>;
}

/** Ids the batch references directly (step 1 above, first level). */
export function referencedIds(newObjects: readonly StoredObject[]): string[] {
  const ids = new Set<string>();
  for (const o of newObjects) for (const r of refsOf(o.stix)) ids.add(r);
  for (const o of newObjects) ids.delete(o.stix.id);
  return [...ids].sort();
}

export interface PreloadOptions {
  comparisonsOf: ComparisonsOf;
  ics: IcsTechniques;
  disarm?: DisarmTechniques;
  /** Reference instant of the run, for the recurrence window (ISO timestamp). */
  now: string;
  phases?: PhaseTimes;
}

/** Reads what the rules need and returns their input. A handful of batched queries per hop. */
export async function loadRuleInput(
  loader: GraphLoader,
  config: GroupCorrelationConfig,
  newObjects: readonly StoredObject[],
  opts: PreloadOptions,
): Promise<RuleInput> {
  const group = config.group;
  const known = new Map<string, StoredObject>();
  for (const o of newObjects) known.set(o.stix.id, o);
  const fetch = async (ids: Iterable<string>): Promise<StoredObject[]> => {
    const missing = [...new Set(ids)].filter((id) => !known.has(id));
    if (missing.length === 0) return [];
    const got = await loader.getByIds(group, missing);
    for (const o of got) known.set(o.stix.id, o);
    return got;
  };

  // 1. References, and one more level for observed-data SCOs and sighted indicators' refs.
  const first = await fetch(referencedIds(newObjects));
  await fetch(first.flatMap((o) => (o.stix.type === 'observed-data' || o.stix.type === 'network-traffic' ? refsOf(o.stix) : [])));

  // 2. Neighbourhood, hop by hop.
  const seen = new Set<string>(known.keys());
  const expand = async (start: string[], hops: number): Promise<void> => {
    let frontier = start;
    for (let hop = 0; hop < hops && frontier.length > 0; hop++) {
      const links = await loader.getLinksTouching(group, frontier);
      const ends: string[] = [];
      for (const l of links) {
        known.set(l.stix.id, l);
        for (const e of linkEndsOf(l.stix)) {
          if (seen.has(e)) continue;
          seen.add(e);
          ends.push(e);
        }
      }
      await fetch(ends);
      frontier = ends;
    }
  };
  await expand([...known.keys()], config.targeting.maxHops);

  // 3 and 4. Observable keys of the batch.
  const since = new Date(Date.parse(opts.now) - config.recurrence.windowDays * 86_400_000).toISOString();
  const resolve = (id: string) => known.get(id)?.stix;
  const keys = [...new Set(newObjects.flatMap((o) => observableKeysOf(o.stix, opts.comparisonsOf, resolve)))].sort();
  let external: ExternalObservation[] = [];
  if (keys.length > 0) {
    for (const o of await loader.getByObservableKeys(group, keys, since)) if (!known.has(o.stix.id)) known.set(o.stix.id, o);
    external = await loader.countObservableKeysElsewhere(group, keys, since);
  }

  const fresh = new Set(newObjects.map((o) => o.stix.id));
  const build = (): Graph => {
    const stop = opts.phases?.start('graph build');
    const g = new Graph(group, newObjects, [...known.values()].filter((o) => !fresh.has(o.stix.id)));
    stop?.();
    return g;
  };
  let graph = build();

  // 5. Coordinated infrastructure: other reports of an address the batch links to disinformation
  // are judged by their own links, which step 2 did not reach. Only when the batch has such a link.
  const candidates = disinformationKeys(graph, newObjects, opts);
  if (candidates.size > 0) {
    const reports = [...known.values()].filter(
      (o) => !fresh.has(o.stix.id) && observableKeysOf(o.stix, opts.comparisonsOf, resolve).some((k) => candidates.has(k)),
    );
    for (const o of reports) seen.add(o.stix.id);
    // Report -> linked actor -> the actor's uses (DISARM techniques).
    await expand(reports.map((o) => o.stix.id), 2);
    graph = build();
  }
  return { group, graph, external, comparisonsOf: opts.comparisonsOf, ics: opts.ics, ...(opts.disarm ? { disarm: opts.disarm } : {}) };
}

/** Infrastructure keys of the batch's reports (indicators, observed-data) linked to disinformation. */
function disinformationKeys(graph: Graph, newObjects: readonly StoredObject[], opts: PreloadOptions): Set<string> {
  const keys = new Set<string>();
  const disarm = disarmOf(opts);
  const resolve = (id: string) => graph.get(id)?.stix;
  const candidates = new Set<string>();
  for (const o of newObjects) {
    if (o.stix.type === 'indicator' || o.stix.type === 'observed-data') candidates.add(o.stix.id);
    if (o.stix.type === 'relationship') for (const e of linkEndsOf(o.stix)) candidates.add(e);
  }
  for (const id of candidates) {
    const o = graph.get(id);
    if (!o || (o.stix.type !== 'indicator' && o.stix.type !== 'observed-data')) continue;
    if (disinformationLinks(graph, id, disarm).length === 0) continue;
    for (const k of observableKeysOf(o.stix, opts.comparisonsOf, resolve)) if (INFRASTRUCTURE_KEY.test(k)) keys.add(k);
  }
  return keys;
}
