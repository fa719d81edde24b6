/**
 * Hostile input through HTTP with real tokens: bad tokens, operator injection, prototype keys,
 * repeated parameters, oversized and deep bodies, forged pagination tokens, role abuse.
 */
import crypto from 'node:crypto';
import request from 'supertest';
import jwt from 'jsonwebtoken';
import { startTestHub, type TestHub, TAXII } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { indicator } from '../support/stix';
import { TokenKit, ORG_CO_CERT } from '../support/auth';

const kit = new TokenKit();
let t: TestHub;
let co: Client;
let feed: Client;
let col: string;
const objects = () => `/colombia/collections/${col}/objects/`;

beforeAll(async () => {
  t = await startTestHub({ ...kit.env(), PUENTE_MAX_CONTENT_LENGTH: String(32 * 1024 * 1024), PUENTE_MAX_OBJECTS: '10000' });
  co = client(t.app, { Authorization: `Bearer ${kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer'] })}` });
  feed = client(t.app, { Authorization: `Bearer ${kit.token(ORG_CO_CERT, { colombia: ['feed'] }, 'feed')}` });
  col = await co.collectionId('colombia', 'incidents');
  await co.post(objects(), { objects: [indicator(), indicator(), indicator()] }).expect(202);
});
afterAll(async () => {
  await t.close();
  kit.cleanup();
});

async function countObjects(): Promise<number> {
  const res = await co.get(`${objects()}?limit=1000&match[version]=all`).expect(200);
  return (res.body.objects ?? []).length;
}

describe('tokens over HTTP', () => {
  it('answers 401 with WWW-Authenticate: Bearer and a TAXII error when no token is sent', async () => {
    const res = await request(t.app).get('/taxii2/').set('Accept', TAXII).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body).toMatchObject({ error_code: 'missing_token', http_status: '401' });
  });

  it('refuses alg=none', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: 'test-1' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'x', iss: 'puente', aud: 'puente', exp: now + 600, iat: now, jti: 'j1', org: ORG_CO_CERT, kind: 'cert', groups: { colombia: ['admin'] } };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const res = await request(t.app).get('/taxii2/').set('Accept', TAXII).set('Authorization', `Bearer ${header}.${body}.`).expect(401);
    expect(res.body.error_code).toBe('invalid_token');
  });

  it('refuses HS256 signed with the public key', async () => {
    const pem = kit.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const forged = jwt.sign({ sub: 'x', org: ORG_CO_CERT, kind: 'cert', groups: { colombia: ['admin'] }, jti: 'j2' }, pem, {
      algorithm: 'HS256', issuer: 'puente', audience: 'puente', expiresIn: 600, keyid: 'test-1',
    });
    await request(t.app).get('/taxii2/').set('Accept', TAXII).set('Authorization', `Bearer ${forged}`).expect(401);
  });
});

