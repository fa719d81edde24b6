/**
 * openapi.yaml is true to the hub: real requests through the real stack into the real database,
 * each answer (status, headers, Content-Type, body) validated against the document. An answer
 * the document does not describe fails the test, and every operation must be exercised.
 * The document's own rules (and the helper that reads it) are in openapi-spec.test.ts; generated
 * requests against a live hub in test/interop/schemathesis.test.ts.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { issueToken } from '../../server/auth/issue';
import type { Role } from '../../server/auth/principal';
import { startTestHub, TAXII, type TestHub } from '../support/hub';
import { OpenApi } from '../support/openapi';
import { envelope, indicator, malware, stixId } from '../support/stix';

const api = new OpenApi();
const ORG_A = 'identity--0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a';
const ORG_B = 'identity--0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';
const MAX_CONTENT_LENGTH = 65536;

let dir: string;
let privateKey: KeyObject;
let t: TestHub;
let writer: string; // org A, writer in colombia
let reader: string; // org B, reader in colombia
let admin: string; // org A, admin of colombia
let incidents: string;
let alerts: string;

function token(org: string, groups: Record<string, Role[]>): string {
  return issueToken({
    privateKey, kid: 'k1', subject: `cert-${org.slice(10, 14)}`, organisation: org, groups, kind: 'cert',
    ttlSeconds: 3600, issuer: 'puente', audience: 'puente',
  }).token;
}

/** GET/DELETE/POST with a token and TAXII Accept, validated against openapi.yaml. */
async function call(
  method: 'get' | 'post' | 'delete',
  path: string,
  opts: { token?: string | null; accept?: string; contentType?: string; body?: string; app?: TestHub } = {},
) {
  let req = request((opts.app ?? t).app)[method](path);
  const bearer = opts.token === undefined ? writer : opts.token;
  if (bearer !== null) req = req.set('Authorization', `Bearer ${bearer}`);
  req = req.set('Accept', opts.accept ?? TAXII);
  if (opts.body !== undefined) req = req.set('Content-Type', opts.contentType ?? TAXII).send(opts.body);
  const res = await req;
  return api.expectDescribed(res, { method, path });
}

/** A protected network for colombia, so the alert workflow has an alert to describe. */
function correlationConfig(): string {
  const file = join(dir, 'correlation.json');
  writeFileSync(file, JSON.stringify({ colombia: { protectedAssets: { cidrs: ['192.0.2.0/24'] } } }));
  return file;
}

function json(res: { text: string }): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(res.text);
}

const objectsOf = (col: string) => `/colombia/collections/${col}/objects/`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'puente-openapi-'));
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  privateKey = pair.privateKey;
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' };
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
  t = await startTestHub({
    PUENTE_JWKS_PATH: join(dir, 'jwks.json'),
    PUENTE_MAX_CONTENT_LENGTH: String(MAX_CONTENT_LENGTH),
    PUENTE_MAX_OBJECTS: '20',
    PUENTE_MAX_STRING_LENGTH: '4096',
    PUENTE_MAX_PROPERTIES: '100',
    PUENTE_CORRELATION_SETTLE_MS: '0',
    PUENTE_CORRELATION_CONFIG: correlationConfig(),
  });
  writer = token(ORG_A, { colombia: ['reader', 'writer'] });
  reader = token(ORG_B, { colombia: ['reader'] });
  admin = token(ORG_A, { colombia: ['admin'] });
  const cols = json(await call('get', '/colombia/collections/')).collections as { id: string; alias: string }[];
  incidents = cols.find((c) => c.alias === 'incidents')!.id;
  alerts = cols.find((c) => c.alias === 'alerts')!.id;
});

afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('health endpoints', () => {
  it('describes /healthz, /readyz and /metrics', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const res = await request(t.app).get(path);
      expect(res.status).toBe(200);
      api.expectDescribed(res, { method: 'get', path });
    }
  });

  it('describes the 503 of /readyz when the database is gone', async () => {
    const other = await startTestHub();
    await other.storage.close();
    const res = await request(other.app).get('/readyz');
    expect(res.status).toBe(503);
    api.expectDescribed(res, { method: 'get', path: '/readyz' });
  });
});

