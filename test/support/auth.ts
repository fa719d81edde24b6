/** Real keys and real tokens for API tests: an ES256 key in a JWKS file the hub reads. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken } from '../../server/auth/issue';
import type { Role } from '../../server/auth/principal';

export const ORG_CO_CERT = 'identity--c0c0c0c0-0000-4000-8000-000000000001';
export const ORG_CO_MIN = 'identity--c0c0c0c0-0000-4000-8000-000000000002';
export const ORG_EU_CERT = 'identity--e0e0e0e0-0000-4000-8000-000000000001';
export const ORG_NATO = 'identity--a0a0a0a0-0000-4000-8000-000000000001';

export class TokenKit {
  readonly dir = mkdtempSync(join(tmpdir(), 'puente-keys-'));
  readonly jwksPath = join(this.dir, 'jwks.json');
  readonly revokedPath = join(this.dir, 'revoked.json');
  readonly publicKey: KeyObject;
  private readonly privateKey: KeyObject;

  constructor() {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'test-1', alg: 'ES256', use: 'sig' };
    writeFileSync(this.jwksPath, JSON.stringify({ keys: [jwk] }));
    writeFileSync(this.revokedPath, '[]');
  }

  /** Environment for startTestHub: real verification of real tokens. */
  env(): Record<string, string> {
    return { PUENTE_JWKS_PATH: this.jwksPath, PUENTE_REVOKED_PATH: this.revokedPath };
  }

  token(organisation: string, groups: Record<string, Role[]>, kind: 'cert' | 'person' | 'feed' = 'cert', subject?: string): string {
    return issueToken({
      privateKey: this.privateKey,
      kid: 'test-1',
      subject: subject ?? `${kind}-${organisation.slice(-4)}`,
      organisation,
      groups,
      kind,
      ttlSeconds: 3600,
      issuer: 'puente',
      audience: 'puente',
    }).token;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
