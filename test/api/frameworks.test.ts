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

  it('raises no alert: reference frameworks are nobody\'s report', async () => {
    const res = await client(t.app, {}).post('/eu/admin/jobs/correlation/run?full=true', {}).expect(200);
    expect(res.body.outcome).toBe('ok');
    expect(res.body.counts.objects).toBe(0);
    expect(res.body.counts.alerts).toBe(0);
  });
});
