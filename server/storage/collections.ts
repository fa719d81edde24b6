/**
 * TAXII collections of one trust group, and the trust groups of the registry (rows on every backend).
 * Collection ids are UUIDv5 of (group, alias), so seeding is idempotent.
 */
import { uuidV5 } from '../names';

export interface CollectionDoc {
  _id: string;
  alias: string;
  title: string;
  description?: string;
  /** false: clients may not add or delete (alerts, released-in). */
  writable: boolean;
  /** Groups this collection's new objects are released to automatically (sharing policy). */
  releaseTo: string[];
  created: string;
}

export interface GroupDoc {
  _id: string;
  title: string;
  description: string;
  created: string;
}

export function collectionId(group: string, alias: string): string {
  return uuidV5(`puente/collection/${group}/${alias}`);
}

export const DEFAULT_COLLECTIONS: readonly Omit<CollectionDoc, '_id' | 'created'>[] = [
  { alias: 'incidents', title: 'Incidents', description: 'Incident reports, observed data and sightings shared by the group\'s CERTs.', writable: true, releaseTo: [] },
  { alias: 'indicators', title: 'Indicators', description: 'Indicators, malware, threat actors and TTPs shared by the group\'s CERTs.', writable: true, releaseTo: [] },
  { alias: 'alerts', title: 'Critical-infrastructure alerts', description: 'Alerts raised by Puente\'s correlation jobs (read-only).', writable: false, releaseTo: [] },
  { alias: 'frameworks', title: 'Reference frameworks', description: 'DISARM (disinformation) and MITRE ATT&CK for ICS, the frameworks correlation alerts cite, as published with their licences (read-only).', writable: false, releaseTo: [] },
  { alias: 'released-in', title: 'Released from other groups', description: 'Objects other trust groups released to this group, with their provenance (read-only).', writable: false, releaseTo: [] },
];
