/**
 * Release between trust groups (explicit and by sharing policy), provenance, TLP limits on what
 * crosses, and the per-group audit log, through HTTP with real tokens.
 */
import { startTestHub, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { waitFor } from '../support/wait';
import { indicator } from '../support/stix';
import { TokenKit, ORG_CO_CERT, ORG_CO_MIN, ORG_EU_CERT } from '../support/auth';
import { TLP2_MARKING_IDS } from '../../server/stix/markings';
import { createCollection, createGroup, setSharingPolicy } from '../../server/admin';
import { collectionId } from '../../server/storage/collections';

const kit = new TokenKit();
let t: TestHub;
let co: Client; // originator, writer in colombia
let coPeer: Client; // another organisation, writer in colombia
let eu: Client; // reader in eu
let coAdmin: Client;
let euAdmin: Client;
const coIndicators = collectionId('colombia', 'indicators');
const euReleasedIn = collectionId('eu', 'released-in');
const releasePath = `/colombia/collections/${coIndicators}/release/`;

beforeAll(async () => {
  t = await startTestHub(kit.env());
  co = client(t.app, { Authorization: `Bearer ${kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer'] })}` });
  coPeer = client(t.app, { Authorization: `Bearer ${kit.token(ORG_CO_MIN, { colombia: ['reader', 'writer'] })}` });
  eu = client(t.app, { Authorization: `Bearer ${kit.token(ORG_EU_CERT, { eu: ['reader'] })}` });
  coAdmin = client(t.app, { Authorization: `Bearer ${kit.token(ORG_CO_CERT, { colombia: ['admin'] }, 'person', 'admin-co')}` });
  euAdmin = client(t.app, { Authorization: `Bearer ${kit.token(ORG_EU_CERT, { eu: ['admin'] }, 'person', 'admin-eu')}` });
});
afterAll(async () => {
  await t.close();
  kit.cleanup();
});

const marked = (tlp: keyof typeof TLP2_MARKING_IDS) => indicator({ object_marking_refs: [TLP2_MARKING_IDS[tlp]] });

describe('explicit release', () => {
  it('copies the object, unchanged and with its markings, into the target group\'s released-in collection', async () => {
    const obj = marked('green');
    await co.add('colombia', 'indicators', [obj]);
    await eu.get(`/eu/collections/${euReleasedIn}/objects/${obj.id}/`).expect(404);
    const res = await co.post(releasePath, { objects: [obj.id], to: ['eu'] }).expect(200);
    expect(res.body.released).toEqual([{ id: obj.id, version: obj.modified, to: 'eu' }]);
    const got = await eu.get(`/eu/collections/${euReleasedIn}/objects/${obj.id}/`).expect(200);
    expect(got.body.objects).toEqual([obj]);
  });

  it('carries provenance: source group and original submitter', async () => {
    const obj = marked('clear');
    await co.add('colombia', 'indicators', [obj]);
    await coPeer.post(releasePath, { objects: [obj.id], to: ['eu'] }).expect(200);
    const [stored] = await t.storage.group('eu').objects.findVersions(euReleasedIn, String(obj.id), { organisation: ORG_CO_CERT });
    expect(stored?.meta.origin).toEqual({ group: 'colombia', subject: `cert-${ORG_CO_CERT.slice(-4)}`, organisation: ORG_CO_CERT });
  });

  it('lets only the originator release AMBER', async () => {
    const obj = indicator({ object_marking_refs: [TLP2_MARKING_IDS.amber], x_puente_recipients: [ORG_CO_MIN] });
    await co.add('colombia', 'indicators', [obj]);
    const peer = await coPeer.post(releasePath, { objects: [obj.id], to: ['eu'] }).expect(200);
    expect(peer.body.released).toEqual([]);
    expect(peer.body.refused[0].reason).toMatch(/originating organisation/);
    await co.post(releasePath, { objects: [obj.id], to: ['eu'] }).expect(200);
    const [stored] = await t.storage.group('eu').objects.findVersions(euReleasedIn, String(obj.id), { organisation: ORG_CO_CERT });
    expect(stored?.meta.tlp).toBe('amber');
    expect(stored?.meta.readers).toEqual([ORG_CO_CERT, ORG_CO_MIN]);
    // In the target group, AMBER still shows only to the named organisations.
    await eu.get(`/eu/collections/${euReleasedIn}/objects/${obj.id}/`).expect(404);
  });

  it.each(['amber+strict', 'red'] as const)('never releases TLP:%s, not even by its originator', async (tlp) => {
    const obj = marked(tlp);
    await co.add('colombia', 'indicators', [obj]);
    const res = await co.post(releasePath, { objects: [obj.id], to: ['eu'] }).expect(200);
    expect(res.body.released).toEqual([]);
    expect(res.body.refused[0].reason).toMatch(/never leaves/);
    expect(await t.storage.group('eu').objects.findVersions(euReleasedIn, String(obj.id), { organisation: ORG_CO_CERT })).toEqual([]);
  });

  it('refuses a release by a reader, to an unknown group, and of another group\'s object', async () => {
    const obj = marked('clear');
    await co.add('colombia', 'indicators', [obj]);
    const reader = client(t.app, { Authorization: `Bearer ${kit.token(ORG_CO_MIN, { colombia: ['reader'] })}` });
    await reader.post(releasePath, { objects: [obj.id], to: ['eu'] }).expect(403);
    const unknown = await co.post(releasePath, { objects: [obj.id], to: ['mars'] }).expect(400);
    expect(unknown.body.error_code).toBe('invalid_request');
    await eu.post(releasePath, { objects: [obj.id], to: ['eu'] }).expect(404);
  });
});

describe('sharing policy', () => {
  it('releases new CLEAR, GREEN and unmarked objects of the collection, and nothing else', async () => {
    await createCollection(t.storage, 'colombia', { alias: 'shared-ioc', title: 'IOCs shared with the EU' });
    await setSharingPolicy(t.storage, 'colombia', 'shared-ioc', ['eu']);
    const green = marked('green');
    const plain = indicator();
    const amber = marked('amber');
    await co.add('colombia', 'shared-ioc', [green, plain, amber]);
    for (const o of [green, plain]) await eu.get(`/eu/collections/${euReleasedIn}/objects/${o.id}/`).expect(200);
    expect(await t.storage.group('eu').objects.findVersions(euReleasedIn, String(amber.id), { organisation: ORG_CO_CERT })).toEqual([]);
  });

  it('refuses a policy that names an unknown group', async () => {
    await expect(setSharingPolicy(t.storage, 'colombia', 'indicators', ['mars'])).rejects.toThrow(/mars/);
  });
});

describe('audit log', () => {
  it('records writes, deletes, releases and token use, readable by the group\'s admins', async () => {
    const obj = marked('clear');
    await co.add('colombia', 'indicators', [obj]);
    await co.post(releasePath, { objects: [obj.id], to: ['eu'] }).expect(200);
    await co.del(`/colombia/collections/${coIndicators}/objects/${obj.id}/`).expect(200);
    await t.hub.flushAudit();
    const res = await coAdmin.get('/colombia/admin/audit/?limit=1000').expect(200);
    const events = res.body.entries as { event: string; details: Record<string, unknown>; organisation: string }[];
    const mine = events.filter((e) => e.event !== 'token.used' && JSON.stringify(e.details).includes(obj.id as string));
    expect(mine.map((e) => e.event).sort()).toEqual(['objects.added', 'objects.deleted', 'objects.released']);
    expect(events.some((e) => e.event === 'token.used')).toBe(true);
    const euLog = await euAdmin.get('/eu/admin/audit/?limit=1000').expect(200);
    expect(euLog.body.entries.some((e: { event: string }) => e.event === 'objects.received')).toBe(true);
  });

  it('keeps ids of AMBER and RED objects out of the audit log and out of other organisations\' reach through status', async () => {
    const red = marked('red');
    const added = await co.add('colombia', 'indicators', [red]);
    await co.get(`/colombia/collections/${coIndicators}/objects/${red.id}/`).expect(200);
    await t.hub.flushAudit();
    const res = await coAdmin.get('/colombia/admin/audit/?limit=1000').expect(200);
    expect(JSON.stringify(res.body)).not.toContain(red.id as string);
    const peerAdmin = client(t.app, { Authorization: `Bearer ${kit.token(ORG_CO_MIN, { colombia: ['admin'] }, 'person', 'admin-min')}` });
    await peerAdmin.get(`/colombia/status/${added.body.id}/`).expect(404);
    await co.get(`/colombia/status/${added.body.id}/`).expect(200);
  });

  it('records a job run triggered over the API', async () => {
    await coAdmin.post('/colombia/admin/jobs/status-cleanup/run', '').expect(200);
    const res = await coAdmin.get('/colombia/admin/audit/?limit=1000').expect(200);
    const triggered = res.body.entries.filter((e: { event: string }) => e.event === 'jobs.triggered');
    expect(triggered).toHaveLength(1);
    expect(triggered[0]).toMatchObject({ subject: 'admin-co', details: { job: 'status-cleanup', full: false } });
  });

  it('is not readable by non-admins nor by another group\'s admins (404)', async () => {
    await co.get('/colombia/admin/audit/').expect(404);
    await euAdmin.get('/colombia/admin/audit/').expect(404);
  });

  it('pages with next tokens', async () => {
    const first = await coAdmin.get('/colombia/admin/audit/?limit=2').expect(200);
    expect(first.body.entries).toHaveLength(2);
    expect(first.body.more).toBe(true);
    const second = await coAdmin.get(`/colombia/admin/audit/?limit=2&next=${first.body.next}`).expect(200);
    expect(second.body.entries[0].id > first.body.entries[1].id).toBe(true);
  });
});

describe('admin use cases', () => {
  it('creates a trust group with its default collections, idempotently', async () => {
    await createGroup(t.storage, 'ops-test');
    await createGroup(t.storage, 'ops-test');
    const admin = client(t.app, { Authorization: `Bearer ${kit.token(ORG_CO_CERT, { 'ops-test': ['admin'] })}` });
    // The hub re-reads the group registry on a miss at most once a second: ask until it has.
    await waitFor(async () => (await admin.get('/ops-test/collections/')).status === 200, { intervalMs: 100, message: 'the new group to be served' });
    const res = await admin.get('/ops-test/collections/').expect(200);
    expect(res.body.collections.map((c: { alias: string }) => c.alias).sort()).toEqual(['alerts', 'frameworks', 'incidents', 'indicators', 'released-in']);
  });

  it('refuses a reserved group name', async () => {
    await expect(createGroup(t.storage, 'taxii2')).rejects.toThrow(/reserved|not a valid/);
  });
});
