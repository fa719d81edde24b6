/** What the feed runner and the mirror need from the hub (their own file: the mirror imports it, the runner imports the mirror). */
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { LeaseRepository } from '../storage/contract';
import type { TrustGroups } from '../storage/trust-groups';
import type { ServiceDeps } from '../taxii/deps';

export interface RunnerDeps {
  groups: TrustGroups;
  service: ServiceDeps;
  leases: LeaseRepository;
  log: Logger;
  metrics: Metrics;
  leaseMs: number;
  maxObjects: number;
  instance?: string;
}
