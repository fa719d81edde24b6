/**
 * Two hub processes on one database, as behind a load balancer: the limit of a token is shared,
 * a `next` token from one is honoured by the other and paging across both sees every object once
 * while both take writes, and a scheduled job runs once per tick, not once per instance.
 */
import crypto from 'node:crypto';
import type { Backend } from '../../server/storage/contract';
import { acknowledged, call, duplicates, incidents, isAnswer, posters, until } from '../support/faults';
import { BACKENDS, openTestStorage, TAXII } from '../support/hub';
import { startLiveHub, type LiveHub } from '../support/live-hub';
import { indicator } from '../support/stix';

jest.setTimeout(240_000);

async function pair(backend: Backend, env: Record<string, string>): Promise<[LiveHub, LiveHub]> {
  const prefix = `h${crypto.randomBytes(5).toString('hex')}`;
  const shared = { PUENTE_PAGINATION_SECRET: crypto.randomBytes(24).toString('hex'), ...env };
  const a = await startLiveHub({ backend, prefix, env: shared });
  try {
    return [a, await startLiveHub({ backend, prefix, env: shared })];
  } catch (err) {
    await a.stop();
    throw err;
  }
}

describe.each(BACKENDS)('two hubs on one %s database', (backend) => {
  it('share each token\'s rate limit: 10 a minute over both is 10, not 20', async () => {
    // Stay inside one minute window: start early in a minute.
    await until('the start of a minute', () => new Date().getSeconds() < 40, 25_000, 200);
    const [a, b] = await pair(backend, { PUENTE_RATE_LIMIT_PER_MINUTE: '10' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) {
        const r = await call(`${(i % 2 ? b : a).url}/colombia/`);
        statuses.push(isAnswer(r) ? r.status : 0);
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.slice(10)).toEqual([429, 429, 429, 429, 429, 429]);
    } finally {
      await b.stop({ keepDatabases: true });
      await a.stop();
    }
  });

  it('page consistently across both while both take writes: every earlier object exactly once', async () => {
    const [a, b] = await pair(backend, { PUENTE_RATE_LIMIT_PER_MINUTE: '1000000' });
    try {
      const col = incidents();
      // FerretDB scans a whole database per page: a smaller store and slower writers there.
      const before = Array.from({ length: backend === 'mongodb' ? 150 : 400 }, () => indicator());
      for (let i = 0; i < before.length; i += 50) {
        const r = await call(`${a.url}/colombia/collections/${col}/objects/`, { method: 'POST', body: JSON.stringify({ objects: before.slice(i, i + 50) }), headers: { 'Content-Type': TAXII } });
        expect(isAnswer(r) && r.body.success_count).toBe(50);
      }
      const [clients, size, pause] = backend === 'mongodb' ? [1, 10, 250] : [2, 50, 0];
      const writersA = posters(a.url, clients, size, pause);
      const writersB = posters(b.url, clients, size, pause);
      const seen: string[] = [];
      const wanted = new Set(before.map((o) => o.id as string));
      let next: string | undefined;
      let writing = true;
      for (let page = 0; ; page++) {
        // The writers stop once the pages have passed every earlier object, so paging can end.
        if (writing && [...wanted].every((id) => seen.includes(id))) {
          writing = false;
          await Promise.all([writersA.stop(), writersB.stop()]);
        }
        const via = page % 2 ? b : a;
        const r = await call(`${via.url}/colombia/collections/${col}/objects/?limit=37${next ? `&next=${encodeURIComponent(next)}` : ''}`);
        if (!isAnswer(r) || r.status !== 200) throw new Error(`page ${page} via ${via.url}: ${JSON.stringify(r)}`);
        seen.push(...(r.body.objects as { id: string }[]).map((o) => o.id));
        next = r.body.next as string | undefined;
        if (!r.body.more) break;
      }
      await Promise.all([writersA.stop(), writersB.stop()]);
      expect(acknowledged([...writersA.posted, ...writersB.posted]).length).toBeGreaterThan(0);
      expect(duplicates(seen)).toEqual([]);
      const got = new Set(seen);
      expect(before.map((o) => o.id as string).filter((id) => !got.has(id))).toEqual([]);
    } finally {
      await b.stop({ keepDatabases: true });
      await a.stop();
    }
  });

  it('run a scheduled job once per tick, in one of the two', async () => {
    const [a, b] = await pair(backend, {
      PUENTE_JOBS_ENABLED: 'true',
      PUENTE_STATUS_CLEANUP_SCHEDULE: '*/2 * * * * *',
      PUENTE_CORRELATION_SCHEDULE: '0 0 1 1 *',
    });
    const storage = await openTestStorage(backend, a.prefix);
    try {
      const runs = () => storage.group('colombia').runs.list({ job: 'status-cleanup', limit: 100 });
      await until('five scheduled runs', async () => (await runs()).length >= 5, 60_000, 500);
      await b.stop({ keepDatabases: true });
      await a.stop({ keepDatabases: true });
      const done = (await runs()).filter((r) => r.trigger === 'schedule');
      // Ticks are even seconds; a run starts within a second of its tick.
      const ticks = done.map((r) => Math.floor(Date.parse(r.started) / 2000));
      expect(duplicates(ticks.map(String))).toEqual([]);
      expect(done.every((r) => r.outcome === 'ok')).toBe(true);
    } finally {
      await storage.dropAll();
      await storage.close();
    }
  });
});