describe('methods a path does not take', () => {
  it.each([
    ['TRACE', '/taxii2/', 'get', 'GET, HEAD'],
    ['PUT', '/healthz', 'get', 'GET, HEAD'],
    ['PATCH', '/colombia/collections/c/objects/', 'post', 'GET, HEAD, POST'],
    ['DELETE', '/colombia/collections/c/objects/indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f/versions/', 'get', 'GET, HEAD'],
  ])('describes the 405 of %s %s, with Allow: its methods', async (method, path, declared, allow) => {
    const res = await request(t.app)[method.toLowerCase() as 'put'](path).set('Accept', TAXII);
    expect([res.status, res.headers.allow, json(res).error_code]).toEqual([405, allow, 'method_not_allowed']);
    api.expectDescribed(res, { method: declared, path });
  });

  it('answers OPTIONS with the same Allow, as info.description says', async () => {
    const res = await request(t.app).options('/colombia/collections/c/objects/indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f/');
    expect([res.status, res.headers.allow]).toEqual([200, 'DELETE, GET, HEAD']);
  });
});

describe('discovery, API root, collections', () => {
  it('describes discovery, and its 400, 401 (missing and invalid token) and 406', async () => {
    expect(json(await call('get', '/taxii2/')).api_roots).toEqual([expect.stringMatching(/\/colombia\/$/)]);
    expect(json(await call('get', '/taxii2/?x=1')).error_code).toBe('unknown_parameter');
    const missing = await call('get', '/taxii2/', { token: null });
    expect([missing.status, json(missing).error_code]).toEqual([401, 'missing_token']);
    const invalid = await call('get', '/taxii2/', { token: 'not.a.jwt' });
    expect([invalid.status, json(invalid).error_code]).toEqual([401, 'invalid_token']);
    const notAcceptable = await call('get', '/taxii2/', { accept: 'application/xml' });
    expect([notAcceptable.status, json(notAcceptable).error_code]).toEqual([406, 'not_acceptable']);
  });

  it('describes the API root and its 404 for a group the caller is not in', async () => {
    expect(json(await call('get', '/colombia/')).versions).toEqual([TAXII]);
    expect((await call('get', '/eu/')).status).toBe(404);
    expect((await call('get', '/colombia/?limit=1')).status).toBe(400);
  });

  it('describes collections and one collection, and their 400 and 404', async () => {
    expect((await call('get', '/colombia/collections/?limit=1')).status).toBe(400);
    expect((await call('get', '/eu/collections/')).status).toBe(404);
    expect(json(await call('get', `/colombia/collections/${incidents}/`)).can_write).toBe(true);
    expect(json(await call('get', `/colombia/collections/${incidents}/`, { token: reader })).can_write).toBe(false);
    expect((await call('get', '/colombia/collections/no-such-collection/')).status).toBe(404);
    expect((await call('get', `/colombia/collections/${incidents}/?match[id]=x`)).status).toBe(400);
  });
});

describe('add objects', () => {
  const post = (body: string, opts: { contentType?: string; accept?: string; token?: string; col?: string; query?: string } = {}) =>
    call('post', `${objectsOf(opts.col ?? incidents)}${opts.query ?? ''}`, { body, ...opts });

  it('describes the 202 status with successes and failures', async () => {
    const res = await post(JSON.stringify(envelope(indicator(), { type: 'indicator', id: 'oops' })));
    expect(res.status).toBe(202);
    expect(json(res)).toMatchObject({ status: 'complete', total_count: 2, success_count: 1, failure_count: 1 });
  });

  it('describes 415, 406 and 400 for a query parameter', async () => {
    const body = JSON.stringify(envelope(indicator()));
    expect(json(await post(body, { contentType: 'application/json' })).error_code).toBe('unsupported_media_type');
    expect(json(await post(body, { accept: 'text/html' })).error_code).toBe('not_acceptable');
    expect(json(await post(body, { query: '?limit=1' })).error_code).toBe('unknown_parameter');
  });

  it('describes 413 for a body over max_content_length and for too many objects', async () => {
    const big = JSON.stringify(envelope(indicator({ description: 'x'.repeat(MAX_CONTENT_LENGTH) })));
    expect(json(await post(big)).error_code).toBe('body_too_large');
    const many = JSON.stringify(envelope(...Array.from({ length: 21 }, () => indicator())));
    expect(json(await post(many)).error_code).toBe('too_many_objects');
  });

  it('describes 400 for each refused body: JSON, envelope, depth, string length, property count', async () => {
    expect(json(await post('{"objects": [')).error_code).toBe('invalid_json');
    expect(json(await post('{}')).error_code).toBe('invalid_envelope');
    let deep: unknown = 'bottom';
    for (let i = 0; i < 70; i++) deep = { x_deep: deep };
    expect(json(await post(JSON.stringify(envelope(indicator({ x_deep: deep }))))).error_code).toBe('too_deep');
    expect(json(await post(JSON.stringify(envelope(indicator({ description: 'y'.repeat(5000) }))))).error_code).toBe('string_too_long');
    const wide = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`x_p${i}`, i]));
    expect(json(await post(JSON.stringify(envelope(indicator(wide))))).error_code).toBe('too_many_properties');
  });

  it('describes 403 for a read-only collection and for a reader, and 404 for an unknown collection', async () => {
    const body = JSON.stringify(envelope(indicator()));
    expect(json(await post(body, { col: alerts })).error_code).toBe('forbidden');
    expect(json(await post(body, { token: reader })).error_code).toBe('forbidden');
    expect((await post(body, { col: 'no-such-collection' })).status).toBe(404);
  });
});

