/**
 * Trust-group isolation and TLP on every read path, through HTTP with real tokens.
 * Each test fails when its defence is removed (checked once by removing it).
 */
import { startTestHub, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { indicator, stixId } from '../support/stix';
import { TokenKit, ORG_CO_CERT, ORG_CO_MIN, ORG_EU_CERT } from '../support/auth';
import { TLP2_MARKING_IDS } from '../../server/stix/markings';

const kit = new TokenKit();
let t: TestHub;
let co: Client; // CO CERT: writer in colombia
let coOther: Client; // another organisation of the colombia group: reader
let eu: Client; // EU CERT: writer in eu only
let coIndicators: string;

beforeAll(async () => {
  t = await startTestHub(kit.env());
  co = client(t.app, { Authorization: `Bearer ${kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer'] })}` });
  coOther = client(t.app, { Authorization: `Bearer ${kit.token(ORG_CO_MIN, { colombia: ['reader'] })}` });
  eu = client(t.app, { Authorization: `Bearer ${kit.token(ORG_EU_CERT, { eu: ['reader', 'writer'] })}` });
  coIndicators = await co.collectionId('colombia', 'indicators');
});
afterAll(async () => {
  await t.close();
  kit.cleanup();
});

/** The parts of a 404 that must not differ between "absent" and "not yours". */
function shape(res: { status: number; body: Record<string, unknown>; headers: Record<string, string> }) {
  const taxiiHeaders = Object.keys(res.headers).filter((h) => h.startsWith('x-taxii'));
  return { status: res.status, title: res.body.title, error_code: res.body.error_code, taxiiHeaders, keys: Object.keys(res.body).sort() };
}

describe('another trust group', () => {
  let id: string;
  let statusId: string;
  beforeAll(async () => {
    const obj = indicator();
    id = obj.id as string;
    const res = await co.add('colombia', 'indicators', [obj]);
    statusId = res.body.id;
  });

  it('does not list the other group in discovery', async () => {
    const res = await eu.get('/taxii2/').expect(200);
    expect(res.body.api_roots.some((r: string) => r.endsWith('/colombia/'))).toBe(false);
  });

  it.each([
    ['API root', () => '/colombia/', () => '/no-such-group/'],
    ['collections', () => '/colombia/collections/', () => '/no-such-group/collections/'],
    ['collection', () => `/colombia/collections/${coIndicators}/`, () => `/colombia/collections/${stixId('x').slice(3)}/`],
    ['objects', () => `/colombia/collections/${coIndicators}/objects/`, () => `/no-such-group/collections/${coIndicators}/objects/`],
    ['object', () => `/colombia/collections/${coIndicators}/objects/${id}/`, () => `/no-such-group/collections/${coIndicators}/objects/${id}/`],
    ['versions', () => `/colombia/collections/${coIndicators}/objects/${id}/versions/`, () => `/no-such-group/collections/${coIndicators}/objects/${id}/versions/`],
    ['manifest', () => `/colombia/collections/${coIndicators}/manifest/`, () => `/no-such-group/collections/${coIndicators}/manifest/`],
    ['status', () => `/colombia/status/${statusId}/`, () => '/no-such-group/status/00000000-0000-4000-8000-000000000000/'],
  ])('answers 404 for its %s, identical to absent, with no X-TAXII headers', async (_name, theirs, absent) => {
    const a = await eu.get(theirs());
    const b = await eu.get(absent());
    expect(a.status).toBe(404);
    expect(shape(a)).toEqual(shape(b));
    expect(shape(a).taxiiHeaders).toEqual([]);
  });

  it('cannot be reached by naming it in a header or in the body', async () => {
    await eu.get(`/colombia/collections/${coIndicators}/objects/`).set('X-Trust-Group', 'colombia').set('X-Puente-Group', 'colombia').expect(404);
    const res = await eu.post(`/colombia/collections/${coIndicators}/objects/`, { objects: [indicator()], group: 'colombia', api_root: 'colombia' });
    expect(res.status).toBe(404);
  });

  it('does not reveal ids through match[id] probing in its own root', async () => {
    const euIncidents = await eu.collectionId('eu', 'indicators');
    const res = await eu.get(`/eu/collections/${euIncidents}/objects/?match[id]=${id}`).expect(200);
    expect(res.body.objects).toBeUndefined();
    expect(res.headers['x-taxii-date-added-first']).toBeUndefined();
  });

  it('cannot delete the other group\'s object', async () => {
    await eu.del(`/colombia/collections/${coIndicators}/objects/${id}/`).expect(404);
    await co.get(`/colombia/collections/${coIndicators}/objects/${id}/`).expect(200);
  });
});

describe('TLP inside a trust group', () => {
  const marked = (tlp: keyof typeof TLP2_MARKING_IDS, extra: Record<string, unknown> = {}) =>
    indicator({ object_marking_refs: [TLP2_MARKING_IDS[tlp]], ...extra });

  it('shows GREEN to every member', async () => {
    const obj = marked('green');
    await co.add('colombia', 'indicators', [obj]);
    const res = await coOther.get(`/colombia/collections/${coIndicators}/objects/${obj.id}/`).expect(200);
    expect(res.body.objects[0].id).toBe(obj.id);
  });

  it('hides an AMBER object from another organisation of the same group on every read path', async () => {
    const obj = marked('amber');
    await co.add('colombia', 'indicators', [obj]);
    const base = `/colombia/collections/${coIndicators}`;
    await co.get(`${base}/objects/${obj.id}/`).expect(200);
    await coOther.get(`${base}/objects/${obj.id}/`).expect(404);
    await coOther.get(`${base}/objects/${obj.id}/versions/`).expect(404);
    const list = await coOther.get(`${base}/objects/?match[id]=${obj.id}`).expect(200);
    expect(list.body.objects).toBeUndefined();
    const manifest = await coOther.get(`${base}/manifest/?match[id]=${obj.id}`).expect(200);
    expect(manifest.body.objects).toBeUndefined();
  });

  it('shows an AMBER object to an organisation its originator names', async () => {
    const obj = marked('amber', { x_puente_recipients: [ORG_CO_MIN] });
    await co.add('colombia', 'indicators', [obj]);
    await coOther.get(`/colombia/collections/${coIndicators}/objects/${obj.id}/`).expect(200);
  });

  it('hides a RED object from anyone not named, and pages skip it without gaps', async () => {
    const red = marked('red');
    const green = marked('green');
    await co.add('colombia', 'indicators', [red, green]);
    await coOther.get(`/colombia/collections/${coIndicators}/objects/${red.id}/`).expect(404);
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const res = await coOther.get(`/colombia/collections/${coIndicators}/objects/?limit=1${next ? `&next=${next}` : ''}`).expect(200);
      for (const o of res.body.objects ?? []) seen.push(o.id);
      next = res.body.next;
    } while (next);
    expect(seen).toContain(green.id);
    expect(seen).not.toContain(red.id);
  });

  it('honours a TLP marking definition with its own id, posted in the same envelope', async () => {
    const redDefinition = {
      type: 'marking-definition',
      spec_version: '2.1',
      id: 'marking-definition--7c3b2a19-5d4e-4f6a-9b8c-1d2e3f4a5b6c',
      created: '2026-01-01T00:00:00.000Z',
      name: 'TLP:RED (CO-CERT copy)',
      extensions: { 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d': { extension_type: 'property-extension', tlp_2_0: 'red' } },
    };
    const obj = indicator({ object_marking_refs: [redDefinition.id] });
    const res = await co.add('colombia', 'indicators', [redDefinition, obj]);
    expect(res.body.failures).toEqual([]);
    await co.get(`/colombia/collections/${coIndicators}/objects/${obj.id}/`).expect(200);
    await coOther.get(`/colombia/collections/${coIndicators}/objects/${obj.id}/`).expect(404);
  });

  it('keeps an object marked with an unknown marking definition as AMBER, and says so', async () => {
    const obj = indicator({ object_marking_refs: ['marking-definition--0f0e0d0c-0b0a-4909-8807-060504030201'] });
    const res = await co.add('colombia', 'indicators', [obj]);
    expect(res.body.successes[0].message).toMatch(/TLP:AMBER/);
    await coOther.get(`/colombia/collections/${coIndicators}/objects/${obj.id}/`).expect(404);
    await co.get(`/colombia/collections/${coIndicators}/objects/${obj.id}/`).expect(200);
  });
});
