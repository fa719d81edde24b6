import type { Principal, Role } from './principal';

/** The collection facts authorization needs; storage passes its own record, extra fields are ignored. */
export interface CollectionAccess {
  id: string;
  /** Roles allowed to read; absent = every role of the group. `admin` always reads. */
  readers?: readonly Role[];
  /** false = read-only collection. Absent = writable. */
  writable?: boolean;
}

/** The principal's roles in a group; own properties only, so "constructor" or "__proto__" is no group. */
export function rolesIn(p: Principal, group: string): readonly Role[] {
  return Object.prototype.hasOwnProperty.call(p.roles, group) ? (p.roles[group] ?? []) : [];
}

export function memberOf(p: Principal, group: string): boolean {
  return rolesIn(p, group).length > 0;
}

export function isAdmin(p: Principal, group: string): boolean {
  return rolesIn(p, group).includes('admin');
}

/** Feeds are pull-only automation: a feed token or a feed role never writes, whatever else it holds. */
function isFeed(p: Principal, group: string): boolean {
  return p.kind === 'feed' || rolesIn(p, group).includes('feed');
}

/** TAXII 2.1 §5.2 `can_read`. Reader, writer, feed and admin of the group read, unless the collection narrows it. */
export function canRead(p: Principal, group: string, collection: CollectionAccess): boolean {
  const roles = rolesIn(p, group);
  if (roles.length === 0) return false;
  if (roles.includes('admin') || collection.readers === undefined) return true;
  return roles.some((r) => collection.readers?.includes(r));
}

/** TAXII 2.1 §5.2 `can_write`. Writer or admin of the group, on a collection that is not read-only. */
export function canWrite(p: Principal, group: string, collection: CollectionAccess): boolean {
  if (collection.writable === false || isFeed(p, group)) return false;
  const roles = rolesIn(p, group);
  return roles.includes('writer') || roles.includes('admin');
}

/** Alert triage (status, assignee, comments, allow-list): writers and admins of the group, never a feed. */
export function canTriage(p: Principal, group: string): boolean {
  if (isFeed(p, group)) return false;
  const roles = rolesIn(p, group);
  return roles.includes('writer') || roles.includes('admin');
}