describe('objects, manifest, one object, versions, status, delete', () => {
  const id = stixId('indicator');
  let statusId: string;

  beforeAll(async () => {
    const v1 = indicator({ id, modified: '2026-01-01T00:00:00.000Z' });
    const v2 = { ...v1, modified: '2026-02-01T00:00:00.000Z' };
    const res = await call('post', objectsOf(incidents), { body: JSON.stringify(envelope(v1, v2, malware())) });
    statusId = json(res).id;
  });

  it('describes the objects envelope with date headers, an empty page without them, and paging', async () => {
    const all = await call('get', objectsOf(incidents));
    expect(all.headers['x-taxii-date-added-first']).toBeDefined();
    const empty = await call('get', `${objectsOf(incidents)}?match[type]=sighting`);
    expect(json(empty)).toEqual({ more: false });
    expect(empty.headers['x-taxii-date-added-first']).toBeUndefined();
    const first = json(await call('get', `${objectsOf(incidents)}?limit=1&match[version]=all`));
    expect(first).toMatchObject({ more: true, next: expect.any(String) });
    const second = await call('get', `${objectsOf(incidents)}?limit=1&match[version]=all&next=${encodeURIComponent(first.next)}`);
    expect(second.status).toBe(200);
    const replayed = await call('get', `${objectsOf(incidents)}?limit=2&match[version]=all&next=${encodeURIComponent(first.next)}`);
    expect(json(replayed).error_code).toBe('invalid_next');
  });

  it.each([
    ['limit=0', 'invalid_parameter'],
    ['added_after=yesterday', 'invalid_parameter'],
    ['match[version]=all,first', 'invalid_parameter'],
    ['match[spec_version]=3.0', 'invalid_parameter'],
    ['match[id]=nope', 'invalid_parameter'],
    ['match[type]=a&match[type]=b', 'repeated_parameter'],
    ['colour=red', 'unknown_parameter'],
  ])('describes the 400 of objects?%s (%s)', async (query, code) => {
    const res = await call('get', `${objectsOf(incidents)}?${query}`);
    expect([res.status, json(res).error_code]).toEqual([400, code]);
  });

  it('describes objects 404 for an unknown collection and 406', async () => {
    expect((await call('get', objectsOf('no-such-collection'))).status).toBe(404);
    expect((await call('get', objectsOf(incidents), { accept: 'application/xml' })).status).toBe(406);
  });

  it('describes the manifest and its 400 and 404', async () => {
    const m = json(await call('get', `/colombia/collections/${incidents}/manifest/?match[version]=all`));
    expect(m.objects.length).toBeGreaterThanOrEqual(3);
    expect((await call('get', `/colombia/collections/${incidents}/manifest/?limit=x`)).status).toBe(400);
    expect((await call('get', '/colombia/collections/no-such-collection/manifest/')).status).toBe(404);
  });

  it('describes one object and its 400 and 404', async () => {
    const one = json(await call('get', `${objectsOf(incidents)}${id}/?match[version]=first,last`));
    expect(one.objects).toHaveLength(2);
    expect(json(await call('get', `${objectsOf(incidents)}${id}/?match[id]=${id}`)).error_code).toBe('unknown_parameter');
    expect((await call('get', `${objectsOf(incidents)}${stixId('indicator')}/`)).status).toBe(404);
  });

  it('describes the versions and their 400 and 404', async () => {
    const v = json(await call('get', `${objectsOf(incidents)}${id}/versions/`));
    expect(v.versions).toEqual(['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z']);
    expect((await call('get', `${objectsOf(incidents)}${id}/versions/?match[version]=all`)).status).toBe(400);
    expect((await call('get', `${objectsOf(incidents)}${stixId('indicator')}/versions/`)).status).toBe(404);
  });

  it('describes the status, its 400, and its 404 for another organisation', async () => {
    expect(json(await call('get', `/colombia/status/${statusId}/`)).success_count).toBe(3);
    expect((await call('get', `/colombia/status/${statusId}/?limit=1`)).status).toBe(400);
    expect((await call('get', `/colombia/status/${statusId}/`, { token: reader })).status).toBe(404);
  });

  it('describes delete: 400, 403 for a reader, 200 with an empty body, then 404', async () => {
    const path = `${objectsOf(incidents)}${id}/`;
    expect(json(await call('delete', `${path}?match[version]=soon`)).error_code).toBe('invalid_parameter');
    expect(json(await call('delete', path, { token: reader })).error_code).toBe('forbidden');
    const done = await call('delete', path);
    expect([done.status, done.text]).toEqual([200, '']);
    expect((await call('delete', path)).status).toBe(404);
    expect((await call('get', path)).status).toBe(404);
  });
});