describe('injection', () => {
  it.each([
    'match[id][$ne]=x',
    'match[type][$gt]=',
    '$where=1',
    'added_after[$gt]=2020-01-01T00:00:00Z',
    '__proto__[limit]=1',
    'constructor[prototype][x]=1',
  ])('refuses the query %s with 400', async (qs) => {
    const res = await co.get(`${objects()}?${qs}`).expect(400);
    expect(res.body.error_code).toBe('unknown_parameter');
  });

  it.each(['added_after=2026-01-01T00:00:00Z&added_after=2026-01-02T00:00:00Z', 'limit=1&limit=2', 'match[id]=a&match[id]=b'])(
    'refuses the repeated parameter in %s',
    async (qs) => {
      const res = await co.get(`${objects()}?${qs}`).expect(400);
      expect(res.body.error_code).toBe('repeated_parameter');
    },
  );

  it.each(['limit=0', 'limit=abc', 'limit=-1', 'added_after=yesterday', 'added_after=2026-02-30T00:00:00Z', 'match[spec_version]=3.0', 'match[id]={"$ne":1}'])(
    'refuses the malformed %s',
    async (qs) => {
      const res = await co.get(`${objects()}?${qs}`).expect(400);
      expect(res.body.error_code).toBe('invalid_parameter');
    },
  );

  it('stores operator-looking keys in a custom property as plain data', async () => {
    const before = await countObjects();
    const obj = indicator({ x_q: { $where: 'sleep(1000)', $gt: '', 'a.b': 1 } });
    const res = await co.post(objects(), JSON.stringify({ objects: [obj] })).expect(202);
    expect(res.body.success_count).toBe(1);
    expect(await countObjects()).toBe(before + 1);
    const got = await co.get(`${objects()}${obj.id}/`).expect(200);
    expect(got.body.objects[0].x_q).toEqual({ $where: 'sleep(1000)', $gt: '', 'a.b': 1 });
  });

  it('refuses an object with a __proto__ property, says why, and pollutes nothing', async () => {
    const before = await countObjects();
    const id = `indicator--${crypto.randomUUID()}`;
    const sneaky = `{"objects":[{"type":"indicator","spec_version":"2.1","id":"${id}","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}]}`;
    const res = await co.post(objects(), sneaky).expect(202);
    expect(res.body.failure_count).toBe(1);
    expect(res.body.failures[0].message).toMatch(/__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await countObjects()).toBe(before);
  });

  it('ignores server-owned fields sent in the body: provenance comes from the token', async () => {
    const obj = indicator({ x_puente_submitted_by: 'someone-else' });
    const res = await co.post(objects(), { objects: [obj], date_added: '2000-01-01T00:00:00Z', submitted_by: 'eve' }).expect(202);
    expect(res.body.success_count).toBe(1);
    {
      const got = await co.get(`${objects()}${obj.id}/`).expect(200);
      expect(got.headers['x-taxii-date-added-first']).not.toBe('2000-01-01T00:00:00.000000Z');
      const audit = await request(t.app)
        .get('/colombia/admin/audit/?limit=1000')
        .set('Accept', TAXII)
        .set('Authorization', `Bearer ${kit.token(ORG_CO_CERT, { colombia: ['admin'] })}`)
        .expect(200);
      const added = audit.body.entries.filter((e: { event: string; details: { ids?: string[] } }) => e.event === 'objects.added' && e.details.ids?.includes(obj.id as string));
      expect(added).toHaveLength(1);
      expect(added[0].organisation).toBe(ORG_CO_CERT);
    }
  });
});

describe('size and shape limits', () => {
  it('refuses a body nested 10,000 levels deep without crashing', async () => {
    const deep = `{"objects":[{"type":"indicator","x_deep":${'['.repeat(10000)}${']'.repeat(10000)}}]}`;
    const res = await co.post(objects(), deep).expect(400);
    expect(res.body.error_code).toBe('too_deep');
    await co.get('/colombia/').expect(200);
  });

  it('refuses a 100,000-object envelope, naming the limit and its setting', async () => {
    const before = await countObjects();
    const tiny = '{"type":"x"}';
    const body = `{"objects":[${Array(100000).fill(tiny).join(',')}]}`;
    const res = await co.post(objects(), body);
    expect([400, 413]).toContain(res.status);
    expect(res.body.error_code).toBe('too_many_objects');
    expect(res.body.description).toMatch(/PUENTE_MAX_OBJECTS/);
    expect(await countObjects()).toBe(before);
  });
});

describe('pagination tokens', () => {
  it('refuses a forged next token', async () => {
    const first = await co.get(`${objects()}?limit=1`).expect(200);
    expect(first.body.next).toBeDefined();
    const [body] = (first.body.next as string).split('.');
    const forged = `${Buffer.from(JSON.stringify(['0000-00-00T00:00:00.000000Z', ''])).toString('base64url')}.${'A'.repeat(32)}`;
    await co.get(`${objects()}?limit=1&next=${forged}`).expect(400);
    await co.get(`${objects()}?limit=1&next=${body}.${'B'.repeat(32)}`).expect(400);
  });

  it('refuses a next token replayed with other filters or by another caller', async () => {
    const first = await co.get(`${objects()}?limit=1`).expect(200);
    const next = first.body.next as string;
    await co.get(`${objects()}?limit=1&next=${next}`).expect(200);
    const other = await co.get(`${objects()}?limit=1&match[type]=indicator&next=${next}`).expect(400);
    expect(other.body.error_code).toBe('invalid_next');
    await feed.get(`${objects()}?limit=1&next=${next}`).expect(400);
  });
});

describe('roles', () => {
  it('refuses a feed token that tries to write', async () => {
    const res = await feed.post(objects(), { objects: [indicator()] }).expect(403);
    expect(res.body.error_code).toBe('forbidden');
  });

  it('lets a feed token read, with can_write false', async () => {
    const res = await feed.get(`/colombia/collections/${col}/`).expect(200);
    expect(res.body).toMatchObject({ can_read: true, can_write: false });
  });

  it('refuses writing to a read-only collection', async () => {
    const alerts = await co.collectionId('colombia', 'alerts');
    await co.post(`/colombia/collections/${alerts}/objects/`, { objects: [indicator()] }).expect(403);
  });
});
