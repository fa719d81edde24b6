/**
 * A collection's changes as one sequence in (date_added, key) order: stored object versions
 * (a revocation is a version like any other) and deletion records, which take their date_added
 * from the same clock. The event stream and webhooks read it; each reader is an indexed keyset
 * read (objects col_added, deletions deletions_col_added) and this merges them.
 */
import type { GroupStorage } from './contract';
import type { ObjectDoc, Viewer } from './objects';
import type { DeletionDoc, SequencePosition } from './webhooks';

export type Change =
  | { kind: 'object'; added: string; key: string; doc: ObjectDoc }
  | { kind: 'deletion'; added: string; key: string; deletion: DeletionDoc };

/** Where a read starts: strictly after a position, or strictly after a date_added (TAXII added_after). */
export interface From {
  after?: SequencePosition;
  addedAfter?: string;
}

export type ChangeReader = (from: From, limit: number) => Promise<Change[]>;

export function comparePositions(a: SequencePosition, b: SequencePosition): number {
  if (a.added !== b.added) return a.added < b.added ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Every version of a collection's objects as the viewer may read them. */
export function objectChanges(g: Pick<GroupStorage, 'objects'>, collection: string, viewer: Viewer, types?: string[]): ChangeReader {
  return async (from, limit) => {
    const page = await g.objects.page({ collection, viewer, types, versions: { all: true }, after: from.after, addedAfter: from.addedAfter, limit });
    return page.docs.map((doc) => ({ kind: 'object', added: doc.meta.added, key: doc._id, doc }));
  };
}

/** Deletion records of a collection as the viewer may read them (restricted ones only for their readers). */
export function deletionChanges(g: Pick<GroupStorage, 'deletions'>, collection: string, viewer: Viewer, types?: string[]): ChangeReader {
  return async (from, limit) => {
    const docs = await g.deletions.page({ collection, viewer, after: from.after, addedAfter: from.addedAfter, limit });
    // Types are few per page of deletions (rare writes): filtered here, not in the index.
    return docs.filter((d) => !types?.length || types.includes(d.type)).map((deletion) => ({ kind: 'deletion', added: deletion.added, key: deletion._id, deletion }));
  };
}

/**
 * The next `limit` changes over several readers, in order. A reader that filled its page may
 * hold more beyond its last row, so the merged page stops there (nothing after it can be known
 * to come before that reader's next row).
 */
export async function readMerged(readers: ChangeReader[], from: From, limit: number): Promise<Change[]> {
  const pages = await Promise.all(readers.map((r) => r(from, limit)));
  let bound: Change | undefined;
  for (const p of pages) {
    const last = p[p.length - 1];
    if (p.length >= limit && last && (!bound || comparePositions(last, bound) < 0)) bound = last;
  }
  const all = pages.flat().sort(comparePositions);
  return (bound ? all.filter((c) => comparePositions(c, bound) <= 0) : all).slice(0, limit);
}

/** Pages of merged changes from `from` to the end of what is stored now. */
export async function* changePages(readers: ChangeReader[], from: From, batch: number): AsyncGenerator<Change[], void, undefined> {
  let at = from;
  for (;;) {
    const page = await readMerged(readers, at, batch);
    if (page.length) yield page;
    if (page.length < batch) return;
    const last = page[page.length - 1]!;
    at = { after: { added: last.added, key: last.key } };
  }
}