describe('release', () => {
  const release = (body: unknown, opts: { token?: string; col?: string; query?: string; contentType?: string; accept?: string } = {}) =>
    call('post', `/colombia/collections/${opts.col ?? incidents}/release/${opts.query ?? ''}`, {
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...opts,
    });
  const id = stixId('indicator');

  beforeAll(async () => {
    await call('post', objectsOf(incidents), { body: JSON.stringify(envelope(indicator({ id }))) });
  });

  it('describes the 200 with released and refused objects', async () => {
    const missing = stixId('indicator');
    const res = await release({ objects: [id, missing], to: ['eu', 'eu'] });
    expect(res.status).toBe(200);
    expect(json(res)).toEqual({
      released: [{ id, version: '2026-01-01T00:00:00.000Z', to: 'eu' }],
      refused: [{ id: missing, reason: 'not found in this collection' }],
    });
  });

  it.each([
    ['an unknown field', JSON.stringify({ objects: [id], to: ['eu'], note: 'x' }), 'invalid_request'],
    ['no objects', JSON.stringify({ objects: [], to: ['eu'] }), 'invalid_request'],
    ['a list instead of an object', JSON.stringify([id]), 'invalid_request'],
    ['an unknown target group', JSON.stringify({ objects: [id], to: ['mars'] }), 'invalid_request'],
    ['its own group as target', JSON.stringify({ objects: [id], to: ['colombia'] }), 'invalid_request'],
    ['a body that is not JSON', '{"objects": [', 'invalid_json'],
    ['an empty body', '', 'invalid_envelope'],
  ])('describes the 400 for %s (%s)', async (_what, body, code) => {
    const res = await release(body);
    expect([res.status, json(res).error_code]).toEqual([400, code]);
  });

  it('describes the 400 for a query parameter, 401, 406, 413 and 415', async () => {
    const body = { objects: [id], to: ['eu'] };
    expect(json(await release(body, { query: '?limit=1' })).error_code).toBe('unknown_parameter');
    expect((await call('post', `/colombia/collections/${incidents}/release/`, { token: null, body: JSON.stringify(body) })).status).toBe(401);
    expect(json(await release(body, { accept: 'application/xml' })).error_code).toBe('not_acceptable');
    expect(json(await release({ objects: ['x'.repeat(MAX_CONTENT_LENGTH)], to: ['eu'] })).error_code).toBe('body_too_large');
    expect(json(await release(body, { contentType: 'application/json' })).error_code).toBe('unsupported_media_type');
  });

  it('describes the 403 for a reader and the 404 for an unknown or invisible collection', async () => {
    const body = { objects: [id], to: ['eu'] };
    expect(json(await release(body, { token: reader })).error_code).toBe('forbidden');
    expect((await release(body, { col: 'no-such-collection' })).status).toBe(404);
    const euIncidents = `/eu/collections/${incidents}/release/`;
    expect((await call('post', euIncidents, { body: JSON.stringify(body) })).status).toBe(404);
  });
});

