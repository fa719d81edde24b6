import { Unauthenticated } from '../errors';
import {
  GROUP_NAME,
  IDENTITY_ID,
  PRINCIPAL_KINDS,
  ROLES,
  type Principal,
  type PrincipalKind,
  type Role,
} from './principal';

export interface ClaimRules {
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
}

const JTI = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_SUBJECT = 256;

function invalid(reason: string): never {
  throw new Unauthenticated('invalid_token', reason);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNumericDate(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** `groups` claim -> frozen roles map. Anything unexpected fails the whole token, never just the entry. */
function parseGroups(raw: unknown): Readonly<Record<string, readonly Role[]>> {
  if (!isPlainObject(raw)) invalid('token groups claim is not an object');
  const roles: Record<string, readonly Role[]> = Object.create(null);
  for (const group of Object.keys(raw)) {
    // JSON.parse makes "__proto__" an own key; GROUP_NAME refuses it with every other odd name.
    if (!GROUP_NAME.test(group)) invalid('token groups claim names an invalid trust group');
    const list = raw[group];
    if (!Array.isArray(list) || list.length === 0) invalid('token groups claim has an empty or invalid role list');
    for (const role of list) {
      if (!ROLES.includes(role as Role)) invalid('token groups claim has an unknown role');
    }
    roles[group] = Object.freeze([...new Set(list as Role[])]);
  }
  return Object.freeze(roles);
}

/**
 * RFC 7519 §4.1 registered claims and the Puente claims -> a Principal. One function for every
 * algorithm, so the time and audience rules cannot differ between the jsonwebtoken and EdDSA paths.
 */
export function principalFromClaims(payload: unknown, rules: ClaimRules, nowSeconds: number): Principal {
  if (!isPlainObject(payload)) invalid('token payload is not a JSON object');
  const tolerance = rules.clockToleranceSeconds;

  if (payload.iss !== rules.issuer) invalid('token issuer is not accepted');
  const aud = payload.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.includes(rules.audience)) invalid('token audience is not accepted');

  if (!isNumericDate(payload.exp)) invalid('token has no exp');
  // RFC 7519 §4.1.4: not accepted on or after exp.
  if (nowSeconds >= payload.exp + tolerance) invalid('token has expired');
  if (payload.nbf !== undefined) {
    if (!isNumericDate(payload.nbf)) invalid('token nbf is not a number');
    if (nowSeconds + tolerance < payload.nbf) invalid('token is not valid yet');
  }
  if (!isNumericDate(payload.iat)) invalid('token has no iat');
  if (nowSeconds + tolerance < payload.iat) invalid('token is not valid yet');

  if (typeof payload.jti !== 'string' || !JTI.test(payload.jti)) invalid('token has no valid jti');
  if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > MAX_SUBJECT) {
    invalid('token has no valid sub');
  }
  if (typeof payload.org !== 'string' || !IDENTITY_ID.test(payload.org)) invalid('token org is not an identity id');
  if (!PRINCIPAL_KINDS.includes(payload.kind as PrincipalKind)) invalid('token kind is not cert, person or feed');

  return Object.freeze({
    subject: payload.sub,
    organisation: payload.org,
    roles: parseGroups(payload.groups),
    tokenId: payload.jti,
    kind: payload.kind as PrincipalKind,
  });
}
