import { createSecretKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Unauthenticated } from '../errors';
import { principalFromClaims } from './claims';
import { KID_PATTERN, parseJwks, type KeySet } from './jwks';
import type { Principal } from './principal';
import { reloadingFile, type ReloadingFile } from './reloading';

export interface AuthSettings {
  issuer: string;
  audience: string;
  /** JSON file `{ "keys": [JWK, ...] }` with public keys only. */
  jwksPath: string;
  allowHs256: boolean;
  hsSecret?: string;
  clockToleranceSeconds: number;
  /** JSON file: an array of revoked `jti` strings. Missing at start = nothing revoked. */
  revokedPath?: string;
  /** How often the two files are checked for changes; default 2000 ms. */
  reloadIntervalMs?: number;
}

export interface TokenVerifier {
  /** Throws Unauthenticated('invalid_token', reason); the reason never contains key material or token parts. */
  verify(token: string): Principal;
  close(): void;
}

/** pino-compatible; only stable event names and ids are logged, never tokens. */
export interface AuthLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface VerifierOptions {
  logger?: AuthLogger;
  /** Milliseconds since the epoch; tests move the clock with it. */
  now?: () => number;
}

const MAX_TOKEN_LENGTH = 8192;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MIN_HS_SECRET_BYTES = 32;
const MAX_CLOCK_TOLERANCE = 300;

function invalid(reason: string): never {
  throw new Unauthenticated('invalid_token', reason);
}

function decodeSegment(segment: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return invalid(`token ${what} is not valid JSON`);
  }
}

/** jsonwebtoken checks the signature with one pinned algorithm; claims.ts checks every claim. */
function verifyWithJsonwebtoken(token: string, key: KeyObject, alg: 'RS256' | 'ES256' | 'HS256'): unknown {
  try {
    return jwt.verify(token, key, { algorithms: [alg], ignoreExpiration: true, ignoreNotBefore: true });
  } catch {
    return invalid('token signature does not verify');
  }
}

/** RFC 8037 §3.1: jsonwebtoken 9 has no EdDSA, so Ed25519 JWS is checked with node:crypto. */
function verifyEd25519(token: string, key: KeyObject): unknown {
  const [header, payload, signature] = token.split('.');
  const ok = verifySignature(null, Buffer.from(`${header}.${payload}`, 'ascii'), key, Buffer.from(signature, 'base64url'));
  if (!ok) invalid('token signature does not verify');
  return decodeSegment(payload, 'payload');
}

function parseRevoked(text: string): ReadonlySet<string> {
  const list: unknown = JSON.parse(text);
  if (!Array.isArray(list) || !list.every((j) => typeof j === 'string')) {
    throw new Error('revocation list must be a JSON array of jti strings');
  }
  return new Set(list as string[]);
}

function checkSettings(s: AuthSettings): void {
  if (!s.issuer || !s.audience) throw new Error('auth: issuer and audience are required');
  if (!(s.clockToleranceSeconds >= 0 && s.clockToleranceSeconds <= MAX_CLOCK_TOLERANCE)) {
    throw new Error(`auth: clockToleranceSeconds must be between 0 and ${MAX_CLOCK_TOLERANCE}`);
  }
  if (s.allowHs256 && Buffer.byteLength(s.hsSecret ?? '', 'utf8') < MIN_HS_SECRET_BYTES) {
    throw new Error(`auth: allowHs256 needs an hsSecret of at least ${MIN_HS_SECRET_BYTES} bytes`);
  }
}

/**
 * Verifies Puente bearer tokens (see docs/security.md). The JWKS and the revocation list are
 * re-read when they change, so keys rotate and tokens are revoked without a restart. A broken
 * JWKS at start-up is fatal; a broken one later keeps the last good key set.
 */
export function createTokenVerifier(s: AuthSettings, options: VerifierOptions = {}): TokenVerifier {
  checkSettings(s);
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const reload = {
    intervalMs: s.reloadIntervalMs ?? 2000,
    now,
    onReloadError: (path: string, err: Error) => logger?.warn({ event: 'auth.reload_failed', path, reason: err.message }, 'auth file not reloaded'),
  };
  const logRejected = (set: KeySet) => {
    for (const r of set.rejected) logger?.warn({ event: 'auth.jwks.key_rejected', kid: r.kid, reason: r.reason }, 'JWKS key ignored');
  };
  const jwks: ReloadingFile<KeySet> = reloadingFile(s.jwksPath, (text) => parseJwks(JSON.parse(text)), {
    ...reload,
    onReload: (path, set) => {
      logRejected(set);
      logger?.info({ event: 'auth.jwks.reloaded', path, kids: [...set.keys.keys()] }, 'JWKS reloaded');
    },
  });
  logRejected(jwks.current());
  const revoked: ReloadingFile<ReadonlySet<string>> | null = s.revokedPath
    ? reloadingFile(s.revokedPath, parseRevoked, { ...reload, whenMissing: () => new Set<string>() })
    : null;
  const hsKey = s.allowHs256 && s.hsSecret ? createSecretKey(Buffer.from(s.hsSecret, 'utf8')) : null;
  const rules = { issuer: s.issuer, audience: s.audience, clockToleranceSeconds: s.clockToleranceSeconds };

  function checkSignature(token: string): unknown {
    const header = decodeSegment(token.slice(0, token.indexOf('.')), 'header');
    if (typeof header !== 'object' || header === null || Array.isArray(header)) invalid('token header is not an object');
    const { alg, kid, crit } = header as Record<string, unknown>;
    // RFC 7515 §4.1.11: we implement no extensions, so any crit must be refused.
    if (crit !== undefined) invalid('token header has unsupported critical extensions');
    if (kid === undefined) {
      // A shared secret has no kid; HS256 never uses a JWKS key (that would be the public-key-as-secret attack).
      if (alg !== 'HS256' || hsKey === null) invalid('token algorithm is not accepted');
      return verifyWithJsonwebtoken(token, hsKey, 'HS256');
    }
    if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) invalid('token kid is malformed');
    const key = jwks.current().keys.get(kid);
    if (!key) invalid('token kid is not a known key');
    if (alg !== key.alg) invalid('token algorithm does not match its key');
    return key.alg === 'EdDSA' ? verifyEd25519(token, key.key) : verifyWithJsonwebtoken(token, key.key, key.alg);
  }

  return {
    verify(token: string): Principal {
      if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
        invalid('token is not a signed compact JWT');
      }
      const payload = checkSignature(token);
      const principal = principalFromClaims(payload, rules, Math.floor(now() / 1000));
      if (revoked?.current().has(principal.tokenId as string)) invalid('token has been revoked');
      return principal;
    },
    close() {
      jwks.close();
      revoked?.close();
    },
  };
}
