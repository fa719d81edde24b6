import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../server/config';
import { SETTINGS, type Setting } from '../../server/config/settings';

function sample(s: Setting): { raw: string; value: unknown } {
  switch (s.type) {
    case 'int': {
      const n = Math.min((s.min ?? 0) + 7, s.max ?? Infinity);
      return { raw: String(n), value: n };
    }
    case 'bool':
      return { raw: String(!s.default), value: !s.default };
    case 'list':
      return { raw: 'alpha, beta', value: ['alpha', 'beta'] };
    case 'enum':
      return { raw: s.values![1]!, value: s.values![1] };
    default:
      return { raw: `value-${s.key}-${'x'.repeat(32)}`, value: `value-${s.key}-${'x'.repeat(32)}` };
  }
}

const needs: Record<string, Record<string, string>> = {
  PUENTE_TLS_CERT: { PUENTE_TLS_KEY: 'key.pem' },
  PUENTE_TLS_KEY: { PUENTE_TLS_CERT: 'cert.pem' },
  PUENTE_HS256_SECRET: { PUENTE_ALLOW_HS256: 'true' },
  PUENTE_ALLOW_HS256: { PUENTE_HS256_SECRET: 's'.repeat(32) },
  PUENTE_PAGE_SIZE_DEFAULT: { PUENTE_PAGE_SIZE_MAX: '100000' },
  PUENTE_PAGE_SIZE_MAX: { PUENTE_PAGE_SIZE_DEFAULT: '1' },
  PUENTE_DB_PREFIX: {},
  PUENTE_HOST: { PUENTE_JWKS_PATH: 'jwks.json' },
};

describe('configuration', () => {
  it.each((SETTINGS as readonly Setting[]).map((s) => [s.env, s]))('reads %s from the environment', (env, s) => {
    const { raw, value } = sample(s);
    const extra = needs[env] ?? {};
    const special: Record<string, string> = {
      PUENTE_DB_PREFIX: 'prefix7',
      PUENTE_MONGODB_WRITE_CONCERN: 'dc-bogota',
      PUENTE_TRUST_GROUPS: 'alpha,beta',
      PUENTE_IDENTITY: 'identity--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    };
    const rawValue = special[env] ?? raw;
    const config = loadConfig({ ...extra, [env]: rawValue }) as unknown as Record<string, unknown>;
    const expected = env in special && env !== 'PUENTE_TRUST_GROUPS' ? special[env] : value;
    expect(config[s.key]).toEqual(expected);
  });

  it('has no default secret', () => {
    const c = loadConfig({});
    expect(c.paginationSecret).toBeUndefined();
    expect(c.hs256Secret).toBeUndefined();
    expect(c.jwksPath).toBeUndefined();
  });

  it('stops on a bad value with a message naming the setting', () => {
    expect(() => loadConfig({ PUENTE_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PUENTE_PORT: 'eighty' })).toThrow(/PUENTE_PORT/);
    expect(() => loadConfig({ PUENTE_MAX_DEPTH: '2' })).toThrow(/PUENTE_MAX_DEPTH.*at least 4/);
    expect(() => loadConfig({ PUENTE_LOG_LEVEL: 'loud' })).toThrow(/PUENTE_LOG_LEVEL/);
    expect(() => loadConfig({ PUENTE_MONGODB_WRITE_CONCERN: 'w=1; drop' })).toThrow(/PUENTE_MONGODB_WRITE_CONCERN/);
    expect(loadConfig({}).mongodbWriteConcern).toBe('majority');
    expect(() => loadConfig({ PUENTE_TRUST_GROUPS: 'Colombia!' })).toThrow(/PUENTE_TRUST_GROUPS/);
    expect(() => loadConfig({ PUENTE_TLS_CERT: 'a.pem' })).toThrow(/give both/);
    expect(() => loadConfig({ PUENTE_ALLOW_HS256: 'true', PUENTE_HS256_SECRET: 'short' })).toThrow(/PUENTE_HS256_SECRET/);
    expect(() => loadConfig({ PUENTE_PAGINATION_SECRET: 'short' })).toThrow(/PUENTE_PAGINATION_SECRET/);
  });

  it('refuses a reachable address without PUENTE_JWKS_PATH (the development principal holds every role)', () => {
    expect(() => loadConfig({ PUENTE_HOST: '0.0.0.0', PUENTE_TLS_CERT: 'c.pem', PUENTE_TLS_KEY: 'k.pem' })).toThrow(/PUENTE_JWKS_PATH/);
    expect(loadConfig({ PUENTE_HOST: '0.0.0.0', PUENTE_TLS_CERT: 'c.pem', PUENTE_TLS_KEY: 'k.pem', PUENTE_JWKS_PATH: 'j.json' }).host).toBe('0.0.0.0');
  });

  it('refuses a PUENTE_IDENTITY that is not an identity id', () => {
    expect(() => loadConfig({ PUENTE_IDENTITY: 'not-an-identity' })).toThrow(/PUENTE_IDENTITY/);
  });

  it('is frozen', () => {
    const c = loadConfig({}) as unknown as Record<string, unknown>;
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.trustGroups)).toBe(true);
  });

  it('documents every setting in the README configuration table', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const s of SETTINGS) expect(readme).toContain(`\`${s.env}\``);
  });
});
