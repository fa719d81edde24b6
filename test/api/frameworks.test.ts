/**
 * The read-only `frameworks` collection: seeded with DISARM and ATT&CK for ICS at start-up, the same
 * on every backend, idempotent on restart, pullable over TAXII, and never a report for correlation.
 */
import type { RequestHandler } from 'express';
import type { Principal } from '../../server/auth/principal';
import { collectionId } from '../../server/storage/collections';
import { seedFrameworks } from '../../server/storage/frameworks';
import { readBundle } from '../../server/jobs/config';
import { BACKENDS, startTestHub, type TestHub } from '../support/hub';
import { client } from '../support/taxii';
import { startAwkwardTaxii } from '../support/awkward-taxii';
import { TLP2_MARKING_IDS } from '../../server/stix/markings';

const ORG = 'identity--0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a';
const as: RequestHandler = (_req, res, next) => {
  const p: Principal = { subject: 'admin-a', organisation: ORG, roles: { eu: ['reader', 'writer', 'admin'] } };
  res.locals.principal = p;
  next();
};
const disarm = readBundle('reference/disarm/DISARM.json')!;
const ics = readBundle('reference/ics-attack/ics-attack-18.1.json')!;
const expected = new Set([...disarm.objects!, ...ics.objects!].map((o) => (o as { id: string }).id)).size;

describe.each(BACKENDS)('frameworks collection (%s)', (backend) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ PUENTE_FRAMEWORKS_SEED: 'true', PUENTE_CORRELATION_SETTLE_MS: '0', PUENTE_TRUST_GROUPS: 'eu' }, as, backend);
  });
  afterAll(async () => t.close());

  it('holds every DISARM and ATT&CK for ICS object, and a restart adds nothing', async () => {
    const g = (await t.hub.groups.get('eu'))!;
    expect(await g.objects.count(collectionId('eu', 'frameworks'))).toBe(expected);
    expect(await seedFrameworks(g, 'eu', [disarm, ics], t.config.puenteIdentity)).toBe(0);
  });

  it('is read-only and pullable over TAXII', async () => {
    const c = client(t.app, {});
    const col = collectionId('eu', 'frameworks');
    const info = await c.get(`/eu/collections/${col}/`).expect(200);
    expect(info.body).toMatchObject({ can_read: true, can_write: false });
    const res = await c.get(`/eu/collections/${col}/objects/?match[id]=attack-pattern--70717452-f7e3-4ce8-956f-39a4d34c5cfb`).expect(200);
    expect(res.body.objects[0].external_references[0].external_id).toBe('T0002');
  });

  it('is refreshed by a feeds subscription: a new version of a technique lands beside the seeded one', async () => {
    const c = client(t.app, {});
    const col = collectionId('eu', 'frameworks');
    const id = 'attack-pattern--70717452-f7e3-4ce8-956f-39a4d34c5cfb';
    const seeded = disarm.objects!.find((o) => (o as { id: string }).id === id) as Record<string, unknown>;
    const newer = { ...seeded, modified: '2026-11-30T00:00:00.000Z', description: 'DISARM T0002, as revised by the maintainers of the framework.' };
    const upstream = await startAwkwardTaxii('none', 1);
    try {
      upstream.objects.splice(0, upstream.objects.length, newer);
      // Reference data is shared at TLP:CLEAR; without `markings` an unmarked object would become AMBER.
      const sub = await c.post('/eu/admin/subscriptions/', {
        name: 'DISARM refresh', kind: 'taxii21', url: upstream.collectionUrl, collection: col, markings: [TLP2_MARKING_IDS.clear],
        retry: { attempts: 2, timeout_ms: 2000, base_delay_ms: 50 },
      }).expect(201);
      const run = await c.post(`/eu/admin/subscriptions/${sub.body.id as string}/run`, '').expect(200);
      expect(run.body).toMatchObject({ outcome: 'ok', new: 1, invalid: 0 });
    } finally {
      await upstream.close();
    }
    const last = await c.get(`/eu/collections/${col}/objects/?match[id]=${id}`).expect(200);
    expect(last.body.objects).toHaveLength(1);
    // The source's own markings (DISARM's statement) are kept: `markings` applies only to unmarked objects.
    expect(last.body.objects[0]).toMatchObject({ modified: '2026-11-30T00:00:00.000Z', object_marking_refs: seeded.object_marking_refs });
    const all = await c.get(`/eu/collections/${col}/objects/?match[id]=${id}&match[version]=all`).expect(200);
    expect(all.body.objects).toHaveLength(2);
    // Still writable by nobody over TAXII.
    expect((await c.post(`/eu/collections/${col}/objects/`, { objects: [{ ...newer, modified: '2026-12-01T00:00:00.000Z' }] })).status).toBe(403);
  });

  it('raises no alert: reference frameworks are nobody\'s report', async () => {
    const res = await client(t.app, {}).post('/eu/admin/jobs/correlation/run?full=true', {}).expect(200);
    expect(res.body.outcome).toBe('ok');
    expect(res.body.counts.objects).toBe(0);
    expect(res.body.counts.alerts).toBe(0);
  });
});