describe('audit log', () => {
  const audit = '/colombia/admin/audit/';

  it('describes a page of entries, paging with next, and its 400', async () => {
    await call('post', `/colombia/collections/${incidents}/release/`, { body: JSON.stringify({ objects: [stixId('indicator')], to: ['eu'] }) });
    await t.hub.flushAudit();
    const all = json(await call('get', `${audit}?limit=1000`, { token: admin }));
    expect(all.more).toBe(false);
    const events = new Set((all.entries as { event: string }[]).map((e) => e.event));
    expect([...events]).toEqual(expect.arrayContaining(['objects.added', 'objects.released', 'token.used']));
    const first = json(await call('get', `${audit}?limit=1`, { token: admin }));
    expect(first).toMatchObject({ more: true, next: expect.any(String), entries: [expect.any(Object)] });
    const next = encodeURIComponent(first.next);
    expect((await call('get', `${audit}?limit=1&next=${next}`, { token: admin })).status).toBe(200);
    expect(json(await call('get', `${audit}?limit=2&next=${next}`, { token: admin })).error_code).toBe('invalid_next');
    expect(json(await call('get', `${audit}?limit=0`, { token: admin })).error_code).toBe('invalid_parameter');
    expect(json(await call('get', `${audit}?colour=red`, { token: admin })).error_code).toBe('unknown_parameter');
  });

  it('describes the 404 for a non-admin, and 401 and 406', async () => {
    expect((await call('get', audit)).status).toBe(404);
    expect((await call('get', audit, { token: reader })).status).toBe(404);
    expect((await call('get', audit, { token: null })).status).toBe(401);
    expect((await call('get', audit, { token: admin, accept: 'application/xml' })).status).toBe(406);
  });
});

describe('job administration', () => {
  const runs = '/colombia/admin/jobs/runs/';
  const runJob = (job: string, opts: { token?: string; query?: string; body?: string; contentType?: string; accept?: string } = {}) =>
    call('post', `/colombia/admin/jobs/${job}/run${opts.query ?? ''}`, { token: admin, ...opts });

  it('describes the run record of each job, a body that is ignored, and a run skipped for a lease held elsewhere', async () => {
    const correlation = await runJob('correlation', { query: '?full=true' });
    expect(json(correlation)).toMatchObject({ job: 'correlation', trigger: 'api', outcome: 'ok', counts: { objects: expect.any(Number) } });
    const cleanup = await runJob('status-cleanup', { query: '?full=false', body: 'ignored', contentType: 'text/plain' });
    expect(json(cleanup)).toMatchObject({ job: 'status-cleanup', outcome: 'ok', counts: { deleted: expect.any(Number) } });
    const lease = await t.hub.jobs.leases.acquire('status-cleanup:colombia', 60_000, 'elsewhere');
    try {
      const skipped = await runJob('status-cleanup');
      expect([skipped.status, json(skipped)]).toEqual([200, expect.objectContaining({ outcome: 'skipped', counts: {}, error: 'another instance holds the lease' })]);
    } finally {
      await t.hub.jobs.leases.release(lease!);
    }
  });

  it('describes the 400 of full, and the 401, 404 and 406 of running a job', async () => {
    expect(json(await runJob('correlation', { query: '?full=yes' })).error_code).toBe('invalid_parameter');
    expect(json(await runJob('correlation', { query: '?full=true&full=true' })).error_code).toBe('repeated_parameter');
    expect((await runJob('correlation', { token: writer })).status).toBe(404);
    expect((await runJob('correlation', { token: reader })).status).toBe(404);
    expect((await runJob('no-such-job')).status).toBe(404);
    expect((await call('post', '/eu/admin/jobs/correlation/run', { token: admin })).status).toBe(404);
    expect(json(await call('post', '/colombia/admin/jobs/correlation/run', { token: null })).error_code).toBe('missing_token');
    expect(json(await runJob('correlation', { accept: 'application/xml' })).error_code).toBe('not_acceptable');
  });

  it('describes the run history, newest first, filtered by job and limited', async () => {
    await runJob('status-cleanup');
    await runJob('status-cleanup');
    const two = json(await call('get', `${runs}?job=status-cleanup&limit=2`, { token: admin })).runs as { job: string; started: string }[];
    expect(two.map((r) => r.job)).toEqual(['status-cleanup', 'status-cleanup']);
    expect(two[0]!.started >= two[1]!.started).toBe(true);
    expect(json(await call('get', runs, { token: admin })).runs.length).toBeGreaterThanOrEqual(2);
    // Unknown parameters are refused here too, as on the TAXII endpoints.
    expect(json(await call('get', `${runs}?colour=red`, { token: admin })).error_code).toBe('unknown_parameter');
  });

  it.each([
    ['job=nope', 'invalid_parameter'],
    ['limit=0', 'invalid_parameter'],
    ['limit=101', 'invalid_parameter'],
    ['limit=1.5', 'invalid_parameter'],
    ['limit=', 'invalid_parameter'],
    ['job=correlation&job=status-cleanup', 'repeated_parameter'],
  ])('describes the 400 of runs?%s', async (query, code) => {
    const res = await call('get', `${runs}?${query}`, { token: admin });
    expect([res.status, json(res).error_code]).toEqual([400, code]);
  });

  it('describes the 404 of the run history for a non-admin, and 401 and 406', async () => {
    expect((await call('get', runs)).status).toBe(404);
    expect((await call('get', runs, { token: reader })).status).toBe(404);
    expect((await call('get', '/eu/admin/jobs/runs/', { token: admin })).status).toBe(404);
    expect((await call('get', runs, { token: null })).status).toBe(401);
    expect((await call('get', runs, { token: admin, accept: 'application/xml' })).status).toBe(406);
  });
});

