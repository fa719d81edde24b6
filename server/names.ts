/**
 * Names and identifier forms, each written once and imported wherever it is checked (config,
 * tokens, the admin CLI, storage), so that they can never disagree.
 */
import crypto from 'node:crypto';

/**
 * Trust group (API root) names, in tokens, URLs, settings and the admin CLI. Up to 40 characters:
 * with a PUENTE_DB_PREFIX of up to 20 and a '-', `<prefix>-<group>` stays within the 63 bytes of
 * a PostgreSQL identifier and of a FerretDB database name.
 */
export const GROUP_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Paths of the hub itself: an API root there would be unreachable. */
export const RESERVED_GROUP_NAMES: readonly string[] = ['taxii2', 'healthz', 'readyz', 'metrics', 'admin'];

/** Why `name` cannot be a trust group, or undefined when it can. */
export function groupNameProblem(name: string): string | undefined {
  if (!GROUP_NAME.test(name)) return `"${name.slice(0, 64)}" is not a valid trust group name (a-z, 0-9, '-', up to 40 characters)`;
  if (RESERVED_GROUP_NAMES.includes(name)) return `"${name}" is reserved (${RESERVED_GROUP_NAMES.join(', ')})`;
  return undefined;
}

/** Collection aliases (admin CLI, storage): the last part of a collection's stable UUIDv5 name. */
export const COLLECTION_ALIAS = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** STIX 2.1 §2.9 identifier of an identity, lower case (the form Puente compares). */
export const IDENTITY_ID = /^identity--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A host name or address of this machine (PUENTE_HOST). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A socket peer address on this machine (IPv4, IPv6 and IPv4-mapped IPv6). */
export function isLoopbackPeer(remote: string | undefined): boolean {
  return !!remote && (remote === '::1' || remote.startsWith('127.') || remote.startsWith('::ffff:127.'));
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

/** A STIX identifier as stored (lower case): `type--UUID`. Anything else names no stored object. */
export const STIX_ID = /^[a-z0-9][a-z0-9-]*[a-z0-9]--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
