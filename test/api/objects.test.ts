import { startTestHub, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { indicator, malware, stixId } from '../support/stix';

let t: TestHub;
let c: Client;
let col: string;
const base = () => `/colombia/collections/${col}`;

beforeAll(async () => {
  t = await startTestHub();
  c = client(t.app);
  col = await c.collectionId('colombia', 'indicators');
});
afterAll(async () => {
  await t.close();
});

describe('adding objects', () => {
  it('answers 202 with a complete status resource counting successes and failures', async () => {
    const good = indicator();
    const res = await c.post(`${base()}/objects/`, { objects: [good, { type: 'indicator', id: 'not-an-id' }] }).expect(202);
    expect(res.headers['content-type']).toBe('application/taxii+json;version=2.1');
    expect(res.body).toMatchObject({ status: 'complete', total_count: 2, success_count: 1, failure_count: 1, pending_count: 0 });
    expect(res.body.successes).toEqual([{ id: good.id, version: good.modified }]);
    expect(res.body.failures[0].message).toMatch(/object #2 \(indicator\) was rejected: .+/);
  });

  it('stores the good objects of an envelope even when others fail', async () => {
    const good = malware();
    await c.post(`${base()}/objects/`, { objects: [{ type: 'malware' }, good] }).expect(202);
    const res = await c.get(`${base()}/objects/${good.id}/`).expect(200);
    expect(res.body.objects).toEqual([good]);
  });

  it('returns objects exactly as sent, custom properties included', async () => {
    const custom = indicator({ x_cert_co_case: { ticket: 'CO-2026-0042', nested: [[1, 2], [3]] }, x_score: 1.5 });
    await c.post(`${base()}/objects/`, { objects: [custom] }).expect(202);
    const res = await c.get(`${base()}/objects/${custom.id}/`).expect(200);
    expect(res.body.objects).toEqual([custom]);
  });

  it('treats a re-post of an identical object as a success and stores no second copy', async () => {
    const obj = indicator();
    await c.post(`${base()}/objects/`, { objects: [obj] }).expect(202);
    const again = await c.post(`${base()}/objects/`, { objects: [obj] }).expect(202);
    expect(again.body.success_count).toBe(1);
    expect(again.body.successes[0].message).toMatch(/already stored/);
    const versions = await c.get(`${base()}/objects/${obj.id}/versions/`).expect(200);
    expect(versions.body.versions).toEqual([obj.modified]);
  });

  it('stores an object repeated in one envelope once, and reports both as successes', async () => {
    const obj = malware();
    const res = await c.post(`${base()}/objects/`, { objects: [obj, obj] }).expect(202);
    expect(res.body.success_count).toBe(2);
    expect(res.body.successes[0].message).toBeUndefined();
    expect(res.body.successes[1].message).toMatch(/repeated in this envelope/);
    const versions = await c.get(`${base()}/objects/${obj.id}/versions/`).expect(200);
    expect(versions.body.versions).toEqual([obj.modified]);
  });

  it('de-duplicates objects without a version (SCOs) by content', async () => {
    const ip = { type: 'ipv4-addr', spec_version: '2.1', id: 'ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd', value: '198.51.100.3' };
    await c.post(`${base()}/objects/`, { objects: [ip] }).expect(202);
    await c.post(`${base()}/objects/`, { objects: [ip] }).expect(202);
    const versions = await c.get(`${base()}/objects/${ip.id}/versions/`).expect(200);
    expect(versions.body.versions).toHaveLength(1);
  });

  it('keeps the status resource readable by id', async () => {
    const res = await c.post(`${base()}/objects/`, { objects: [indicator()] }).expect(202);
    const status = await c.get(`/colombia/status/${res.body.id}/`).expect(200);
    expect(status.body).toEqual(res.body);
  });

  it('refuses a body that is not JSON with invalid_json, changing nothing', async () => {
    const res = await c.post(`${base()}/objects/`, '{"objects": [').expect(400);
    expect(res.body).toMatchObject({ error_code: 'invalid_json', http_status: '400' });
    expect(res.body.error_id).toBe(res.headers['x-request-id']);
  });

  it('refuses an envelope without an objects list', async () => {
    const res = await c.post(`${base()}/objects/`, { items: [] }).expect(400);
    expect(res.body.error_code).toBe('invalid_envelope');
  });

  it('refuses writing to a read-only collection with 403', async () => {
    const alerts = await c.collectionId('colombia', 'alerts');
    const res = await c.post(`/colombia/collections/${alerts}/objects/`, { objects: [indicator()] }).expect(403);
    expect(res.body.error_code).toBe('forbidden');
  });
});

describe('versions and deletion', () => {
  const v1 = '2026-02-01T00:00:00.000Z';
  const v2 = '2026-02-02T00:00:00.000Z';
  const v3 = '2026-02-03T00:00:00.000Z';
  let id: string;

  beforeEach(async () => {
    id = stixId('indicator');
    const versions = [v1, v2, v3].map((m) => indicator({ id, created: v1, modified: m, name: `v ${m}` }));
    await c.post(`${base()}/objects/`, { objects: versions }).expect(202);
  });

  it('returns the last version by default and all versions with match[version]=all', async () => {
    const last = await c.get(`${base()}/objects/${id}/`).expect(200);
    expect(last.body.objects.map((o: { modified: string }) => o.modified)).toEqual([v3]);
    const all = await c.get(`${base()}/objects/${id}/?match[version]=all`).expect(200);
    expect(all.body.objects).toHaveLength(3);
  });

  it('accepts first, exact timestamps and lists such as first,last', async () => {
    const first = await c.get(`${base()}/objects/${id}/?match[version]=first`).expect(200);
    expect(first.body.objects.map((o: { modified: string }) => o.modified)).toEqual([v1]);
    const exact = await c.get(`${base()}/objects/${id}/?match[version]=${v2}`).expect(200);
    expect(exact.body.objects.map((o: { modified: string }) => o.modified)).toEqual([v2]);
    const both = await c.get(`${base()}/objects/${id}/?match[version]=first,last`).expect(200);
    expect(both.body.objects.map((o: { modified: string }) => o.modified).sort()).toEqual([v1, v3]);
  });

  it('refuses match[version]=all combined with anything else', async () => {
    const res = await c.get(`${base()}/objects/${id}/?match[version]=all,first`).expect(400);
    expect(res.body.error_code).toBe('invalid_parameter');
  });

  it('lists every version on the versions endpoint', async () => {
    const res = await c.get(`${base()}/objects/${id}/versions/`).expect(200);
    expect(res.body.versions).toEqual([v1, v2, v3]);
    expect(res.headers['x-taxii-date-added-first']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('sorts versions by time, whatever their precision and the order they arrived in', async () => {
    const vid = stixId('indicator');
    await c.post(`${base()}/objects/`, { objects: [indicator({ id: vid, created: '2026-03-01T00:00:00.000Z', modified: '2026-03-01T00:00:00.5001Z' })] }).expect(202);
    await c.post(`${base()}/objects/`, { objects: [indicator({ id: vid, created: '2026-03-01T00:00:00.000Z', modified: '2026-03-01T00:00:00.500Z' })] }).expect(202);
    const res = await c.get(`${base()}/objects/${vid}/versions/`).expect(200);
    expect(res.body.versions).toEqual(['2026-03-01T00:00:00.500Z', '2026-03-01T00:00:00.5001Z']);
    const last = await c.get(`${base()}/objects/${vid}/`).expect(200);
    expect(last.body.objects[0].modified).toBe('2026-03-01T00:00:00.5001Z');
  });

  it('deletes one version with match[version], leaving the others', async () => {
    await c.del(`${base()}/objects/${id}/?match[version]=${v3}`).expect(200);
    const res = await c.get(`${base()}/objects/${id}/versions/`).expect(200);
    expect(res.body.versions).toEqual([v1, v2]);
    const last = await c.get(`${base()}/objects/${id}/`).expect(200);
    expect(last.body.objects[0].modified).toBe(v2);
  });

  it('deletes the whole object: it no longer shows in get, manifest or versions', async () => {
    await c.del(`${base()}/objects/${id}/`).expect(200);
    await c.get(`${base()}/objects/${id}/`).expect(404);
    await c.get(`${base()}/objects/${id}/versions/`).expect(404);
    const manifest = await c.get(`${base()}/manifest/?match[id]=${id}`).expect(200);
    expect(manifest.body.objects).toBeUndefined();
    await c.del(`${base()}/objects/${id}/`).expect(404);
  });
});