describe('search', () => {
  const JSON_TYPE = 'application/json';
  const ind = indicator({ name: 'Search target', pattern: "[domain-name:value = 'c2.search-test.example']" });
  const mal = malware({ name: 'Searchware' });
  const rel = {
    type: 'relationship', spec_version: '2.1', id: stixId('relationship'), created: '2026-01-03T00:00:00.000Z', modified: '2026-01-03T00:00:00.000Z',
    relationship_type: 'indicates', source_ref: ind.id, target_ref: mal.id,
  };
  beforeAll(async () => {
    expect((await call('post', objectsOf(incidents), { body: JSON.stringify(envelope(ind, mal, rel)) })).status).toBe(202);
  });

  it('describes the lookup of one value, paged, and its 400, 404 and 406', async () => {
    const one = await call('get', '/colombia/search/observables/?value=search-test.example&limit=1', { accept: JSON_TYPE });
    expect(json(one).results).toHaveLength(1);
    expect(json(await call('get', '/colombia/search/observables/?value=search-test.example&type=indicator&label=x', { accept: JSON_TYPE })).results).toEqual([]);
    expect((await call('get', '/colombia/search/observables/', { accept: JSON_TYPE })).status).toBe(400);
    expect((await call('get', '/colombia/search/observables/?value=a&confidence_min=101', { accept: JSON_TYPE })).status).toBe(400);
    expect((await call('get', '/eu/search/observables/?value=a', { accept: JSON_TYPE })).status).toBe(404);
    expect((await call('get', '/colombia/search/observables/?value=a', { accept: 'application/xml' })).status).toBe(406);
    expect((await call('get', '/colombia/search/observables/?value=a', { token: null, accept: JSON_TYPE })).status).toBe(401);
  });

  it('describes the bulk lookup and its 400 and 415', async () => {
    const ok = await call('post', '/colombia/search/observables/', {
      accept: JSON_TYPE, contentType: JSON_TYPE, body: JSON.stringify({ values: ['c2.search-test.example', '???'], filters: { type: 'indicator' }, limit: 10 }),
    });
    expect(ok.status).toBe(200);
    expect(json(ok).unrecognised).toEqual(['???']);
    expect((await call('post', '/colombia/search/observables/', { accept: JSON_TYPE, contentType: JSON_TYPE, body: JSON.stringify({ values: [] }) })).status).toBe(400);
    expect((await call('post', '/colombia/search/observables/', { accept: JSON_TYPE, contentType: TAXII, body: JSON.stringify({ values: ['a'] }) })).status).toBe(415);
  });

  it('describes text search with facets, the neighbourhood and the activity per day', async () => {
    const res = json(await call('get', '/colombia/search/objects/?q=searchware&facets=true', { accept: JSON_TYPE }));
    expect(res.facets).toMatchObject({ type: { malware: 1 }, complete: true });
    expect((await call('get', '/colombia/search/objects/?facets=maybe', { accept: JSON_TYPE })).status).toBe(400);
    const n = json(await call('get', `/colombia/search/neighbourhood/${mal.id}/?hops=2`, { accept: JSON_TYPE }));
    expect(n.edges).toHaveLength(1);
    expect((await call('get', `/colombia/search/neighbourhood/${stixId('malware')}/`, { accept: JSON_TYPE })).status).toBe(404);
    expect((await call('get', `/colombia/search/neighbourhood/${mal.id}/?hops=9`, { accept: JSON_TYPE })).status).toBe(400);
    const a = json(await call('get', '/colombia/search/activity/?days=2', { accept: JSON_TYPE }));
    expect(a.days).toHaveLength(2);
    expect((await call('get', '/colombia/search/activity/?days=x', { accept: JSON_TYPE })).status).toBe(400);
  });
});

