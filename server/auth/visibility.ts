/**
 * Traffic Light Protocol decisions on every read path and on release (design table in
 * docs/security.md), over the marking facts of stix/markings.ts.
 */
import { isTlp, recipientsOf, tlpOf, type Tlp } from '../stix/markings';
import type { Principal } from './principal';
import { memberOf } from './permissions';

/** Server-owned metadata stored beside the object. `readers: []` means the whole trust group. */
export interface Visibility {
  tlp: Tlp | null;
  readers: string[];
  /** The submitting organisation (from its token, never from the object). */
  originator?: string;
}

export function visibilityOf(
  stixObject: Record<string, unknown>,
  submitterOrganisation: string,
  resolve?: (markingId: string) => Tlp | null,
): Required<Visibility> {
  const tlp = tlpOf(stixObject, resolve);
  if (tlp === null || tlp === 'clear' || tlp === 'green') return { tlp, readers: [], originator: submitterOrganisation };
  // AMBER, AMBER+STRICT, RED: the originator and the organisations it names. The originator always sees its own.
  const readers = [...new Set([submitterOrganisation, ...recipientsOf(stixObject)])];
  return { tlp, readers, originator: submitterOrganisation };
}

const NEEDS_READERS: readonly Tlp[] = ['amber', 'amber+strict', 'red'];

/** May this principal see an object with this meta in this trust group? Admins get no exception. */
export function canSee(p: Principal, group: string, meta: Visibility): boolean {
  if (!memberOf(p, group)) return false;
  if (meta.tlp !== null && !isTlp(meta.tlp)) return false; // corrupt meta: refuse
  if (meta.tlp !== null && NEEDS_READERS.includes(meta.tlp) && meta.readers.length === 0) return false;
  return meta.readers.length === 0 || meta.readers.includes(p.organisation);
}

/**
 * May `byOrganisation` release the object to another trust group? CLEAR: any member. GREEN,
 * unmarked and AMBER: the originator only (GREEN is "within the community"; the community is the
 * group). AMBER+STRICT and RED: never.
 */
export function releasable(meta: Visibility, byOrganisation: string): boolean {
  switch (meta.tlp) {
    case 'clear':
      return true;
    case null:
    case 'green':
    case 'amber':
      return meta.originator !== undefined && meta.originator === byOrganisation;
    default:
      return false;
  }
}
