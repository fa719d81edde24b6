import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/** The only algorithms Puente verifies with a JWKS key; each key type allows exactly one. */
export type AsymmetricAlg = 'RS256' | 'ES256' | 'EdDSA';

export interface VerificationKey {
  kid: string;
  alg: AsymmetricAlg;
  key: KeyObject;
}

/** Key ids are compared, never used as paths or property names; this keeps them boring. */
export const KID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const MIN_RSA_BITS = 2048;

/**
 * The algorithm a JWK may be used with, fixed by its type (RFC 7518 §3.1, RFC 8037 §3.1).
 * Pinning per key, not per token, is what defeats alg=none and the HS256-with-public-key attack.
 */
export function pinnedAlg(jwk: Record<string, unknown>): AsymmetricAlg {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  throw new Error('unsupported key type (use RSA, EC P-256 or OKP Ed25519)');
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** One JWK -> a public verification key, or an Error saying why it is unusable. */
export function parseJwk(raw: unknown): VerificationKey {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('key is not an object');
  const jwk = raw as Record<string, unknown>;
  if (typeof jwk.kid !== 'string' || !KID_PATTERN.test(jwk.kid)) throw new Error('key has no valid kid');
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw new Error('key contains private or symmetric material');
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new Error('key use is not sig');
  const alg = pinnedAlg(jwk);
  if (jwk.alg !== undefined && jwk.alg !== alg) throw new Error(`key alg must be ${alg} for its type`);
  const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  if (alg === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw new Error(`RSA key shorter than ${MIN_RSA_BITS} bits`);
  }
  return { kid: jwk.kid, alg, key };
}

export interface KeySet {
  keys: ReadonlyMap<string, VerificationKey>;
  /** Keys left out, with the reason; for the log. */
  rejected: { kid: string | null; reason: string }[];
}

/**
 * A JWKS document (RFC 7517 §5) -> keys by kid. Unusable keys are left out, not fatal, so one bad
 * entry cannot block a rotation; a kid that appears twice is ambiguous and both entries are dropped.
 */
export function parseJwks(doc: unknown): KeySet {
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { keys?: unknown }).keys)) {
    throw new Error('JWKS must be an object with a "keys" array');
  }
  const keys = new Map<string, VerificationKey>();
  const duplicated = new Set<string>();
  const rejected: KeySet['rejected'] = [];
  for (const raw of (doc as { keys: unknown[] }).keys) {
    const kid = typeof (raw as { kid?: unknown })?.kid === 'string' ? (raw as { kid: string }).kid : null;
    try {
      const parsed = parseJwk(raw);
      if (keys.has(parsed.kid) || duplicated.has(parsed.kid)) {
        keys.delete(parsed.kid);
        duplicated.add(parsed.kid);
        rejected.push({ kid, reason: 'duplicate kid' });
        continue;
      }
      keys.set(parsed.kid, parsed);
    } catch (err) {
      rejected.push({ kid: kid !== null && KID_PATTERN.test(kid) ? kid : null, reason: (err as Error).message });
    }
  }
  return { keys, rejected };
}
