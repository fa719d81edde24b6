import { isAdmin } from '../auth/permissions';
import type { Principal } from '../auth/principal';
import { NotFound } from '../errors';
import type { GroupStores, TrustGroups } from '../storage/trust-groups';

/**
 * The stores of `group` for one of its admins. Anyone else gets NotFound, worded as for something
 * absent (`absent`, e.g. "There are no webhooks"), so nobody learns what another group keeps.
 */
export async function adminGroup(groups: TrustGroups, p: Principal, group: string, absent: string): Promise<GroupStores> {
  const g = isAdmin(p, group) ? await groups.get(group) : undefined;
  if (!g) throw new NotFound(`${absent} for "${group.slice(0, 64)}".`);
  return g;
}
