/**
 * Filters and keyset pagination: added_after is strictly after date_added, values in one field
 * are ORed, fields are ANDed, and a page sequence returns every object exactly once while
 * other clients add objects.
 */
import { BACKENDS, startTestHub, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { waitFor } from '../support/wait';
import { indicator, malware, stixId } from '../support/stix';

describe.each(BACKENDS)('on %s', (backend) => {
  let t: TestHub;
  let c: Client;
  let col: string;
  const objects = () => `/colombia/collections/${col}/objects/`;

  beforeAll(async () => {
    t = await startTestHub({ PUENTE_PAGE_SIZE_MAX: '50', PUENTE_PAGE_SIZE_DEFAULT: '20' }, undefined, backend);
    c = client(t.app);
    col = await c.collectionId('colombia', 'indicators');
  });
  afterAll(async () => {
    await t.close();
  });

  async function pageAll(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const res = await c.get(`${objects()}?${query}&limit=${limit}${next ? `&next=${encodeURIComponent(next)}` : ''}`).expect(200);
      pages++;
      for (const o of res.body.objects ?? []) ids.push(o.id);
      expect(res.body.more).toBe(!!res.body.next);
      next = res.body.next;
    } while (next);
    return { ids, pages };
  }

  describe('added_after', () => {
    it('is strictly after date_added, at microsecond precision', async () => {
      const a = indicator();
      const b = indicator();
      await c.add('colombia', 'indicators', [a]);
      await c.add('colombia', 'indicators', [b]);
      const first = await c.get(`${objects()}?match[id]=${a.id},${b.id}`).expect(200);
      const addedA = first.headers['x-taxii-date-added-first'];
      expect(addedA).toMatch(/\.\d{6}Z$/);
      const after = await c.get(`${objects()}?match[id]=${a.id},${b.id}&added_after=${addedA}`).expect(200);
      expect(after.body.objects.map((o: { id: string }) => o.id)).toEqual([b.id]);
    });

    it('refers to date_added, not to the STIX modified time', async () => {
      const old = indicator({ created: '2001-01-01T00:00:00.000Z', modified: '2001-01-01T00:00:00.000Z' });
      const added = await c.add('colombia', 'indicators', [old]);
      expect(added.body.failures).toEqual([]);
      const res = await c.get(`${objects()}?match[id]=${old.id}&added_after=2020-01-01T00:00:00Z`).expect(200);
      expect(res.body.objects).toHaveLength(1);
    });
  });

  describe('match filters', () => {
    it('ORs values inside one field and ANDs different fields', async () => {
      const i = indicator();
      const m = malware();
      await c.add('colombia', 'indicators', [i, m]);
      const both = await c.get(`${objects()}?match[id]=${i.id},${m.id}`).expect(200);
      expect(both.body.objects).toHaveLength(2);
      const anded = await c.get(`${objects()}?match[id]=${i.id},${m.id}&match[type]=malware`).expect(200);
      expect(anded.body.objects.map((o: { id: string }) => o.id)).toEqual([m.id]);
      const none = await c.get(`${objects()}?match[id]=${i.id}&match[type]=malware`).expect(200);
      expect(none.body.objects).toBeUndefined();
    });

    it('filters on spec_version', async () => {
      const i = indicator();
      await c.add('colombia', 'indicators', [i]);
      const v21 = await c.get(`${objects()}?match[id]=${i.id}&match[spec_version]=2.1`).expect(200);
      expect(v21.body.objects).toHaveLength(1);
      const v20 = await c.get(`${objects()}?match[id]=${i.id}&match[spec_version]=2.0`).expect(200);
      expect(v20.body.objects).toBeUndefined();
    });
  });

  describe('keyset pagination', () => {
    it('caps limit at the configured maximum and says more', async () => {
      const batch = Array.from({ length: 60 }, () => indicator({ name: 'cap' }));
      await c.add('colombia', 'indicators', batch);
      const res = await c.get(`${objects()}?limit=5000`).expect(200);
      expect(res.body.objects).toHaveLength(50);
      expect(res.body.more).toBe(true);
    });

    it('returns every object exactly once across pages, with matching date headers', async () => {
      const type = 'malware';
      const batch = Array.from({ length: 23 }, () => malware({ id: stixId('malware') }));
      await c.add('colombia', 'indicators', batch);
      const { ids, pages } = await pageAll(`match[type]=${type}`, 4);
      expect(pages).toBeGreaterThanOrEqual(6);
      expect(new Set(ids).size).toBe(ids.length);
      for (const m of batch) expect(ids).toContain(m.id);
    });

    it('has no gaps or repeats while other clients add objects', async () => {
      const existing = Array.from({ length: 30 }, () => indicator({ name: 'concurrent' }));
      await c.add('colombia', 'indicators', existing);
      const since = (await c.get(`${objects()}?match[id]=${existing[0]!.id}`)).headers['x-taxii-date-added-first'];
      const added: string[] = [];
      const writers = (async () => {
        for (let i = 0; i < 10; i++) {
          const more = Array.from({ length: 5 }, () => indicator({ name: 'concurrent' }));
          added.push(...more.map((o) => o.id as string));
          await c.add('colombia', 'indicators', more);
        }
      })();
      // Page from just before the first existing object while the writers run.
      const before = new Date(Date.parse(since as string) - 1).toISOString();
      const reader = pageAll(`added_after=${before}&match[type]=indicator`, 3);
      const [{ ids }] = await Promise.all([reader, writers]);
      expect(new Set(ids).size).toBe(ids.length);
      for (const o of existing) expect(ids).toContain(o.id);
      // Whatever was added during the sequence is either seen in it or comes after its last page.
      const last = await pageAll(`added_after=${before}&match[type]=indicator`, 50);
      const missing = added.filter((id) => !ids.includes(id));
      const lastSeen = ids[ids.length - 1]!;
      for (const id of missing) expect(last.ids.indexOf(id)).toBeGreaterThan(last.ids.indexOf(lastSeen));
    });

    it('sends X-TAXII-Date-Added-First and -Last of the page on objects and manifest', async () => {
      const res = await c.get(`${objects()}?limit=3`).expect(200);
      const manifest = await c.get(`/colombia/collections/${col}/manifest/?limit=3`).expect(200);
      expect(res.headers['x-taxii-date-added-first']).toBe(manifest.body.objects[0].date_added);
      expect(res.headers['x-taxii-date-added-last']).toBe(manifest.body.objects[2].date_added);
      expect(manifest.headers['x-taxii-date-added-last']).toBe(manifest.body.objects[2].date_added);
    });
  });

  describe('with several hub instances (PUENTE_READ_SETTLE_MS)', () => {
    it('shows an object only once it is older than the settle time', async () => {
      const settled = await startTestHub({ PUENTE_READ_SETTLE_MS: '1500' }, undefined, backend);
      try {
        const sc = client(settled.app);
        const scol = await sc.collectionId('colombia', 'indicators');
        const obj = indicator();
        const before = Date.now();
        await sc.add('colombia', 'indicators', [obj]);
        const read = async () => (await sc.get(`/colombia/collections/${scol}/objects/?match[id]=${obj.id}`).expect(200)).body.objects;
        expect(await read()).toBeUndefined();
        let later: unknown[] | undefined;
        await waitFor(async () => (later = await read()) !== undefined, { intervalMs: 100, message: 'the object to settle' });
        expect(Date.now() - before).toBeGreaterThanOrEqual(1500);
        expect(later).toHaveLength(1);
      } finally {
        await settled.close();
      }
    });
  });
});
