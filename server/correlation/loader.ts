/**
 * The engine's GraphLoader over the storage contract (the reads are in storage/mongo and storage/postgres, object-graph.ts):
 * converts stored rows into the plain StoredObjects the rules see. Reads only the trust group's
 * own input collections (everything but `alerts`, so alerts never feed the next run); other
 * groups contribute counts only (countObservableKeysElsewhere), never objects.
 */
import type { Checkpoint, GraphReader, ObjectGraph, PhaseTimer } from '../storage/contract';
import { latestVersions, type ObjectDoc } from '../storage/objects';
import type { GraphLoader } from './preload';
import type { ExternalObservation, StixObject, StoredObject } from './types';

export interface CorrelationStore extends GraphLoader {
  /** Objects of the input collections after `after` and before `until`, in (date_added, key) order. */
  newObjects(after: Checkpoint | undefined, until: string, limit: number): Promise<{ objects: StoredObject[]; last?: Checkpoint }>;
}

export interface OtherGroup {
  name: string;
  graph: ObjectGraph;
  /** Its alerts collection, left out of the counts. */
  alertsCol: string;
}

export interface LoaderDeps {
  group: string;
  graph: ObjectGraph;
  inputCols: string[];
  others: OtherGroup[];
  phases?: PhaseTimer;
}

/** Link ends as stored in meta.links (defined beside the graph that follows them). */
export { linkEndsOf } from './graph';

export function toStored(doc: ObjectDoc, group: string): StoredObject {
  const m = doc.meta;
  return {
    stix: JSON.parse(doc.raw) as StixObject,
    meta: {
      date_added: m.added,
      organisation: m.org,
      // A released copy is the originating group's report, readable here because it was released.
      group: m.origin ? m.origin.group : group,
      tlp: m.tlp,
      readers: m.readers,
      ...(m.origin ? { released_to: [group] } : {}),
    },
  };
}

class Store implements CorrelationStore {
  private readonly reader: GraphReader;
  constructor(private readonly d: LoaderDeps) {
    this.reader = d.graph.reader(d.inputCols, d.phases);
  }

  /** toStored over a list, timed as "parse" (JSON.parse of the stored texts dominates it). */
  private stored(docs: Iterable<ObjectDoc>): StoredObject[] {
    const stop = this.d.phases?.start('parse');
    const out: StoredObject[] = [];
    for (const x of docs) out.push(toStored(x, this.d.group));
    stop?.();
    return out;
  }

  async newObjects(after: Checkpoint | undefined, until: string, limit: number) {
    const docs = await this.reader.newObjects(after, until, limit);
    const last = docs[docs.length - 1];
    // One (the latest) version per id, in arrival order.
    const keep = new Set(latestVersions(docs));
    return { objects: this.stored(docs.filter((x) => keep.has(x))), last: last && { added: last.meta.added, key: last._id } };
  }

  async getByIds(_group: string, ids: string[]) {
    return this.stored(latestVersions(await this.reader.byIds(ids)));
  }

  async getLinksTouching(_group: string, ids: string[]) {
    return this.stored(latestVersions(await this.reader.linksTouching(ids)));
  }

  async getByObservableKeys(_group: string, keys: string[], since: string) {
    return this.stored(latestVersions(await this.reader.byKeys(keys, since)));
  }

  /** Per (other group, key): organisations, count, last_seen. */
  async countObservableKeysElsewhere(_group: string, keys: string[], since: string): Promise<ExternalObservation[]> {
    const stop = this.d.phases?.start('other groups');
    const rows = new Map<string, ExternalObservation & { orgs: Set<string> }>();
    for (const other of this.d.others) {
      const reports = await other.graph.shareableKeyReports(keys, since, { excludeCollection: other.alertsCol, notFromGroup: this.d.group });
      for (const { key, organisation, added } of reports) {
        const id = `${other.name}\u0000${key}`;
        let r = rows.get(id);
        if (!r) rows.set(id, (r = { key, group: other.name, organisations: [], count: 0, last_seen: added, orgs: new Set() }));
        r.orgs.add(organisation);
        r.count++;
        if (added > r.last_seen) r.last_seen = added;
      }
    }
    stop?.();
    return [...rows.values()].map(({ orgs, ...r }) => ({ ...r, organisations: [...orgs].sort() }));
  }
}

export function createStore(d: LoaderDeps): CorrelationStore {
  return new Store(d);
}
