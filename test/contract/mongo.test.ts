/**
 * What only the MongoDB backend has, beside the contract suite (storage.test.ts): the mongoose
 * schemas of the administrative documents (server/storage/mongo/models.ts) refuse a bad document
 * before it is written, whatever the caller checked first. Runs on the FerretDB of global-setup.
 */
import crypto from 'node:crypto';
import type { Storage } from '../../server/storage/contract';
import { MongoStorage } from '../../server/storage/mongo/database';
import { openStorage } from '../../server/storage/open';
import { openTestStorage, testDatabase } from '../support/hub';

// jest.config's testTimeout is not a project option; FerretDB on a shared 2-core machine is slow.
jest.setTimeout(180_000);

describe('mongoose schemas of the MongoDB backend', () => {
  const group = 'alpha';
  let s: Storage;

  beforeAll(async () => {
    s = await openTestStorage('mongodb', `m${crypto.randomBytes(5).toString('hex')}`);
    await s.registry.ensure(group);
    await s.group(group).ensure();
  });
  afterAll(async () => {
    await s?.dropAll();
    await s?.close();
  });

  it('refuses a trust group whose name the hub could never route, and stores nothing', async () => {
    await expect(s.registry.ensure('Not A Group')).rejects.toThrow(/not a valid trust group name/);
    await expect(s.registry.ensure('taxii2')).rejects.toThrow(/reserved/);
    expect((await s.registry.list()).map((g) => g._id)).toEqual([group]);
  });

  it('refuses a collection with an invalid alias, a release to an invalid group name or a stray field', async () => {
    const c = s.group(group).collections;
    const before = await c.list();
    await expect(c.ensure(group, { alias: 'Not An Alias', title: 'T', writable: true, releaseTo: [] })).rejects.toThrow(/alias/);
    await expect(c.ensure(group, { alias: 'bad-release', title: 'T', writable: true, releaseTo: ['Bad Group'] })).rejects.toThrow(/not a valid trust group name/);
    const stray = { alias: 'stray', title: 'T', writable: true, releaseTo: [], colour: 'red' };
    await expect(c.ensure(group, stray)).rejects.toThrow(/colour/);
    await expect(c.ensure(group, { alias: 'untitled', writable: true, releaseTo: [] } as never)).rejects.toThrow(/title/);
    expect(await c.list()).toStrictEqual(before);

    const indicators = before.find((x) => x.alias === 'indicators')!;
    await expect(c.setReleaseTo(indicators._id, ['beta', 'Bad Group'])).rejects.toThrow(/not a valid trust group name/);
    expect(await c.get(indicators._id)).toStrictEqual(indicators);
  });

  it('refuses a run with an unknown outcome or trigger and keeps the run as it was', async () => {
    const runs = s.group(group).runs;
    await expect(runs.start('correlation', group, 'telepathy' as never)).rejects.toThrow(/trigger/);
    const run = await runs.start('correlation', group, 'api', 'hub:1');
    await expect(runs.finish(run, 'exploded' as never, {})).rejects.toThrow(/outcome/);
    await expect(runs.finish(run, 'ok', { alerts: 'many' } as never)).rejects.toThrow(/counts/);
    expect(await runs.list({ limit: 10 })).toStrictEqual([run]);
  });

  it('acknowledges writes with the configured write concern (default majority), reads from the primary', async () => {
    const { storage } = await openStorage({ ...testDatabase('mongodb'), dataDir: '', dbPrefix: `w${crypto.randomBytes(4).toString('hex')}`, mongodbWriteConcern: '1' });
    try {
      const options = (storage as MongoStorage).connection.getClient().options;
      expect([options.writeConcern?.w, options.readPreference.mode]).toEqual([1, 'primary']);
    } finally {
      await storage.close();
    }
    const defaults = (s as MongoStorage).connection.getClient().options;
    expect(defaults.writeConcern?.w).toBe('majority');
  });
});
