/**
 * TAXII status resources (§4.3.1). Kept for PUENTE_STATUS_RETENTION_HOURS (>= 24);
 * a cleanup job deletes expired ones (FerretDB has no TTL index, so MongoDB does the same).
 * Index: `expires` { expires } for the cleanup.
 */

export interface StatusDetail {
  id: string;
  version: string;
  message?: string;
}

export interface StatusDoc {
  _id: string;
  col: string;
  /** Submitter: only the same organisation (or a group admin) reads a status. */
  sub: string;
  org: string;
  status: 'pending' | 'complete';
  request_timestamp: string;
  total_count: number;
  success_count: number;
  failure_count: number;
  pending_count: number;
  successes: StatusDetail[];
  failures: StatusDetail[];
  pendings: StatusDetail[];
  expires: Date;
}
