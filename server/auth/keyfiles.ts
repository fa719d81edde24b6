import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { KID_PATTERN, parseJwk, type AsymmetricAlg } from './jwks';

/** Admin operations on the files the verifier reads: the JWKS and the revocation list. */

export const KEY_ALGS: readonly AsymmetricAlg[] = ['ES256', 'RS256', 'EdDSA'];

interface JwksDoc {
  keys: Record<string, unknown>[];
}

/** Write-then-rename, so the verifier never reads a half-written file. */
export function writeJsonAtomic(path: string, data: unknown, mode = 0o644): void {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode, flag: 'wx' });
  renameSync(tmp, path);
}

export function readJwksFile(path: string): JwksDoc {
  if (!existsSync(path)) return { keys: [] };
  const doc: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as JwksDoc).keys)) {
    throw new Error(`${path}: not a JWKS (expected {"keys": [...]})`);
  }
  return doc as JwksDoc;
}

function generate(alg: AsymmetricAlg): { publicKey: KeyObject; privateKey: KeyObject } {
  switch (alg) {
    case 'RS256':
      return generateKeyPairSync('rsa', { modulusLength: 3072 });
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
  }
}

export interface CreateKeyInput {
  alg: AsymmetricAlg;
  kid: string;
  /** Where the private key PEM goes (mode 0600; an existing file is never overwritten). */
  privateKeyPath: string;
  jwksPath: string;
}

/** Generates a signing key pair, writes the private PEM and adds the public JWK to the JWKS. */
export function createKey(input: CreateKeyInput): Record<string, unknown> {
  if (!KEY_ALGS.includes(input.alg)) throw new Error(`--alg must be one of ${KEY_ALGS.join(', ')}`);
  if (!KID_PATTERN.test(input.kid)) throw new Error('--kid must match ^[A-Za-z0-9._-]{1,64}$');
  const doc = readJwksFile(input.jwksPath);
  if (doc.keys.some((k) => k.kid === input.kid)) throw new Error(`kid ${input.kid} is already in ${input.jwksPath}`);

  const { publicKey, privateKey } = generate(input.alg);
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: input.kid, alg: input.alg, use: 'sig' };
  parseJwk(jwk); // the verifier must accept what we publish
  writeFileSync(input.privateKeyPath, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  writeJsonAtomic(input.jwksPath, { ...doc, keys: [...doc.keys, jwk] });
  return jwk;
}

/** Removes a key from the JWKS: tokens it signed are refused once the verifier reloads (~2 s). */
export function retireKey(input: { kid: string; jwksPath: string }): void {
  const doc = readJwksFile(input.jwksPath);
  const keys = doc.keys.filter((k) => k.kid !== input.kid);
  if (keys.length === doc.keys.length) throw new Error(`kid ${input.kid} is not in ${input.jwksPath}`);
  writeJsonAtomic(input.jwksPath, { ...doc, keys });
}

/** Adds a jti to the revocation list (created if missing). Returns false if it was already there. */
export function revokeToken(input: { jti: string; revokedPath: string }): boolean {
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(input.jti)) throw new Error('--jti is not a valid token id');
  const list: unknown = existsSync(input.revokedPath) ? JSON.parse(readFileSync(input.revokedPath, 'utf8')) : [];
  if (!Array.isArray(list)) throw new Error(`${input.revokedPath}: not a JSON array`);
  if (list.includes(input.jti)) return false;
  writeJsonAtomic(input.revokedPath, [...list, input.jti]);
  return true;
}
