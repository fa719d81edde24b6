/**
 * Server-side triage state beside each correlation alert (the STIX grouping itself is never
 * changed), a group's allow-list of observable keys closed as false positives, and the claims
 * that make each new alert's notification go out once across hub instances. Same shapes on
 * every backend.
 */
export const ALERT_STATUSES = ['new', 'acknowledged', 'in_progress', 'closed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const CLOSE_REASONS = ['true_positive', 'false_positive', 'duplicate', 'benign'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

export interface AlertComment {
  at: string;
  by: string;
  organisation: string;
  text: string;
}

export interface AlertChange {
  at: string;
  by: string;
  organisation: string;
  /** What changed: the new values of status, reason, assignee; `comment: true` for a comment. */
  change: Record<string, string | boolean | null>;
}

export interface AlertStateDoc {
  /** The grouping id. */
  _id: string;
  status: AlertStatus;
  reason: CloseReason | null;
  assignee: string | null;
  comments: AlertComment[];
  history: AlertChange[];
  updated: string;
  /** Optimistic concurrency: each replace must name the version it read. */
  version: number;
}

export interface AllowEntry {
  /** An observable key (correlation/observables.ts). */
  _id: string;
  added: string;
  by: string;
  alert: string;
}
