/** What the TAXII service and ingestion are built from (composition in hub.ts). */
import type { Principal } from '../auth/principal';
import type { PageTokens } from '../http/pagination';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { CollectionDoc } from '../storage/collections';
import type { ObjectDoc, ObjectMeta } from '../storage/objects';
import type { TrustGroups } from '../storage/trust-groups';
import type { Validator } from '../stix';
import type { ExtensionDefinitions } from './extensions';

export interface ServiceDeps {
  groups: TrustGroups;
  validator: Validator;
  tokens: PageTokens;
  metrics: Metrics;
  log: Logger;
  maxContentLength: number;
  pageSizeDefault: number;
  statusRetentionHours: number;
  /** Extension definitions stored in each group, for validating extensions (STIX 2.1 §7.3). */
  extensions?: ExtensionDefinitions;
  /** Extra server-owned metadata derived from a valid object (e.g. correlation keys). */
  deriveMeta?: (stix: Record<string, unknown>) => Partial<ObjectMeta>;
  /** Called after objects are stored (sharing policy, audit), before the client is answered. */
  onStored?: (event: StoredEvent) => Promise<void>;
  /** Called after a delete, before the client is answered (audit). */
  onDeleted?: (event: { principal: Principal; group: string; collection: string; id: string; versions: string[]; restricted: boolean }) => Promise<void>;
}

export interface StoredEvent {
  principal: Principal;
  group: string;
  collection: CollectionDoc;
  /** Every accepted object of the request (new and already stored). */
  docs: ObjectDoc[];
  /** Those of `docs` that this request stored. */
  stored: ObjectDoc[];
}
