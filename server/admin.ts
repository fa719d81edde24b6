/**
 * Administration use cases behind the admin CLI: trust groups, collections, sharing policy.
 * Plain functions over the storage layer, so tests call them directly.
 */
import { BadRequest, NotFound } from './errors';
import { COLLECTION_ALIAS, groupNameProblem } from './names';
import { collectionId, type CollectionDoc } from './storage/collections';
import type { Storage } from './storage/contract';
import { TrustGroups } from './storage/trust-groups';

export async function createGroup(storage: Storage, name: string, title?: string, description?: string): Promise<void> {
  const problem = groupNameProblem(name);
  if (problem) throw new BadRequest('invalid_request', `${problem}.`);
  await new TrustGroups(storage, 0).ensure(name, title, description);
}

export async function createCollection(
  storage: Storage,
  group: string,
  spec: { alias: string; title: string; description?: string; readOnly?: boolean },
): Promise<CollectionDoc> {
  if (!(await new TrustGroups(storage, 0).get(group))) throw new NotFound(`There is no trust group "${group}".`);
  if (!COLLECTION_ALIAS.test(spec.alias)) throw new BadRequest('invalid_request', `"${spec.alias}" is not a valid alias (a-z, 0-9, '-').`);
  return storage.group(group).collections.ensure(group, {
    alias: spec.alias,
    title: spec.title,
    description: spec.description,
    writable: !spec.readOnly,
    releaseTo: [],
  });
}

/** Sharing policy: new CLEAR/GREEN/unmarked objects of this collection are released to `releaseTo`. */
export async function setSharingPolicy(storage: Storage, group: string, alias: string, releaseTo: string[]): Promise<void> {
  const groups = new TrustGroups(storage, 0);
  if (!(await groups.get(group))) throw new NotFound(`There is no trust group "${group}".`);
  for (const g of releaseTo) {
    if (g === group) throw new BadRequest('invalid_request', 'A collection cannot release to its own trust group.');
    if (!(await groups.get(g))) throw new NotFound(`There is no trust group "${g}".`);
  }
  const ok = await storage.group(group).collections.setReleaseTo(collectionId(group, alias), releaseTo);
  if (!ok) throw new NotFound(`There is no collection "${alias}" in "${group}".`);
}
