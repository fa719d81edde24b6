/** Rows of the job machinery: leases, run history, checkpoints (scheduling itself is in jobs/). */

export interface LeaseDoc {
  _id: string;
  holder: string;
  acquiredAt: Date;
  expiresAt: Date;
}

export interface Lease {
  key: string;
  holder: string;
  expiresAt: Date;
}

export const OUTCOMES = ['running', 'ok', 'failed', 'skipped'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const TRIGGERS = ['schedule', 'api', 'cli'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export interface RunDoc {
  _id: string;
  job: string;
  group: string;
  trigger: Trigger;
  /** Instance holding the lease (absent when skipped). */
  holder?: string;
  started: string;
  ended?: string;
  outcome: Outcome;
  counts: Record<string, number>;
  error?: string;
}

export interface Checkpoint {
  /** date_added of the last object processed, and its storage key (ties on date_added). */
  added: string;
  key: string;
}
