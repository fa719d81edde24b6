/**
 * The correlation loader (loader.ts over the storage's object graph) gives the same answers on
 * both backends, over the same data posted over TAXII, so the metadata is the one ingestion writes.
 */
import type { RequestHandler } from 'express';
import type { Principal } from '../../server/auth/principal';
import { collectionId } from '../../server/storage/collections';
import { createStore, type CorrelationStore } from '../../server/correlation/loader';
import type { Backend } from '../../server/storage/contract';
import type { StoredObject } from '../../server/correlation/types';
import { BACKENDS, startTestHub, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { indicator, malware, stixId } from '../support/stix';
import { TLP2_MARKING_IDS } from '../../server/stix/markings';

const ORG = 'identity--0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a';
const GROUPS = ['alpha', 'beta'];
const FUTURE = '9999-12-31T00:00:00.000000Z';
const SINCE = '2000-01-01T00:00:00.000Z';

const as: RequestHandler = (_req, res, next) => {
  const p: Principal = { subject: 'admin', organisation: ORG, roles: Object.fromEntries(GROUPS.map((g) => [g, ['reader', 'writer', 'admin']])) };
  res.locals.principal = p;
  next();
};

const hubs = new Map<Backend, TestHub>();
afterAll(async () => {
  for (const t of hubs.values()) await t.close();
});

const plant = { type: 'identity', spec_version: '2.1', id: stixId('identity'), created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', name: 'Plant', identity_class: 'organization', sectors: ['energy'] };
const m1 = malware() as Record<string, unknown> & { id: string };
const m2 = { ...m1, modified: '2026-02-01T00:00:00.000Z', name: 'Industroyer v2' };
const ind = indicator({ pattern: "[ipv4-addr:value = '203.0.113.9']" });
const targets = { type: 'relationship', spec_version: '2.1', id: stixId('relationship'), created: '2026-01-03T00:00:00.000Z', modified: '2026-01-03T00:00:00.000Z', relationship_type: 'targets', source_ref: m1.id, target_ref: plant.id };
const indicates = { ...targets, id: stixId('relationship'), relationship_type: 'indicates', source_ref: ind.id, target_ref: m1.id };
const sighting = { type: 'sighting', spec_version: '2.1', id: stixId('sighting'), created: '2026-01-04T00:00:00.000Z', modified: '2026-01-04T00:00:00.000Z', sighting_of_ref: ind.id, where_sighted_refs: [plant.id] };

async function store(backend: Backend): Promise<CorrelationStore> {
  const t = hubs.get(backend)!;
  const g = (await t.hub.groups.get('alpha'))!;
  const alertsCol = collectionId('alpha', 'alerts');
  const inputCols = (await g.collections.list()).filter((c) => c._id !== alertsCol).map((c) => c._id);
  const others = [{ name: 'beta', graph: t.storage.group('beta').graph, alertsCol: collectionId('beta', 'alerts') }];
  return createStore({ group: 'alpha', graph: g.graph, inputCols, others });
}

/** date_added differs between two stores of the same data; everything else must not. */
const view = (xs: StoredObject[]) =>
  xs.map((o) => ({ id: o.stix.id, modified: o.stix.modified, meta: { ...o.meta, date_added: typeof o.meta.date_added } })).sort((a, b) => (a.id < b.id ? -1 : 1));

/** Every GraphLoader call and newObjects, with the answers normalised for comparison. */
async function answers(s: CorrelationStore) {
  const all = await s.newObjects(undefined, FUTURE, 1000);
  const firstTwo = await s.newObjects(undefined, FUTURE, 2);
  const rest = await s.newObjects(firstTwo.last, FUTURE, 1000);
  return {
    all: view(all.objects),
    allLast: all.last?.key,
    firstTwoLast: firstTwo.last?.key,
    rest: view(rest.objects),
    byIds: view(await s.getByIds('alpha', [m1.id, plant.id, 'malware--00000000-0000-4000-8000-000000000000'])),
    links: view(await s.getLinksTouching('alpha', [m1.id, plant.id])),
    keys: view(await s.getByObservableKeys('alpha', ['ipv4:203.0.113.9'], SINCE)),
    keysLater: view(await s.getByObservableKeys('alpha', ['ipv4:203.0.113.9'], FUTURE)),
    elsewhere: (await s.countObservableKeysElsewhere('alpha', ['ipv4:203.0.113.9', 'ipv4:192.0.2.1'], SINCE)).map((r) => ({ ...r, last_seen: typeof r.last_seen })),
  };
}

describe('correlation loader', () => {
  beforeAll(async () => {
    for (const backend of BACKENDS) {
      const t = await startTestHub({ PUENTE_CORRELATION_SETTLE_MS: '0', PUENTE_TRUST_GROUPS: GROUPS.join(',') }, as, backend);
      hubs.set(backend, t);
      await populate(client(t.app, {}));
    }
  });

  it('answers every loader call the same on PostgreSQL and on MongoDB', async () => {
    expect(await answers(await store('mongodb'))).toEqual(await answers(await store('postgres')));
  });

  it.each(BACKENDS)('reads the latest version, the links, the keys and other groups\' counts, never alerts (%s)', async (backend) => {
    const a = await answers(await store(backend));
    expect(a.all.filter((o) => o.id.startsWith('grouping--'))).toEqual([]);
    expect(a.all.map((o) => o.id).sort()).toEqual([plant.id, m1.id, ind.id, targets.id, indicates.id, sighting.id].sort());
    expect(a.all.find((o) => o.id === m1.id)?.modified).toBe(m2.modified);
    expect(a.rest.length).toBeGreaterThan(0);
    expect(a.byIds.map((o) => o.id).sort()).toEqual([m1.id, plant.id].sort());
    expect(a.byIds.find((o) => o.id === m1.id)?.modified).toBe(m2.modified);
    expect(a.links.map((o) => o.id).sort()).toEqual([targets.id, indicates.id, sighting.id].sort());
    expect(a.keys.map((o) => o.id)).toEqual([ind.id]);
    expect(a.keysLater).toEqual([]);
    expect(a.elsewhere).toEqual([expect.objectContaining({ key: 'ipv4:203.0.113.9', group: 'beta', count: 1, organisations: [ORG] })]);
  });
});

async function populate(admin: Client): Promise<void> {
  await admin.add('alpha', 'indicators', [plant, m1, ind, targets, indicates, sighting]);
  await admin.add('alpha', 'indicators', [m2]);
  // Other groups count only with TLP:CLEAR; the GREEN and unmarked reports of beta stay in beta.
  await admin.add('beta', 'indicators', [
    indicator({ pattern: "[ipv4-addr:value = '203.0.113.9']", object_marking_refs: [TLP2_MARKING_IDS.clear] }),
    indicator({ pattern: "[ipv4-addr:value = '203.0.113.9']", object_marking_refs: [TLP2_MARKING_IDS.green] }),
    indicator({ pattern: "[ipv4-addr:value = '203.0.113.9']" }),
  ]);
  // An alert in alpha's alerts collection: the loader never feeds it back.
  const res = await admin.post('/alpha/admin/jobs/correlation/run', {}).expect(200);
  expect(res.body.counts.alerts_new).toBeGreaterThan(0);
}
