import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import { Unauthenticated } from '../../server/errors';
import { issueToken, parseGroupOptions, parseTtl } from '../../server/auth/issue';
import { createKey, retireKey, revokeToken } from '../../server/auth/keyfiles';
import { authenticate } from '../../server/auth/middleware';
import { createTokenVerifier } from '../../server/auth/tokens';
import type { AsymmetricAlg } from '../../server/auth/jwks';

const ORG = 'identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f';
let dir: string;
let clockMs: number;
const jwksPath = () => join(dir, 'jwks.json');
const revokedPath = () => join(dir, 'revoked.json');

function verifier() {
  return createTokenVerifier(
    { issuer: 'iss', audience: 'aud', jwksPath: jwksPath(), revokedPath: revokedPath(), allowHs256: false, clockToleranceSeconds: 30 },
    { now: () => clockMs },
  );
}

function issue(kid: string, over: Partial<Parameters<typeof issueToken>[0]> = {}) {
  return issueToken({
    privateKey: readFileSync(join(dir, `${kid}.pem`), 'utf8'),
    kid,
    subject: 'cert-co',
    organisation: ORG,
    groups: parseGroupOptions(['colombia=reader,writer', 'eu=feed']),
    kind: 'cert',
    ttlSeconds: 3600,
    issuer: 'iss',
    audience: 'aud',
    now: clockMs,
    ...over,
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'puente-cli-'));
  clockMs = Date.now();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('keys create / tokens issue', () => {
  it.each<AsymmetricAlg>(['ES256', 'RS256', 'EdDSA'])('issues a %s token the verifier accepts', (alg) => {
    createKey({ alg, kid: 'k1', privateKeyPath: join(dir, 'k1.pem'), jwksPath: jwksPath() });
    const v = verifier();
    const p = v.verify(issue('k1').token);
    expect(p.roles).toEqual({ colombia: ['reader', 'writer'], eu: ['feed'] });
    v.close();
  });

  it('writes the private key with mode 0600 and only public members into the JWKS', () => {
    createKey({ alg: 'ES256', kid: 'k1', privateKeyPath: join(dir, 'k1.pem'), jwksPath: jwksPath() });
    expect(statSync(join(dir, 'k1.pem')).mode & 0o777).toBe(0o600);
    const [jwk] = JSON.parse(readFileSync(jwksPath(), 'utf8')).keys;
    expect(jwk).toMatchObject({ kid: 'k1', alg: 'ES256', use: 'sig', kty: 'EC', crv: 'P-256' });
    expect(jwk.d).toBeUndefined();
  });

  it('refuses a duplicate kid, a path-like kid and an existing private key file', () => {
    createKey({ alg: 'ES256', kid: 'k1', privateKeyPath: join(dir, 'k1.pem'), jwksPath: jwksPath() });
    expect(() => createKey({ alg: 'ES256', kid: 'k1', privateKeyPath: join(dir, 'k9.pem'), jwksPath: jwksPath() })).toThrow(/already/);
    expect(() => createKey({ alg: 'ES256', kid: '../k2', privateKeyPath: join(dir, 'k2.pem'), jwksPath: jwksPath() })).toThrow(/kid/);
    expect(() => createKey({ alg: 'ES256', kid: 'k3', privateKeyPath: join(dir, 'k1.pem'), jwksPath: jwksPath() })).toThrow(/EEXIST/);
  });

  it('refuses to issue a token the verifier would refuse', () => {
    createKey({ alg: 'EdDSA', kid: 'k1', privateKeyPath: join(dir, 'k1.pem'), jwksPath: jwksPath() });
    expect(() => issue('k1', { organisation: 'identity--nope' })).toThrow(/org/);
    expect(() => issue('k1', { ttlSeconds: 0 })).toThrow(/ttl/);
  });

  it('retiring a key makes its tokens fail after the reload interval', () => {
    createKey({ alg: 'ES256', kid: 'old', privateKeyPath: join(dir, 'old.pem'), jwksPath: jwksPath() });
    const v = verifier();
    const token = issue('old').token;
    expect(v.verify(token).subject).toBe('cert-co');
    createKey({ alg: 'EdDSA', kid: 'new', privateKeyPath: join(dir, 'new.pem'), jwksPath: jwksPath() });
    retireKey({ kid: 'old', jwksPath: jwksPath() });
    clockMs += 2001;
    expect(() => v.verify(token)).toThrow(/not a known key/);
    expect(v.verify(issue('new').token).subject).toBe('cert-co');
    v.close();
  });
});

describe('tokens revoke', () => {
  it('revokes a jti and the verifier refuses it after the reload interval', () => {
    createKey({ alg: 'ES256', kid: 'k1', privateKeyPath: join(dir, 'k1.pem'), jwksPath: jwksPath() });
    const v = verifier();
    const { token, jti } = issue('k1');
    expect(v.verify(token).tokenId).toBe(jti);
    expect(revokeToken({ jti, revokedPath: revokedPath() })).toBe(true);
    expect(revokeToken({ jti, revokedPath: revokedPath() })).toBe(false);
    clockMs += 2001;
    expect(() => v.verify(token)).toThrow(/revoked/);
    v.close();
  });
});

describe('option parsing', () => {
  it('parses --group and --ttl', () => {
    expect(parseGroupOptions(['colombia=reader', 'colombia=writer', 'eu=feed'])).toEqual({ colombia: ['reader', 'writer'], eu: ['feed'] });
    expect(() => parseGroupOptions(['colombia=root'])).toThrow(/unknown role/);
    expect(parseTtl('30d')).toBe(30 * 86400);
    expect(parseTtl('15m')).toBe(900);
    expect(() => parseTtl('1y')).toThrow(/ttl/);
  });
});

describe('authenticate middleware', () => {
  const principal = { subject: 's', organisation: ORG, roles: { colombia: ['reader' as const] } };
  const fakeVerifier = { verify: jest.fn(() => principal), close: jest.fn() };
  const run = (authorization?: string) => {
    const req = { get: (h: string) => (h.toLowerCase() === 'authorization' ? authorization : undefined) } as unknown as Request;
    const res = { locals: {} } as Response;
    const next = jest.fn() as NextFunction;
    authenticate(fakeVerifier)(req, res, next);
    return { res, next };
  };

  it('sets res.locals.principal from a bearer token', () => {
    const { res, next } = run('Bearer abc.def.ghi');
    expect(fakeVerifier.verify).toHaveBeenCalledWith('abc.def.ghi');
    expect(res.locals.principal).toBe(principal);
    expect(next).toHaveBeenCalledWith();
  });

  it.each([undefined, 'Basic dXNlcjpwYXNz'])('throws missing_token for the Authorization header %s', (h) => {
    expect(() => run(h)).toThrow(expect.objectContaining({ code: 'missing_token' }));
    expect(() => run(h)).toThrow(Unauthenticated);
  });

  it('throws invalid_token for a malformed bearer value', () => {
    expect(() => run('Bearer a b')).toThrow(expect.objectContaining({ code: 'invalid_token' }));
  });
});
