/** Job leases, checkpoints and crash recovery against the real database (leases on both backends). */
import { MongoClient } from 'mongodb';
import { Jobs } from '../../server/jobs/scheduler';
import type { Storage } from '../../server/storage/contract';
import { BACKENDS, openTestStorage, startTestHub, testDatabase, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { malware, stixId } from '../support/stix';

let t: TestHub;
let c: Client;

beforeAll(async () => {
  t = await startTestHub({ PUENTE_CORRELATION_SETTLE_MS: '0' });
  c = client(t.app);
});
afterAll(async () => {
  await t.close();
});

const plantAndThreat = () => {
  const plant = { type: 'identity', spec_version: '2.1', id: stixId('identity'), created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', name: 'Grid', identity_class: 'organization', sectors: ['energy'] };
  const m = malware();
  const r = { type: 'relationship', spec_version: '2.1', id: stixId('relationship'), created: '2026-01-03T00:00:00.000Z', modified: '2026-01-03T00:00:00.000Z', relationship_type: 'targets', source_ref: m.id, target_ref: plant.id };
  return [plant, m, r];
};

async function alertCount(group: string): Promise<number> {
  const col = await c.collectionId(group, 'alerts');
  const res = await c.get(`/${group}/collections/${col}/manifest/?limit=1000`).expect(200);
  return (res.body.objects ?? []).length;
}

describe.each(BACKENDS)('leases on %s', (backend) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await openTestStorage(backend);
  });
  afterAll(async () => {
    await storage.dropAll();
    await storage.close();
  });

  it('lets one contender win and refuses the other while the lease lives', async () => {
    const a = storage.leases;
    const [x, y] = await Promise.all([a.acquire('test:one', 60_000, 'a'), a.acquire('test:one', 60_000, 'b')]);
    expect([x, y].filter(Boolean)).toHaveLength(1);
    await a.release((x ?? y)!);
    expect(await a.acquire('test:one', 60_000, 'c')).not.toBeNull();
  });

  it('takes over an expired lease, and only one of two contenders does', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const repo = storage.leasesAt(() => now);
    const old = await repo.acquire('test:expired', 1000, 'crashed');
    expect(old).not.toBeNull();
    expect(await repo.acquire('test:expired', 1000, 'early')).toBeNull();
    now = new Date(now.getTime() + 5000);
    const [x, y] = await Promise.all([repo.acquire('test:expired', 1000, 'x'), repo.acquire('test:expired', 1000, 'y')]);
    expect([x, y].filter(Boolean)).toHaveLength(1);
    // The crashed holder can neither renew nor release the new lease.
    expect(await repo.renew(old!, 1000)).toBe(false);
    await repo.release(old!);
    expect((await repo.get('test:expired'))?.holder).toBe((x ?? y)!.holder);
  });
});

describe('leases on mongodb, takeover claims', () => {
  it('is not blocked for good by a contender that crashed between its takeover claim and the delete', async () => {
    const prefix = `t${Date.now().toString(36)}`;
    const storage = await openTestStorage('mongodb', prefix);
    const raw = await MongoClient.connect(testDatabase('mongodb').mongodbUri!);
    try {
      let now = new Date('2026-02-01T00:00:00Z');
      const repo = storage.leasesAt(() => now);
      const old = await repo.acquire('test:stuck', 1000, 'crashed');
      now = new Date(now.getTime() + 5000);
      // The crashed contender's claim, left behind.
      const period = Math.floor(now.getTime() / 1000);
      await raw.db(`${prefix}-admin`).collection('job_leases').insertOne({ _id: `takeover|test:stuck|${old!.holder}|${period}` } as never);
      expect(await repo.acquire('test:stuck', 1000, 'same-period')).toBeNull();
      now = new Date(now.getTime() + 1000);
      expect(await repo.acquire('test:stuck', 1000, 'next-period')).not.toBeNull();
    } finally {
      await raw.close();
      await storage.dropAll();
      await storage.close();
    }
  });
});

describe('jobs', () => {
  it('runs a job once when two instances race for it', async () => {
    await c.add('colombia', 'indicators', plantAndThreat());
    const other = new Jobs({
      groups: t.hub.groups, log: t.hub.jobs['d'].log, metrics: t.metrics, engine: t.hub.engine,
      schedules: { correlation: '* * * * *', 'status-cleanup': '* * * * *' }, leaseMs: 60_000, instance: 'second',
    });
    const runs = await Promise.all([t.hub.jobs.run('correlation', 'colombia', 'api'), other.run('correlation', 'colombia', 'api')]);
    expect(runs.map((r) => r.outcome).sort()).toEqual(['ok', 'skipped']);
    expect(await alertCount('colombia')).toBe(1);
  });
});

describe('checkpoints and crashes', () => {
  it('processes only what was added since the last run', async () => {
    await t.hub.jobs.run('correlation', 'eu', 'api');
    await c.add('eu', 'indicators', [malware()]);
    const r = await t.hub.jobs.run('correlation', 'eu', 'api');
    expect(r.counts.objects).toBe(1);
    const cp = await t.storage.group('eu').checkpoints.get('correlation');
    expect(cp?.added).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('redoes a run that crashed after writing alerts, without duplicates', async () => {
    await c.add('nato-liaison', 'indicators', plantAndThreat());
    const crashed = await t.hub.jobs.run('correlation', 'nato-liaison', 'api', {
      afterAlertsWritten: () => {
        throw new Error('simulated crash');
      },
    });
    expect(crashed).toMatchObject({ outcome: 'failed', error: 'simulated crash' });
    expect(await alertCount('nato-liaison')).toBe(1);
    expect(await t.storage.group('nato-liaison').checkpoints.get('correlation')).toBeUndefined();
    const again = await t.hub.jobs.run('correlation', 'nato-liaison', 'api');
    expect(again.outcome).toBe('ok');
    expect(again.counts).toMatchObject({ objects: 3, alerts: 1, alerts_new: 0 });
    expect(await alertCount('nato-liaison')).toBe(1);
    expect(await t.metrics.registry.getSingleMetricAsString('puente_job_runs_total')).toMatch(/outcome="failed"\} 1/);
  });
});
