/**
 * TAXII collections of one trust group, and the trust groups of the registry (rows on every backend).
 * Collection ids are UUIDv5 of (group, alias), so seeding is idempotent.
 */
import crypto from 'node:crypto';

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

const NAMESPACE = '6d1f3c3e-8f4b-5a0e-9c61-2b7e4f0a9d15';

/** RFC 4122 §4.3 name-based UUID (SHA-1, version 5). */
export function uuidV5(name: string, namespace = NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = crypto.createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function collectionId(group: string, alias: string): string {
  return uuidV5(`puente/collection/${group}/${alias}`);
}

export const DEFAULT_COLLECTIONS: readonly Omit<CollectionDoc, '_id' | 'created'>[] = [
  { alias: 'incidents', title: 'Incidents', description: 'Incident reports, observed data and sightings shared by the group\'s CERTs.', writable: true, releaseTo: [] },
  { alias: 'indicators', title: 'Indicators', description: 'Indicators, malware, threat actors and TTPs shared by the group\'s CERTs.', writable: true, releaseTo: [] },
  { alias: 'alerts', title: 'Critical-infrastructure alerts', description: 'Alerts raised by Puente\'s correlation jobs (read-only).', writable: false, releaseTo: [] },
  { alias: 'released-in', title: 'Released from other groups', description: 'Objects other trust groups released to this group, with their provenance (read-only).', writable: false, releaseTo: [] },
];
