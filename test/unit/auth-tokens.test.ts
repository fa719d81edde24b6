import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Unauthenticated } from '../../server/errors';
import { createTokenVerifier, type AuthSettings, type TokenVerifier } from '../../server/auth/tokens';

const ISS = 'https://puente.test';
const AUD = 'puente';
const ORG = 'identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f';
const NOW = 1_750_000_000; // seconds
const HS_SECRET = 'a-shared-secret-of-at-least-32-bytes!!';

type Alg = 'RS256' | 'ES256' | 'EdDSA';
interface TestKey {
  kid: string;
  alg: Alg;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function makeKey(kid: string, alg: Alg): TestKey {
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  return { kid, alg, ...pair };
}

const jwkOf = (k: TestKey) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, use: 'sig' });
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Builds a compact JWS by hand, so a test can forge exactly the token an attacker would. */
function jws(header: Record<string, unknown>, payload: unknown, signer: (input: Buffer) => Buffer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signer(Buffer.from(input)).toString('base64url')}`;
}

function signerFor(k: TestKey) {
  return (input: Buffer) =>
    k.alg === 'EdDSA'
      ? sign(null, input, k.privateKey)
      : k.alg === 'ES256'
        ? sign('sha256', input, { key: k.privateKey, dsaEncoding: 'ieee-p1363' })
        : sign('sha256', input, k.privateKey);
}
const hmac = (secret: string | Buffer) => (input: Buffer) => createHmac('sha256', secret).update(input).digest();

function claims(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISS,
    aud: AUD,
    sub: 'cert-co',
    iat: NOW - 60,
    exp: NOW + 3600,
    jti: 'tok-1',
    org: ORG,
    kind: 'cert',
    groups: { colombia: ['reader', 'writer'], eu: ['feed'] },
    ...over,
  };
}

const tokenBy = (k: TestKey, over: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
  jws({ alg: k.alg, typ: 'JWT', kid: k.kid, ...header }, claims(over), signerFor(k));

let dir: string;
let clockMs: number;
let es: TestKey;
let rs: TestKey;
let ed: TestKey;
let verifiers: TokenVerifier[];

function settings(over: Partial<AuthSettings> = {}): AuthSettings {
  return {
    issuer: ISS,
    audience: AUD,
    jwksPath: join(dir, 'jwks.json'),
    allowHs256: false,
    clockToleranceSeconds: 30,
    revokedPath: join(dir, 'revoked.json'),
    ...over,
  };
}

function verifier(over: Partial<AuthSettings> = {}): TokenVerifier {
  const v = createTokenVerifier(settings(over), { now: () => clockMs });
  verifiers.push(v);
  return v;
}

function writeJwks(keys: unknown[]) {
  writeFileSync(join(dir, 'jwks.tmp'), JSON.stringify({ keys }));
  // rename like the CLI does; a new inode is a visible change even within one mtime tick
  renameSync(join(dir, 'jwks.tmp'), join(dir, 'jwks.json'));
}

/** Asserts refusal *for this reason*, so a test cannot pass because some other check fired. */
function expectRefused(v: TokenVerifier, token: string, reason: RegExp) {
  let error: unknown;
  try {
    v.verify(token);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(Unauthenticated);
  expect((error as Unauthenticated).code).toBe('invalid_token');
  expect((error as Unauthenticated).message).toMatch(reason);
}

beforeAll(() => {
  es = makeKey('es-1', 'ES256');
  rs = makeKey('rs-1', 'RS256');
  ed = makeKey('ed-1', 'EdDSA');
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'puente-auth-'));
  clockMs = NOW * 1000;
  verifiers = [];
  writeJwks([jwkOf(es), jwkOf(rs), jwkOf(ed)]);
});

afterEach(() => {
  verifiers.forEach((v) => v.close());
  rmSync(dir, { recursive: true, force: true });
});

describe('valid tokens', () => {
  it.each(['ES256', 'RS256', 'EdDSA'] as const)('accepts a %s token and builds the principal from its claims', (alg) => {
    const key = { ES256: es, RS256: rs, EdDSA: ed }[alg];
    const p = verifier().verify(tokenBy(key));
    expect(p).toEqual({
      subject: 'cert-co',
      organisation: ORG,
      roles: { colombia: ['reader', 'writer'], eu: ['feed'] },
      tokenId: 'tok-1',
      kind: 'cert',
    });
    expect(p.development).toBeUndefined();
  });

  it('accepts an aud array that contains our audience', () => {
    expect(verifier().verify(tokenBy(es, { aud: ['other', AUD] })).subject).toBe('cert-co');
  });

  it('accepts a token that expired less than the clock tolerance ago', () => {
    expect(verifier().verify(tokenBy(es, { exp: NOW - 10 })).subject).toBe('cert-co');
  });

  it('accepts an HS256 token without kid signed with the configured secret when HS256 is allowed', () => {
    const token = jws({ alg: 'HS256', typ: 'JWT' }, claims(), hmac(HS_SECRET));
    expect(verifier({ allowHs256: true, hsSecret: HS_SECRET }).verify(token).organisation).toBe(ORG);
  });
});

describe('token attacks', () => {
  it('refuses alg=none with an empty signature', () => {
    const v = verifier();
    const unsigned = `${b64({ alg: 'none', kid: es.kid })}.${b64(claims())}.`;
    expectRefused(v, unsigned, /not a signed compact JWT/);
  });

  it('refuses alg=none with a kid and a made-up signature', () => {
    const token = jws({ alg: 'none', kid: es.kid }, claims(), () => Buffer.from('x'));
    expectRefused(verifier(), token, /algorithm does not match its key/);
  });

  it('refuses alg=none without a kid, even when HS256 is allowed', () => {
    const token = jws({ alg: 'none' }, claims(), () => Buffer.from('x'));
    expectRefused(verifier({ allowHs256: true, hsSecret: HS_SECRET }), token, /algorithm is not accepted/);
  });

  it('refuses HS256 signed with the RSA public key and naming the RSA kid', () => {
    const pem = rs.publicKey.export({ format: 'pem', type: 'spki' });
    const token = jws({ alg: 'HS256', typ: 'JWT', kid: rs.kid }, claims(), hmac(pem));
    expectRefused(verifier({ allowHs256: true, hsSecret: HS_SECRET }), token, /algorithm does not match its key/);
  });

  it('refuses HS256 signed with the RSA public key and no kid when HS256 is not allowed', () => {
    const pem = rs.publicKey.export({ format: 'pem', type: 'spki' });
    const token = jws({ alg: 'HS256', typ: 'JWT' }, claims(), hmac(pem));
    expectRefused(verifier(), token, /algorithm is not accepted/);
  });

  it('refuses HS256 signed with the RSA public key and no kid even when HS256 is allowed', () => {
    const pem = rs.publicKey.export({ format: 'pem', type: 'spki' });
    const token = jws({ alg: 'HS256', typ: 'JWT' }, claims(), hmac(pem));
    expectRefused(verifier({ allowHs256: true, hsSecret: HS_SECRET }), token, /signature does not verify/);
  });

  it('refuses an expired token', () => {
    expectRefused(verifier(), tokenBy(es, { iat: NOW - 7200, exp: NOW - 3600 }), /expired/);
  });

  it('refuses a token without exp', () => {
    expectRefused(verifier(), tokenBy(es, { exp: undefined }), /no exp/);
  });

  it('refuses a token that is not valid yet (nbf in the future)', () => {
    expectRefused(verifier(), tokenBy(es, { nbf: NOW + 600 }), /not valid yet/);
  });

  it('refuses a token issued in the future (iat beyond the tolerance)', () => {
    expectRefused(verifier(), tokenBy(es, { iat: NOW + 600 }), /not valid yet/);
  });

  it('refuses a token from another issuer', () => {
    expectRefused(verifier(), tokenBy(es, { iss: 'https://evil.test' }), /issuer/);
  });

  it('refuses a token without iss', () => {
    expectRefused(verifier(), tokenBy(es, { iss: undefined }), /issuer/);
  });

  it('refuses a token for another audience', () => {
    expectRefused(verifier(), tokenBy(es, { aud: ['other-service'] }), /audience/);
  });

  it('refuses a token whose kid is not in the JWKS even when it is signed by a known key', () => {
    expectRefused(verifier(), tokenBy(es, {}, { kid: 'es-2' }), /not a known key/);
  });

  it.each(['../../etc/passwd', '/etc/passwd', '..\\jwks.json', 'file:///etc/passwd', 'a'.repeat(65)])(
    'refuses the path-like or oversized kid %s before any lookup',
    (kid) => {
      expectRefused(verifier(), tokenBy(es, {}, { kid }), /kid is malformed/);
    },
  );

  it.each(['__proto__', 'constructor', 'toString'])('refuses the kid %s (no prototype lookups)', (kid) => {
    expectRefused(verifier(), tokenBy(es, {}, { kid }), /not a known key/);
  });

  it('refuses a token whose payload was changed after signing', () => {
    const [h, , s] = tokenBy(es).split('.');
    const forged = `${h}.${b64(claims({ groups: { colombia: ['admin'] } }))}.${s}`;
    expectRefused(verifier(), forged, /signature does not verify/);
  });

  it('refuses an EdDSA token signed by a different Ed25519 key under a known kid', () => {
    const other = makeKey(ed.kid, 'EdDSA');
    expectRefused(verifier(), tokenBy(other), /signature does not verify/);
  });

  it('refuses a token with a crit header', () => {
    expectRefused(verifier(), tokenBy(es, {}, { crit: ['exp'] }), /critical/);
  });
});

describe('claim shapes', () => {
  it.each([
    ['an unknown role', { groups: { colombia: ['superuser'] } }, /unknown role/],
    ['a __proto__ group', JSON.parse('{"groups":{"__proto__":["admin"]}}'), /invalid trust group/],
    ['an empty role list', { groups: { colombia: [] } }, /empty or invalid role list/],
    ['groups as an array', { groups: [['colombia', 'admin']] }, /not an object/],
    ['an org that is not an identity id', { org: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f' }, /org/],
    ['a missing jti', { jti: undefined }, /jti/],
    ['an unknown kind', { kind: 'robot' }, /kind/],
    ['an empty sub', { sub: '' }, /sub/],
  ])('refuses a token with %s', (_name, over, reason) => {
    expectRefused(verifier(), tokenBy(es, over as Record<string, unknown>), reason as RegExp);
  });

  it('never exposes prototype properties as groups', () => {
    const p = verifier().verify(tokenBy(es));
    expect(Object.prototype.hasOwnProperty.call(p.roles, 'constructor')).toBe(false);
    expect(Object.isFrozen(p.roles)).toBe(true);
  });
});

describe('revocation', () => {
  it('refuses a token whose jti is on the revocation list', () => {
    writeFileSync(join(dir, 'revoked.json'), JSON.stringify(['tok-1']));
    expectRefused(verifier(), tokenBy(es), /revoked/);
  });

  it('refuses a token revoked after start-up within the reload interval, without a restart', () => {
    const v = verifier({ reloadIntervalMs: 2000 });
    expect(v.verify(tokenBy(es)).tokenId).toBe('tok-1');
    writeFileSync(join(dir, 'revoked.json'), JSON.stringify(['tok-1']));
    clockMs += 2001;
    expectRefused(v, tokenBy(es), /revoked/);
    expect(v.verify(tokenBy(es, { jti: 'tok-2' })).tokenId).toBe('tok-2');
  });
});

describe('key rotation without restart', () => {
  it('accepts a token from a newly added key and refuses the retired key after the reload interval', () => {
    const v = verifier({ reloadIntervalMs: 2000 });
    const next = makeKey('es-2', 'ES256');
    expect(v.verify(tokenBy(es)).subject).toBe('cert-co');
    expectRefused(v, tokenBy(next), /not a known key/);

    writeJwks([jwkOf(next), jwkOf(rs), jwkOf(ed)]); // es-1 retired, es-2 added
    clockMs += 2001;
    expect(v.verify(tokenBy(next)).subject).toBe('cert-co');
    expectRefused(v, tokenBy(es), /not a known key/);
  });

  it('keeps the last good key set when the JWKS file becomes invalid', () => {
    const warn = jest.fn();
    const v = createTokenVerifier(settings(), { now: () => clockMs, logger: { warn, info: jest.fn() } });
    verifiers.push(v);
    writeFileSync(join(dir, 'jwks.json'), '{"keys": [');
    clockMs += 2001;
    expect(v.verify(tokenBy(es)).subject).toBe('cert-co');
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ event: 'auth.reload_failed' }), expect.any(String));
  });

  it('ignores JWKS entries that carry private material, a mismatched alg or a short RSA modulus', () => {
    const weak = makeKey('rs-weak', 'RS256');
    const weakJwk = { ...generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }), kid: weak.kid };
    const priv = { ...es.privateKey.export({ format: 'jwk' }), kid: 'es-priv' };
    writeJwks([jwkOf(es), weakJwk, priv, { ...jwkOf(rs), alg: 'HS256' }]);
    const v = verifier();
    expect(v.verify(tokenBy(es)).subject).toBe('cert-co');
    expectRefused(v, tokenBy({ ...es, kid: 'es-priv' }), /not a known key/);
    expectRefused(v, tokenBy(rs), /not a known key/);
  });

  it('refuses to start without a JWKS file', () => {
    rmSync(join(dir, 'jwks.json'));
    expect(() => verifier()).toThrow(/not found/);
  });

  it('refuses to start with HS256 allowed but no strong secret', () => {
    expect(() => verifier({ allowHs256: true, hsSecret: 'short' })).toThrow(/hsSecret/);
  });
});
