/**
 * What a consumer is told of a deleted object version, the same on the event stream and in
 * webhooks: the STIX id, type and version that are gone, and the date_added of the deletion.
 */
import type { DeletionDoc } from '../storage/webhooks';

export interface DeletionNotice {
  id: string;
  type: string;
  version: string;
  date_deleted: string;
}

export function deletionNotice(d: DeletionDoc): DeletionNotice {
  return { id: d.id, type: d.type, version: d.version, date_deleted: d.added };
}