describe('alerts', () => {
  const JSON_TYPE = 'application/json';
  let id: string;
  beforeAll(async () => {
    const hit = indicator({ pattern: "[ipv4-addr:value = '192.0.2.9']" });
    expect((await call('post', objectsOf(incidents), { body: JSON.stringify(envelope(hit)) })).status).toBe(202);
    expect((await call('post', '/colombia/admin/jobs/correlation/run', { token: admin })).status).toBe(200);
    const queue = json(await call('get', '/colombia/alerts/?status=new&limit=1', { accept: JSON_TYPE }));
    id = queue.alerts[0].id;
  });

  it('describes the queue, one alert, a change, bulk acknowledge and the allow-list', async () => {
    const body = (b: unknown) => ({ accept: JSON_TYPE, contentType: JSON_TYPE, body: JSON.stringify(b) });
    expect((await call('post', '/colombia/alerts/acknowledge/', body({ ids: [id, 'grouping--x'] }))).status).toBe(200);
    expect((await call('post', `/colombia/alerts/${id}/`, body({ comment: 'checked', assignee: 'ana' }))).status).toBe(200);
    expect((await call('post', `/colombia/alerts/${id}/`, body({ status: 'closed', reason: 'false_positive', allow: true }))).status).toBe(200);
    expect(json(await call('get', `/colombia/alerts/${id}/`, { accept: JSON_TYPE })).state.history).toHaveLength(3);
    expect(json(await call('get', '/colombia/alerts/allowlist/', { accept: JSON_TYPE })).entries.length).toBeGreaterThan(0);
    expect((await call('post', `/colombia/alerts/${id}/`, body({ status: 'closed' }))).status).toBe(400);
    expect((await call('post', `/colombia/alerts/${id}/`, { ...body({ comment: 'x' }), token: reader })).status).toBe(403);
    expect((await call('post', '/colombia/alerts/acknowledge/', { ...body({ ids: [id] }), token: reader })).status).toBe(403);
    expect((await call('get', `/colombia/alerts/${stixId('grouping')}/`, { accept: JSON_TYPE })).status).toBe(404);
    expect((await call('get', '/colombia/alerts/?severity=urgent', { accept: JSON_TYPE })).status).toBe(400);
    expect((await call('get', '/colombia/alerts/allowlist/?x=1', { accept: JSON_TYPE })).status).toBe(400);
  });
});

