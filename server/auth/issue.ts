import { createPrivateKey, randomUUID, sign as signBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { principalFromClaims } from './claims';
import { KID_PATTERN, type AsymmetricAlg } from './jwks';
import { ROLES, type PrincipalKind, type Role } from './principal';

export interface IssueInput {
  /** PEM text or a KeyObject of the private key. */
  privateKey: string | KeyObject;
  kid: string;
  subject: string;
  organisation: string;
  groups: Record<string, Role[]>;
  kind: PrincipalKind;
  ttlSeconds: number;
  issuer: string;
  audience: string;
  jti?: string;
  /** Milliseconds since the epoch. */
  now?: number;
}

export interface IssuedToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

export const MAX_TTL_SECONDS = 366 * 24 * 3600;

/** The algorithm follows the key, as on the verifying side. */
export function algForPrivateKey(key: KeyObject): AsymmetricAlg {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  throw new Error('private key must be RSA, EC P-256 or Ed25519');
}

function signEdDSA(payload: object, key: KeyObject, kid: string): string {
  const enc = (v: object) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
  const input = `${enc({ alg: 'EdDSA', typ: 'JWT', kid })}.${enc(payload)}`;
  return `${input}.${signBytes(null, Buffer.from(input, 'ascii'), key).toString('base64url')}`;
}

/** Mints a Puente bearer token (claim format in docs/security.md). */
export function issueToken(input: IssueInput): IssuedToken {
  const key = typeof input.privateKey === 'string' ? createPrivateKey(input.privateKey) : input.privateKey;
  if (key.type !== 'private') throw new Error('--key must be a private key');
  const alg = algForPrivateKey(key);
  if (!KID_PATTERN.test(input.kid)) throw new Error('--kid must match ^[A-Za-z0-9._-]{1,64}$');
  if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds <= 0 || input.ttlSeconds > MAX_TTL_SECONDS) {
    throw new Error(`--ttl must be between 1 s and ${MAX_TTL_SECONDS / 86400} days`);
  }
  const iat = Math.floor((input.now ?? Date.now()) / 1000);
  const payload = {
    iss: input.issuer,
    aud: input.audience,
    sub: input.subject,
    iat,
    exp: iat + input.ttlSeconds,
    jti: input.jti ?? randomUUID(),
    org: input.organisation,
    kind: input.kind,
    groups: input.groups,
  };
  // Refuse to mint anything the verifier would refuse (bad org, unknown role, odd group name).
  principalFromClaims(payload, { issuer: input.issuer, audience: input.audience, clockToleranceSeconds: 0 }, iat);
  const token =
    alg === 'EdDSA'
      ? signEdDSA(payload, key, input.kid)
      : jwt.sign(payload, key, { algorithm: alg, keyid: input.kid, header: { alg, typ: 'JWT', kid: input.kid } });
  return { token, jti: payload.jti, expiresAt: new Date(payload.exp * 1000) };
}

/** `--group colombia=reader,writer` (repeatable) -> { colombia: ['reader', 'writer'] }. */
export function parseGroupOptions(values: readonly string[]): Record<string, Role[]> {
  const groups: Record<string, Role[]> = Object.create(null);
  for (const value of values) {
    const m = /^([^=]+)=(.+)$/.exec(value);
    if (!m) throw new Error(`--group ${value}: expected GROUP=role[,role]`);
    const roles = m[2].split(',').map((r) => r.trim());
    for (const r of roles) if (!ROLES.includes(r as Role)) throw new Error(`--group ${value}: unknown role ${r}`);
    groups[m[1]] = [...new Set([...(groups[m[1]] ?? []), ...(roles as Role[])])];
  }
  if (Object.keys(groups).length === 0) throw new Error('at least one --group is required');
  return { ...groups };
}

/** `90s`, `15m`, `12h`, `30d` -> seconds. */
export function parseTtl(text: string): number {
  const m = /^(\d{1,6})([smhd])$/.exec(text);
  if (!m) throw new Error(`--ttl ${text}: expected a number and s, m, h or d (e.g. 30d)`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}
