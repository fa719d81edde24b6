/**
 * STIX 2.1 §2.9 identifiers: `type--UUID`, the type part equal to the object's type, an
 * RFC 4122 UUID. SDOs, SROs and meta objects SHOULD use UUIDv4; some SCOs MUST (§6.x).
 */
import { error, warning, type Report } from '../findings';
import { type Rule, type StixObject } from './types';

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-([0-9a-fA-F])[0-9a-fA-F]{3}-([0-9a-fA-F])[0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;

/** SCOs whose ID contributing properties are all optional: with none present, UUIDv4 is required. */
const OPTIONAL_CONTRIBUTORS: Record<string, string[]> = {
  artifact: ['hashes', 'payload_bin'],
  'email-message': ['from_ref', 'subject', 'body'],
  'user-account': ['account_type', 'user_id', 'account_login'],
  'windows-registry-key': ['key', 'values'],
  'x509-certificate': ['hashes', 'serial_number'],
};

export function uuidVersion(id: string): number | undefined {
  const m = UUID_RE.exec(id.slice(id.indexOf('--') + 2));
  if (!m) return undefined;
  const variant = parseInt(m[2], 16);
  if ((variant & 0xc) !== 0x8) return undefined; // RFC 4122 variant is 10xx
  return parseInt(m[1], 16);
}

export const identifierRules: Rule = (obj: StixObject, type: string, report: Report, ctx) => {
  const id = obj.id;
  if (typeof id !== 'string') return;
  const sep = id.indexOf('--');
  if (sep < 0) return; // the schema reports the form
  if (id.slice(0, sep) !== type) {
    error(report, '/id', 'id-type-mismatch', `id '${id}' must start with the object's type '${type}--'`);
  }
  const version = uuidVersion(id);
  if (version === undefined) {
    error(report, '/id', 'id-uuid', `the UUID part of id '${id}' is not an RFC 4122 UUID`);
    return;
  }
  const sco = ctx.schemas.scoTypes.has(type);
  if (type === 'process' && version !== 4) {
    error(report, '/id', 'id-uuid-version', `a process object must use a UUIDv4 id, '${id}' is UUIDv${version}`);
  } else if (sco && OPTIONAL_CONTRIBUTORS[type] && version !== 4 && OPTIONAL_CONTRIBUTORS[type].every((p) => !(p in obj))) {
    error(
      report,
      '/id',
      'id-uuid-version',
      `a ${type} with none of its ID contributing properties (${OPTIONAL_CONTRIBUTORS[type].join(', ')}) must use a UUIDv4 id, '${id}' is UUIDv${version}`,
    );
  } else if (!sco && 'created' in obj && version !== 4) {
    warning(report, '/id', 'id-uuid-version', `STIX 2.1 §2.9: id '${id}' should use a UUIDv4, not UUIDv${version}`);
  }
};