describe('development mode and rate limit', () => {
  it('describes X-Puente-Development-Principal and the 429 with Retry-After', async () => {
    const dev = await startTestHub({ PUENTE_RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const ok = await call('get', '/taxii2/', { app: dev, token: null });
      expect(ok.headers['x-puente-development-principal']).toBe('true');
      // Limit 2 per minute: the third call is refused, the fourth if a minute boundary fell between.
      let res = ok;
      for (let i = 0; i < 4 && res.status !== 429; i++) res = await call('get', '/colombia/', { app: dev, token: null });
      expect([res.status, json(res).error_code]).toEqual([429, 'rate_limited']);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
    } finally {
      await dev.close();
    }
  });
});

describe('subscriptions', () => {
  const base = '/colombia/admin/subscriptions/';

  it('describes add, list, show, run, runs, reset-cursor, pause, resume and remove, and their 400 and 404', async () => {
    const body = JSON.stringify({ name: 'gone', kind: 'text', url: 'http://127.0.0.1:9/list.txt', collection: incidents, retry: { attempts: 1, timeout_ms: 500 }, auth: { type: 'bearer', token: 'never-shown-secret' } });
    const added = await call('post', base, { body, token: admin });
    expect(added.status).toBe(201);
    const id = json(added).id as string;
    expect(added.text).not.toContain('never-shown-secret');
    expect((await call('get', base, { token: admin })).status).toBe(200);
    expect(json(await call('post', `${base}${id}/run`, { token: admin })).outcome).toBe('failed');
    expect((await call('get', `${base}${id}/`, { token: admin })).status).toBe(200);
    expect((await call('get', `${base}${id}/runs/?limit=5`, { token: admin })).status).toBe(200);
    expect(json(await call('get', `${base}${id}/runs/?limit=0`, { token: admin })).error_code).toBe('invalid_parameter');
    expect((await call('post', `${base}${id}/reset-cursor`, { token: admin })).status).toBe(200);
    expect(json(await call('post', `${base}${id}/pause`, { token: admin })).enabled).toBe(false);
    expect(json(await call('post', `${base}${id}/resume`, { token: admin })).enabled).toBe(true);
    expect((await call('post', `${base}${id}/pause`, { token: reader })).status).toBe(404);
    expect(json(await call('post', base, { body: JSON.stringify({ name: 'x' }), token: admin })).error_code).toBe('invalid_request');
    expect((await call('get', base, { token: reader })).status).toBe(404);
    expect((await call('delete', `${base}${id}/`, { token: admin })).status).toBe(200);
    expect((await call('get', `${base}${id}/`, { token: admin })).status).toBe(404);
  });
});

describe('webhooks', () => {
  const base = '/colombia/admin/webhooks/';

  it('describes add, list, show, change, pause, resume, deliveries and remove, and their 400 and 404', async () => {
    const body = JSON.stringify({ name: 'gone', collection: incidents, url: 'http://127.0.0.1:9/hook', secret: 'never-shown-secret-0123', filters: { max_tlp: 'green' } });
    const added = await call('post', base, { body, token: admin });
    expect(added.status).toBe(201);
    const id = json(added).id as string;
    expect(added.text).not.toContain('never-shown-secret');
    expect((await call('get', base, { token: admin })).status).toBe(200);
    expect((await call('get', `${base}${id}/`, { token: admin })).status).toBe(200);
    const patched = api.expectDescribed(
      await request(t.app).patch(`${base}${id}/`).set('Authorization', `Bearer ${admin}`).set('Accept', TAXII).set('Content-Type', TAXII).send(JSON.stringify({ batch_size: 5 })),
      { method: 'patch', path: `${base}${id}/` },
    );
    expect(patched.status).toBe(200);
    expect((await call('post', `${base}${id}/pause`, { token: admin })).status).toBe(200);
    expect((await call('post', `${base}${id}/resume`, { token: admin })).status).toBe(200);
    expect((await call('get', `${base}${id}/deliveries/?limit=5`, { token: admin })).status).toBe(200);
    expect(json(await call('get', `${base}${id}/deliveries/?limit=0`, { token: admin })).error_code).toBe('invalid_parameter');
    expect(json(await call('post', base, { body: JSON.stringify({ name: 'x' }), token: admin })).error_code).toBe('invalid_request');
    expect((await call('get', base, { token: reader })).status).toBe(404);
    expect((await call('delete', `${base}${id}/`, { token: admin })).status).toBe(200);
    expect((await call('get', `${base}${id}/`, { token: admin })).status).toBe(404);
  });
});

describe('exports', () => {
  const exportOf = (format: string) => `/colombia/collections/${incidents}/exports/${format}/`;
  beforeAll(async () => {
    await call('post', objectsOf(incidents), { body: JSON.stringify(envelope(indicator({ pattern: "[ipv4-addr:value = '198.51.100.99']" }))) });
  });

  it.each(['text', 'csv', 'suricata', 'snort', 'zeek', 'stix', 'misp'])('describes the 200 of the %s export', async (format) => {
    const res = await call('get', exportOf(format), { accept: '*/*' });
    expect(res.status).toBe(200);
  });

  it('describes the 304 of an unchanged text export, and its 400, 404 and 406', async () => {
    const first = await call('get', exportOf('text'), { accept: '*/*' });
    const res = await request(t.app).get(exportOf('text')).set('Authorization', `Bearer ${writer}`).set('If-None-Match', first.headers.etag as string);
    expect(res.status).toBe(304);
    api.expectDescribed(res, { method: 'get', path: exportOf('text') });
    expect((await call('get', `${exportOf('csv')}?max_tlp=purple`, { accept: '*/*' })).status).toBe(400);
    expect((await call('get', exportOf('xml'), { accept: '*/*' })).status).toBe(404);
    expect((await call('get', exportOf('csv'), { accept: 'application/xml' })).status).toBe(406);
  });
});

describe('stream', () => {
  const streamOf = () => `/colombia/collections/${incidents}/stream/`;
  beforeAll(async () => {
    await call('post', objectsOf(incidents), { body: JSON.stringify(envelope(indicator())) });
  });

  it('describes the 200 of the event stream, and its 400 and 406', async () => {
    const res = await call('get', `${streamOf()}?match[type]=indicator`, { accept: '*/*' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('event: object');
    const live = await call('get', `${streamOf()}?max_seconds=1`, { accept: 'text/event-stream' });
    expect(live.status).toBe(200);
    expect((await call('get', `${streamOf()}?max_seconds=0`, { accept: '*/*' })).status).toBe(400);
    expect((await call('get', streamOf(), { accept: 'application/xml' })).status).toBe(406);
  });
});

describe('coverage', () => {
  it('exercised every operation of openapi.yaml with a 2xx answer', () => {
    const succeeded = new Set([...api.seen].filter((s) => / 2\d\d$/.test(s)).map((s) => s.replace(/ \d+$/, '')));
    expect(api.operations().filter((op) => !succeeded.has(op))).toEqual([]);
  });
});
