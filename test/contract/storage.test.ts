/**
 * The storage contract (server/storage/contract.ts), one suite over every backend, as medallion
 * runs one suite over each of its backends: PostgreSQL on the embedded test server, MongoDB on
 * FerretDB (a real wire-protocol server), both started by global-setup. Each backend gets its own
 * name prefix, dropped at the end. Only contract methods are used here; what only PostgreSQL has
 * (migrations, schemas, a server that goes away) is in postgres.test.ts.
 */
import crypto from 'node:crypto';
import { versionKey } from '../../server/storage/clock';
import type { Backend, Storage } from '../../server/storage/contract';
import { draftKey, type ObjectDoc, type ObjectQuery } from '../../server/storage/objects';
import type { StatusDoc } from '../../server/storage/status';
import type { DeliveryDoc, WebhookDoc } from '../../server/storage/webhooks';
import { BACKENDS, openTestStorage } from '../support/hub';
import { A, ALL, B, NO_VERSIONS, byAddedKey, cursorOf, draft, drafts, emptyKeys, ids, pageAll, query } from './drafts';

// jest.config's testTimeout is not a project option; FerretDB on a shared 2-core machine is slow.
jest.setTimeout(180_000);

const newPrefix = () => `c${crypto.randomBytes(5).toString('hex')}`;

/** The optional keys of a stored document that may be null (STIX objects without a TLP marking). */
const NULLABLE = ['meta.tlp'];

describe.each(BACKENDS)('storage contract on %s', (backend: Backend) => {
  const prefix = newPrefix();
  const group = 'alpha';
  const other = 'beta';
  let s: Storage;
  let col: string;
  let col2: string;

  /** A fresh writable collection of `group` (each test reads only its own). */
  const collection = async (alias: string, g = group) =>
    (await s.group(g).collections.ensure(g, { alias, title: alias, writable: true, releaseTo: [] }))._id;
  /**
   * A group of its own, for tests that store thousands of objects or read the whole group:
   * FerretDB reads scan a whole database, so the shared group stays small.
   */
  const ownGroup = async (name: string) => {
    await s.group(name).ensure();
    return s.group(name);
  };

  beforeAll(async () => {
    s = await openTestStorage(backend, prefix);
    for (const g of [group, other]) {
      await s.registry.ensure(g);
      await s.group(g).ensure();
    }
    const cols = await s.group(group).collections.list();
    col = cols.find((c) => c.alias === 'indicators')!._id;
    col2 = cols.find((c) => c.alias === 'incidents')!._id;
  });
  afterAll(async () => {
    await s?.dropAll();
    await s?.close();
  });

  it('names its backend, answers ping, and returns one handle per group', async () => {
    expect(s.backend).toBe(backend);
    await s.ping();
    expect(s.group(group)).toBe(s.group(group));
    expect(s.group(group).name).toBe(group);
  });

  it('keeps the first registration of a group and lists groups by name', async () => {
    await s.registry.ensure(group, 'another title', 'another description');
    await s.registry.ensure(other);
    await s.group(group).ensure();
    const groups = await s.registry.list();
    expect(groups.map((g) => g._id)).toEqual([group, other]);
    expect(groups[0]).toMatchObject({ _id: group, title: `Puente: ${group}`, description: `Trust group ${group}` });
    expect(typeof groups[0]!.created).toBe('string');
    expect(emptyKeys(groups)).toEqual([]);
  });

  it('seeds the default collections once, keeps the first writer of ensure and sets releaseTo', async () => {
    const c = s.group(group).collections;
    const list = await c.list();
    expect(list.map((x) => x.alias)).toEqual(['alerts', 'frameworks', 'incidents', 'indicators', 'released-in']);
    expect(list.find((x) => x.alias === 'alerts')!.writable).toBe(false);
    const again = await c.ensure(group, { alias: 'indicators', title: 'Other title', writable: false, releaseTo: ['x'] });
    expect(again).toEqual(await c.get(col));
    expect(again).toMatchObject({ title: 'Indicators', writable: true, releaseTo: [] });
    const fresh = await c.ensure(group, { alias: 'no-description', title: 'T', writable: true, releaseTo: [] });
    expect(await c.get(fresh._id)).toStrictEqual(fresh);
    expect('description' in fresh).toBe(false);
    expect(await c.setReleaseTo(col2, [other, 'gamma'])).toBe(true);
    expect((await c.get(col2))!.releaseTo).toEqual([other, 'gamma']);
    expect(await c.setReleaseTo('no-such', [other])).toBe(false);
    expect(await c.get('no-such')).toBeNull();
    await c.setReleaseTo(col2, []);
    // Two first writers at once: one wins, both get its collection.
    const [x, y] = await Promise.all([
      c.ensure(group, { alias: 'raced', title: 'X', writable: true, releaseTo: [] }),
      c.ensure(group, { alias: 'raced', title: 'Y', writable: true, releaseTo: [] }),
    ]);
    expect(x).toEqual(y);
    expect(await c.get(x._id)).toEqual(x);
    // Collections belong to their group.
    expect(await s.group(other).collections.get(fresh._id)).toBeNull();
  });

  it('gives every stored draft a unique, increasing date_added, also across concurrent adds', async () => {
    const c = await collection('added');
    const objects = s.group(group).objects;
    const results = await Promise.all([objects.add(drafts(c, 50)), objects.add(drafts(c, 1)), objects.add(drafts(c, 20))]);
    for (const r of results) {
      const added = r.docs.map((d) => d.meta.added);
      expect(added).toEqual([...added].sort());
      expect(new Set(added).size).toBe(added.length);
      for (const a of added) expect(a).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    }
    const all = results.flatMap((r) => r.docs.map((d) => d.meta.added));
    expect(new Set(all).size).toBe(71);
    const later = await objects.add([draft(c)]);
    expect(later.docs[0]!.meta.added > all.sort()[70]!).toBe(true);
    expect(await objects.add([])).toEqual({ docs: [], existing: new Set() });
  });

  it('stores repeated drafts once and reports identical re-posts as existing', async () => {
    const c = await collection('reposts');
    const objects = s.group(group).objects;
    const d1 = draft(c);
    const d2 = draft(c);
    const r = await objects.add([d1, d2, { ...d1 }, d1]);
    expect(ids(r.docs)).toEqual([draftKey(d1), draftKey(d2)]);
    expect(r.existing.size).toBe(0);
    expect(await objects.count(c)).toBe(2);

    const d3 = draft(c);
    const again = await objects.add([d2, d3, d1, d3]);
    expect(ids(again.docs)).toEqual([draftKey(d2), draftKey(d3), draftKey(d1)]);
    expect([...again.existing].sort()).toEqual([draftKey(d1), draftKey(d2)].sort());
    expect(await objects.count(c)).toBe(3);
    // Nothing was written for the re-posts: the stored ones keep their first date_added.
    const stored = await objects.findVersions(c, d1.meta.id, A);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.meta.added).toBe(r.docs[0]!.meta.added);
  });

  it('stores an object posted twice at once exactly once', async () => {
    const c = await collection('concurrent-reposts');
    const objects = s.group(group).objects;
    const d = draft(c);
    const results = await Promise.all([objects.add([d]), objects.add([{ ...d }]), objects.add([d, draft(c)])]);
    expect(results.filter((r) => r.existing.has(draftKey(d)))).toHaveLength(2);
    expect(await objects.count(c)).toBe(2);
    expect(await objects.findVersions(c, d.meta.id, A)).toHaveLength(1);
  });

  it('returns documents as add() built them, raw text byte-identical and no keys for absent metadata', async () => {
    const c = await collection('roundtrip');
    const objects = s.group(group).objects;
    const id = 'indicator--0b9c7c0e-5f8a-4c60-9d7c-1a2b3c4d5e6f';
    const raw = `{"type":"indicator","spec_version":"2.1","id":"${id}",  "n": 1.0, "big": 12345678901234567890, "name":"Ünïcödé \\"quoted\\" \\\\ 😀\\u0000\\ud83d\\ude00", "x_custom":{"b":[1,2],"a":null}}\n`;
    const plain = draft(c, { id, raw });
    const full = draft(c, { keys: ['ipv4:198.51.100.7'], links: ['x--1', 'y--2'], origin: { group: other, subject: 'bob', organisation: 'cert-b' }, tlp: null });
    // A writer that spells absent metadata as undefined stores the same document as one that omits it.
    const spelled = draft(c);
    Object.assign(spelled.meta, { origin: undefined, keys: undefined, links: undefined });
    const r = await objects.add([plain, full, spelled]);

    for (const [i, d] of [plain, full, spelled].entries()) {
      const stored = await objects.findVersions(c, d.meta.id, A);
      expect(stored).toHaveLength(1);
      expect(stored[0]!.raw).toBe(d.raw);
      expect(stored[0]).toEqual(r.docs[i]);
      expect(emptyKeys(stored[0], NULLABLE)).toEqual([]);
    }
    const [p] = await objects.findVersions(c, plain.meta.id, A);
    expect(Object.keys(p!.meta).sort()).toEqual(['added', 'id', 'org', 'readers', 'restricted', 'sub', 'sv', 'tlp', 'type', 'ver', 'verRaw']);
    const [s2] = await objects.findVersions(c, spelled.meta.id, A);
    expect('keys' in s2!.meta || 'links' in s2!.meta || 'origin' in s2!.meta).toBe(false);
    const [f] = await objects.findVersions(c, full.meta.id, A);
    expect(f!.meta).toMatchObject({ tlp: null, keys: ['ipv4:198.51.100.7'], links: ['x--1', 'y--2'], origin: { group: other, subject: 'bob', organisation: 'cert-b' } });
    // Pages return the same documents as findVersions.
    const page = await objects.page(query(c));
    expect(page.docs).toStrictEqual([p, f, s2]);
  });

  it('keeps each group apart', async () => {
    const c = await collection('isolated');
    const d = draft(c);
    await s.group(group).objects.add([d]);
    expect(await s.group(other).objects.count(c)).toBe(0);
    expect((await s.group(other).objects.page(query(c))).docs).toEqual([]);
    expect(await s.group(other).objects.findVersions(c, d.meta.id, A)).toEqual([]);
  });

  it('pages in (date_added, key) order with a keyset cursor, a limit and a correct more flag', async () => {
    const c = await collection('paging');
    const objects = s.group(group).objects;
    const first = await objects.add(drafts(c, 12));
    const second = await objects.add(drafts(c, 13));
    const all = [...first.docs, ...second.docs];
    expect([...all].sort(byAddedKey)).toEqual(all);

    const p1 = await objects.page(query(c, { limit: 10 }));
    expect(ids(p1.docs)).toEqual(ids(all.slice(0, 10)));
    expect(p1.more).toBe(true);
    const p2 = await objects.page(query(c, { limit: 10, after: cursorOf(p1.docs[9]!) }));
    expect(ids(p2.docs)).toEqual(ids(all.slice(10, 20)));
    for (const limit of [1, 7, 10, 24, 25, 26, 1000]) {
      expect(ids(await pageAll(s, group, query(c, { limit })))).toEqual(ids(all));
    }
    const exact = await objects.page(query(c, { limit: 25 }));
    expect(exact.docs).toHaveLength(25);
    expect(exact.more).toBe(false);
    const oneShort = await objects.page(query(c, { limit: 24 }));
    expect(oneShort.more).toBe(true);
    const last = await objects.page(query(c, { after: cursorOf(all[24]!) }));
    expect(last).toEqual({ docs: [], more: false });
    // A cursor between stored keys (a deleted object's) resumes at the next one.
    const between = await objects.page(query(c, { after: { added: all[4]!.meta.added, key: `${all[4]!._id}~` }, limit: 2 }));
    expect(ids(between.docs)).toEqual(ids(all.slice(5, 7)));
    expect(await objects.count(c)).toBe(25);
  });

  it('reads added_after as strictly after, together with a cursor', async () => {
    const c = await collection('added-after');
    const objects = s.group(group).objects;
    const all = (await objects.add(drafts(c, 25))).docs;
    // TAXII 2.1 §3.4: added_after is strictly after.
    const after = await objects.page(query(c, { addedAfter: all[19]!.meta.added }));
    expect(ids(after.docs)).toEqual(ids(all.slice(20)));
    expect(after.more).toBe(false);
    expect((await objects.page(query(c, { addedAfter: all[24]!.meta.added }))).docs).toEqual([]);
    expect(ids((await objects.page(query(c, { addedAfter: '2000-01-01T00:00:00.000000Z' }))).docs)).toEqual(ids(all));
    // A cursor older than added_after: added_after wins; a newer one: the cursor wins.
    const older = await objects.page(query(c, { addedAfter: all[19]!.meta.added, after: cursorOf(all[2]!) }));
    expect(ids(older.docs)).toEqual(ids(all.slice(20)));
    const newer = await objects.page(query(c, { addedAfter: all[2]!.meta.added, after: cursorOf(all[22]!) }));
    expect(ids(newer.docs)).toEqual(ids(all.slice(23)));
    expect(ids(await pageAll(s, group, query(c, { addedAfter: all[9]!.meta.added, limit: 4 })))).toEqual(ids(all.slice(10)));

    // date_added is unique within one process only: a copy from elsewhere may share one. A cursor
    // at added_after itself still excludes every object added at that instant.
    const twin: ObjectDoc = { ...all[10]!, _id: `${all[10]!._id}~twin`, meta: { ...all[10]!.meta, id: `indicator--${crypto.randomUUID()}` } };
    expect(await objects.importDocs([twin])).toBe(1);
    const tie = all[10]!.meta.added;
    const atCursor = await objects.page(query(c, { addedAfter: tie, after: cursorOf(all[10]!) }));
    expect(ids(atCursor.docs)).toEqual(ids(all.slice(11)));
    const plainCursor = await objects.page(query(c, { after: cursorOf(all[10]!), limit: 2 }));
    expect(ids(plainCursor.docs)).toEqual([twin._id, all[11]!._id]);
  });

  it('filters pages by ids, types and spec_version, one value or several', async () => {
    const c = await collection('filters');
    const m = draft(c, { type: 'malware' });
    const i = draft(c);
    const old = draft(c, { type: 'malware', sv: '2.0' });
    const t = draft(c, { type: 'tool' });
    await s.group(group).objects.add([m, i, old, t]);
    const got = async (q: Partial<ObjectQuery>) => (await s.group(group).objects.page(query(c, q))).docs.map((d) => d.meta.id);
    expect(await got({ types: ['malware'] })).toEqual([m.meta.id, old.meta.id]);
    expect(await got({ types: ['malware', 'indicator'] })).toEqual([m.meta.id, i.meta.id, old.meta.id]);
    expect(await got({ types: ['indicator', 'malware', 'malware'] })).toEqual([m.meta.id, i.meta.id, old.meta.id]);
    expect(await got({ types: ['nothing', 'tool'] })).toEqual([t.meta.id]);
    expect((await pageAll(s, group, query(c, { types: ['malware', 'indicator'], limit: 1 }))).map((d) => d.meta.id)).toEqual([m.meta.id, i.meta.id, old.meta.id]);
    const p = await s.group(group).objects.page(query(c, { types: ['malware', 'tool'], limit: 2 }));
    expect(p.docs.map((d) => d.meta.id)).toEqual([m.meta.id, old.meta.id]);
    expect(p.more).toBe(true);
    expect(await got({ specVersions: ['2.0'] })).toEqual([old.meta.id]);
    expect(await got({ specVersions: ['2.0', '2.1'] })).toEqual([m.meta.id, i.meta.id, old.meta.id, t.meta.id]);
    expect(await got({ types: ['malware'], specVersions: ['2.0'] })).toEqual([old.meta.id]);
    expect(await got({ types: ['malware', 'tool'], specVersions: ['2.1'] })).toEqual([m.meta.id, t.meta.id]);
    expect(await got({ ids: [i.meta.id, old.meta.id] })).toEqual([i.meta.id, old.meta.id]);
    expect(await got({ ids: [m.meta.id] })).toEqual([m.meta.id]);
    expect(await got({ ids: [m.meta.id, i.meta.id], types: ['malware', 'tool'] })).toEqual([m.meta.id]);
    expect(await got({ ids: ['malware--none'] })).toEqual([]);
  });

  it('resolves match[version] first, last and exact against the visible versions of each id', async () => {
    const c = await collection('versions');
    const objects = s.group(group).objects;
    const id = `indicator--${crypto.randomUUID()}`;
    const v = (modified: string, readers?: string[]) => draft(c, { id, modified, readers });
    // Added out of version order; the newest version is readable by cert-b only.
    await objects.add([v('2026-01-02T00:00:00.000Z'), v('2026-01-01T00:00:00.000Z')]);
    await objects.add([v('2026-01-03T00:00:00.5Z'), v('2026-01-04T00:00:00.000Z', ['cert-b'])]);
    const lone = draft(c);
    await objects.add([lone]);
    const vers = async (versions: ObjectQuery['versions'], viewer = A) =>
      (await objects.page(query(c, { versions, viewer }))).docs.filter((d) => d.meta.id === id).map((d) => d.meta.verRaw);
    expect(await vers({ ...NO_VERSIONS, last: true })).toEqual(['2026-01-03T00:00:00.5Z']);
    expect(await vers({ ...NO_VERSIONS, last: true }, B)).toEqual(['2026-01-04T00:00:00.000Z']);
    expect(await vers({ ...NO_VERSIONS, first: true })).toEqual(['2026-01-01T00:00:00.000Z']);
    expect(await vers({ ...NO_VERSIONS, first: true, last: true })).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-03T00:00:00.5Z']);
    expect(await vers({ ...NO_VERSIONS, exact: [versionKey('2026-01-02T00:00:00.000Z')!] })).toEqual(['2026-01-02T00:00:00.000Z']);
    expect(await vers({ ...NO_VERSIONS, exact: [versionKey('2026-01-04T00:00:00Z')!] })).toEqual([]);
    expect(await vers({ ...NO_VERSIONS, exact: [versionKey('2026-01-04T00:00:00Z')!] }, B)).toEqual(['2026-01-04T00:00:00.000Z']);
    expect(await vers({ ...NO_VERSIONS, first: true, exact: [versionKey('2026-01-02T00:00:00Z')!] })).toEqual(['2026-01-02T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
    expect(await vers(ALL)).toHaveLength(3);
    expect(await vers(ALL, B)).toHaveLength(4);
    // limit 1 with last: the one kept row, and more says whether another kept row follows.
    const p = await objects.page(query(c, { versions: { ...NO_VERSIONS, last: true }, limit: 1 }));
    expect(p.docs.map((d) => d.meta.verRaw)).toEqual(['2026-01-03T00:00:00.5Z']);
    expect(p.more).toBe(true);
    const p2 = await objects.page(query(c, { versions: { ...NO_VERSIONS, last: true }, limit: 1, after: cursorOf(p.docs[0]!) }));
    expect(p2.docs.map((d) => d.meta.id)).toEqual([lone.meta.id]);
    expect(p2.more).toBe(false);
    const latest = await objects.findLatest(c, [id, lone.meta.id], A);
    expect(latest.map((d) => d.meta.verRaw).sort()).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-03T00:00:00.5Z']);
    expect((await objects.findLatest(c, [id], B)).map((d) => d.meta.verRaw)).toEqual(['2026-01-04T00:00:00.000Z']);
    expect(await objects.findLatest(c, [], A)).toEqual([]);
    expect(await objects.findVersions(c, id, B)).toHaveLength(4);
  });

  it('resolves match[version] across page and batch boundaries, each kept version exactly once', async () => {
    const g = await ownGroup('paged');
    const c = await collection('versions-paged', g.name);
    const objects = g.objects;
    // Each id's first version early, fillers, a middle version, more fillers, its last version:
    // bounds must come from every stored version, not from the rows of one read.
    const idsOf = Array.from({ length: 30 }, () => `indicator--${crypto.randomUUID()}`);
    const at = (day: number) => `2026-02-${String(day).padStart(2, '0')}T00:00:00.000Z`;
    await objects.add(idsOf.map((id) => draft(c, { id, modified: at(1) })));
    // More fillers than a page reads in one batch (64), so each id's versions fall in different reads.
    await objects.add(drafts(c, 70, { type: 'note' }));
    await objects.add(idsOf.map((id) => draft(c, { id, modified: at(5) })));
    await objects.add(drafts(c, 70, { type: 'note' }));
    await objects.add([...idsOf].reverse().map((id) => draft(c, { id, modified: at(9) })));
    const fillers = 140;
    const walk = async (versions: ObjectQuery['versions'], limit: number, types?: string[]) => pageAll(s, g.name, query(c, { versions, limit, types }));
    for (const limit of [3, 29, 500]) {
      const last = await walk({ ...NO_VERSIONS, last: true }, limit);
      expect(last).toHaveLength(30 + fillers);
      expect(new Set(ids(last)).size).toBe(last.length);
      expect(last.filter((d) => d.meta.type === 'indicator').every((d) => d.meta.verRaw === at(9))).toBe(true);
      const first = await walk({ ...NO_VERSIONS, first: true }, limit, ['indicator']);
      expect(first.map((d) => d.meta.verRaw)).toEqual(Array(30).fill(at(1)));
      expect(new Set(first.map((d) => d.meta.id))).toEqual(new Set(idsOf));
      const both = await walk({ ...NO_VERSIONS, first: true, last: true }, limit, ['indicator']);
      expect(both).toHaveLength(60);
      if (limit === 29) expect(ids(await walk({ ...NO_VERSIONS, last: true }, limit, ['note', 'indicator']))).toEqual(ids(last));
      const exact = await walk({ ...NO_VERSIONS, exact: [versionKey(at(5))!] }, limit);
      expect(exact.map((d) => d.meta.verRaw)).toEqual(Array(30).fill(at(5)));
      expect([...exact].sort(byAddedKey)).toEqual(exact);
    }
  });

  it('never lets a page sequence skip an object while writes commit out of order', async () => {
    const g = await ownGroup('race');
    const c = await collection('horizon', g.name);
    const objects = g.objects;
    let writing = true;
    const writes = (async () => {
      const all: ObjectDoc[] = [];
      // Batches of different sizes in flight together commit in another order than they began.
      for (let round = 0; round < 6; round++) {
        const rs = await Promise.all([800, 1, 300, 5].map((n) => objects.add(drafts(c, n))));
        for (const r of rs) all.push(...r.docs);
      }
      writing = false;
      return all;
    })();
    const seen: ObjectDoc[] = [];
    let after: { added: string; key: string } | undefined;
    const read = async (limit = 50) => {
      const p = await objects.page(query(c, { after, limit }));
      seen.push(...p.docs);
      if (p.docs.length) after = cursorOf(p.docs[p.docs.length - 1]!);
      return p.more;
    };
    while (writing) {
      await read();
      await new Promise((r) => setImmediate(r));
    }
    const all = await writes;
    // Catching up: larger pages (FerretDB reads cost the size of the collection, not of the page).
    while (await read(1000));
    expect(seen.length).toBe(all.length);
    expect(new Set(ids(seen))).toEqual(new Set(ids(all)));
  });

  it('keeps pages before an add() still in flight, so paging on after it completes finds every object', async () => {
    const g = await ownGroup('in-flight');
    const c = await collection('horizon-one', g.name);
    const objects = g.objects;
    // A large add begins first; a small one begins later (so its date_added is later) and commits first.
    const big = objects.add(drafts(c, 3000));
    big.catch(() => {});
    const small = await objects.add(drafts(c, 2));
    const seen: ObjectDoc[] = [];
    let after: { added: string; key: string } | undefined;
    const read = async () => {
      for (;;) {
        const p = await objects.page(query(c, { after, limit: 500 }));
        seen.push(...p.docs);
        if (p.docs.length) after = cursorOf(p.docs[p.docs.length - 1]!);
        if (!p.more) return;
      }
    };
    await read();
    const bigDocs = (await big).docs;
    await read();
    const all = [...bigDocs, ...small.docs];
    expect(ids(seen)).toEqual(ids([...all].sort(byAddedKey)));
  });

  it('stops pages readSettleMs before now, and only pages', async () => {
    const c = await collection('settle');
    const objects = s.group(group).objects;
    const recent = await objects.add(drafts(c, 3));
    const early: ObjectDoc = { ...recent.docs[0]!, _id: `${recent.docs[0]!._id}~early`, meta: { ...recent.docs[0]!.meta, added: '2020-01-01T00:00:00.000000Z' } };
    expect(await objects.importDocs([early])).toBe(1);

    const slow = await openTestStorage(backend, prefix, 600_000);
    const quick = await openTestStorage(backend, prefix, 200);
    try {
      const far = slow.group(group).objects;
      expect(await far.page(query(c))).toEqual({ docs: [early], more: false });
      expect(await far.page(query(c, { limit: 1 }))).toEqual({ docs: [early], more: false });
      expect(await far.findVersions(c, recent.docs[1]!.meta.id, A)).toEqual([recent.docs[1]]);
      expect(await far.findLatest(c, [recent.docs[2]!.meta.id], A)).toEqual([recent.docs[2]]);
      expect(await far.count(c)).toBe(4);
      // A short settle: the recent objects appear once that much time has passed.
      const near = quick.group(group).objects;
      let page = await near.page(query(c));
      while (page.docs.length < 4) {
        await new Promise((r) => setTimeout(r, 50));
        page = await near.page(query(c));
      }
      expect(ids(page.docs)).toEqual(ids([early, ...recent.docs]));
    } finally {
      await slow.close();
      await quick.close();
    }
  });

  it('shows restricted objects only to their readers in pages, versions, latest and by type', async () => {
    const c = await collection('tlp');
    const objects = s.group(group).objects;
    const open = draft(c);
    const red = draft(c, { readers: ['cert-b', 'cert-c'], tlp: 'red' });
    const redIdentity = draft(c, { type: 'identity', readers: ['cert-a'], tlp: 'amber' });
    await objects.add([red, open, redIdentity]);
    const seen = async (viewer: { organisation: string }) => (await objects.page(query(c, { viewer }))).docs.map((d) => d.meta.id);
    expect(await seen(A)).toEqual([open.meta.id, redIdentity.meta.id]);
    expect(await seen(B)).toEqual([red.meta.id, open.meta.id]);
    expect(await seen({ organisation: 'cert-c' })).toEqual([red.meta.id, open.meta.id]);
    expect(await objects.findVersions(c, red.meta.id, A)).toEqual([]);
    expect(await objects.findVersions(c, red.meta.id, B)).toHaveLength(1);
    expect((await objects.findLatest(c, [red.meta.id, open.meta.id], A)).map((d) => d.meta.id)).toEqual([open.meta.id]);
    expect((await objects.findLatest(c, [red.meta.id, open.meta.id], B)).map((d) => d.meta.id).sort()).toEqual([red.meta.id, open.meta.id].sort());
    // A page of one hidden row is still a complete page for others.
    const p = await objects.page(query(c, { viewer: { organisation: 'cert-z' }, limit: 1 }));
    expect(p.docs.map((d) => d.meta.id)).toEqual([open.meta.id]);
    expect(p.more).toBe(false);
    // findByType returns unrestricted objects only, whoever asks (start-up loads).
    expect((await objects.findByType('identity')).some((d) => d.meta.id === redIdentity.meta.id)).toBe(false);
  });

  it('counts the versions added in a date_added range that the viewer may read', async () => {
    const c = await collection('activity');
    const objects = s.group(group).objects;
    const before = new Date().toISOString();
    const stored = await objects.add([draft(c), draft(c), draft(c, { readers: ['cert-b'], tlp: 'amber' })]);
    const added = stored.docs.map((d) => d.meta.added).sort();
    const range = { collections: [c], from: added[0]!, to: `${added[2]!}~` };
    expect(await objects.countAdded({ ...range, viewer: A })).toBe(2);
    expect(await objects.countAdded({ ...range, viewer: B })).toBe(3);
    expect(await objects.countAdded({ ...range, from: added[1]!, viewer: B })).toBe(2);
    expect(await objects.countAdded({ ...range, to: added[0]!, viewer: B })).toBe(0);
    expect(await objects.countAdded({ ...range, collections: [col2], viewer: B })).toBe(0);
    expect(await objects.countAdded({ collections: [], from: before, to: '9999', viewer: B })).toBe(0);
  });

  it('finds unrestricted objects of one type in every collection of the group', async () => {
    const g = s.group(group);
    const ident = draft(col, { type: 'x-contract-identity' });
    const ident2 = draft(col2, { type: 'x-contract-identity' });
    await g.objects.add([ident, ident2, draft(col2, { type: 'x-contract-identity', readers: ['cert-a'] }), draft(col2, { type: 'malware' })]);
    await s.group(other).objects.add([draft(col, { type: 'x-contract-identity' })]);
    const found = await g.objects.findByType('x-contract-identity');
    expect(found.map((d) => d.meta.id).sort()).toEqual([ident.meta.id, ident2.meta.id].sort());
    expect(await g.objects.findByType('no-such-type')).toEqual([]);
  });

  it('deletes by key, counts, scans in (date_added, key) order and imports documents as given', async () => {
    const g = await ownGroup('scan');
    const c = await collection('scan', g.name);
    await g.objects.add([draft(await collection('scan-other', g.name))]);
    const objects = g.objects;
    const r = await objects.add(drafts(c, 5, { keys: ['ipv4:198.18.0.1'], origin: { group: other, subject: 'bob', organisation: 'cert-b' } }));
    const scanned: ObjectDoc[] = [];
    let after: { added: string; key: string } | undefined;
    for (;;) {
      const batch = await objects.scan(after, 2);
      if (batch.length === 0) break;
      expect(batch.length).toBeLessThanOrEqual(2);
      scanned.push(...batch);
      after = cursorOf(batch[batch.length - 1]!);
    }
    expect(scanned.length).toBe(await objects.count());
    expect(scanned.slice(-5)).toStrictEqual(r.docs);
    expect([...scanned].sort(byAddedKey)).toEqual(scanned);

    const target = (await ownGroup('scan-copy')).objects;
    expect(await target.importDocs([...r.docs, r.docs[0]!])).toBe(5);
    expect(await target.importDocs(r.docs)).toBe(0);
    expect(await target.importDocs([])).toBe(0);
    expect(await target.scan(undefined, 100)).toStrictEqual(scanned.slice(-5));
    expect(await target.count(c)).toBe(5);

    expect(await objects.deleteByKeys([r.docs[0]!._id, r.docs[1]!._id, 'nope'])).toBe(2);
    expect(await objects.deleteByKeys([r.docs[0]!._id])).toBe(0);
    expect(await objects.count(c)).toBe(3);
    expect(await objects.deleteByKeys([])).toBe(0);
    expect(ids((await objects.page(query(c))).docs)).toEqual(ids(r.docs.slice(2)));
    expect(await target.count(c)).toBe(5);
  });

  it('reads the object graph by checkpoint, ids, links and keys, within the input collections', async () => {
    const g = s.group(group);
    const m = draft(col2, { type: 'malware' });
    const rel = draft(col2, { type: 'relationship', links: [m.meta.id, 'identity--grid'] });
    const ind = draft(col2, { keys: ['ipv4:203.0.113.9', 'domain:bad.example'] });
    const elsewhere = draft(col, { keys: ['ipv4:203.0.113.9'], links: [m.meta.id] });
    const start = (await g.objects.add([m])).docs[0]!;
    const added = (await g.objects.add([rel, ind, elsewhere])).docs;
    const reader = g.graph.reader([col2]);
    const fresh = await reader.newObjects(cursorOf(start), '9999', 10);
    expect(fresh.map((d) => d.meta.id)).toEqual([rel.meta.id, ind.meta.id]);
    expect(fresh).toEqual(added.slice(0, 2));
    expect((await reader.newObjects(cursorOf(start), added[1]!.meta.added, 10)).map((d) => d.meta.id)).toEqual([rel.meta.id]);
    expect((await reader.newObjects(cursorOf(start), '9999', 1)).map((d) => d.meta.id)).toEqual([rel.meta.id]);
    const everything = await reader.newObjects(undefined, '9999', 10_000);
    expect(everything.some((d) => d.meta.id === m.meta.id)).toBe(true);
    expect(everything.every((d) => d.col === col2)).toBe(true);
    expect([...everything].sort(byAddedKey)).toEqual(everything);
    expect((await reader.byIds([m.meta.id, ind.meta.id, 'x--none', m.meta.id])).map((d) => d.meta.id).sort()).toEqual([m.meta.id, ind.meta.id].sort());
    expect((await reader.linksTouching([m.meta.id, 'identity--grid'])).map((d) => d.meta.id)).toEqual([rel.meta.id]);
    expect((await reader.byKeys(['ipv4:203.0.113.9', 'domain:bad.example'], '2000')).map((d) => d.meta.id)).toEqual([ind.meta.id]);
    expect((await reader.byKeys(['domain:bad.example'], added[1]!.meta.added)).map((d) => d.meta.id)).toEqual([ind.meta.id]);
    expect(await reader.byKeys(['ipv4:203.0.113.9'], '9999')).toEqual([]);
    const both = g.graph.reader([col, col2]);
    expect((await both.byKeys(['ipv4:203.0.113.9'], '2000')).map((d) => d.meta.id).sort()).toEqual([ind.meta.id, elsewhere.meta.id].sort());
    expect((await both.linksTouching([m.meta.id])).map((d) => d.meta.id).sort()).toEqual([rel.meta.id, elsewhere.meta.id].sort());
    expect(await both.byIds([])).toEqual([]);
  });

  it('returns each object once from graph reads of many values, whatever the backend chunks them by', async () => {
    const g = await ownGroup('many');
    const c = await collection('graph-many', g.name);
    const many = Array.from({ length: 6001 }, (_, i) => `ipv4:10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    const endsMany = many.map((k) => `identity--${k.slice(5)}`);
    const wide = draft(c, { tlp: 'clear', keys: [many[0]!, many[1000]!, many[5000]!, many[6000]!], links: [endsMany[0]!, endsMany[6000]!] });
    const narrow = draft(c, { tlp: 'clear', keys: [many[2500]!] });
    await g.objects.add([wide, narrow]);
    const reader = g.graph.reader([c]);
    expect((await reader.byKeys(many, '2000')).map((d) => d.meta.id).sort()).toEqual([wide.meta.id, narrow.meta.id].sort());
    expect((await reader.linksTouching(endsMany)).map((d) => d.meta.id)).toEqual([wide.meta.id]);
    const idsMany = [...Array.from({ length: 6000 }, (_, i) => `indicator--none-${i}`), wide.meta.id];
    expect((await reader.byIds(idsMany)).map((d) => d.meta.id)).toEqual([wide.meta.id]);
    // One report per (stored object, matching key).
    const reports = await g.graph.shareableKeyReports(many, '2000', { excludeCollection: 'none', notFromGroup: other });
    expect(reports.map((r) => r.key).sort()).toEqual([many[0]!, many[1000]!, many[5000]!, many[6000]!, many[2500]!].sort());
  });

  it('reports shareable keys only from TLP:CLEAR, unrestricted objects outside the excluded collection and not from the asking group', async () => {
    const g = s.group(other);
    const cols = await g.collections.list();
    const oc = cols.find((c) => c.alias === 'indicators')!._id;
    const oalerts = cols.find((c) => c.alias === 'alerts')!._id;
    const key = `ipv4:192.0.2.${Math.floor(Math.random() * 200)}`;
    const since = (await g.objects.add([draft(oc, { tlp: 'clear', keys: ['other:key'] })])).docs[0]!.meta.added;
    await g.objects.add([
      draft(oc, { tlp: 'clear', keys: [key, 'domain:x.example'], org: 'cert-c' }),
      draft(oc, { tlp: 'green', keys: [key] }),
      draft(oc, { tlp: null, keys: [key] }),
      draft(oc, { tlp: 'clear', keys: [key], readers: ['cert-c'] }),
      draft(oalerts, { tlp: 'clear', keys: [key] }),
      draft(oc, { tlp: 'clear', keys: [key], origin: { group, subject: 'alice', organisation: 'cert-a' } }),
      draft(oc, { tlp: 'clear', keys: [key], origin: { group: 'gamma', subject: 'carol', organisation: 'cert-g' }, org: 'cert-g' }),
    ]);
    const reports = await g.graph.shareableKeyReports([key, 'domain:x.example', key], since, { excludeCollection: oalerts, notFromGroup: group });
    expect(reports.map((r) => `${r.key} ${r.organisation}`).sort()).toEqual([`domain:x.example cert-c`, `${key} cert-c`, `${key} cert-g`]);
    expect(reports.every((r) => r.added > since)).toBe(true);
    expect(emptyKeys(reports)).toEqual([]);
    // The excluded collection is excluded only when asked; `since` is inclusive.
    const withAlerts = await g.graph.shareableKeyReports([key], since, { excludeCollection: oc, notFromGroup: group });
    expect(withAlerts.map((r) => r.organisation)).toEqual(['cert-a']);
    const own = await g.graph.shareableKeyReports(['other:key'], since, { excludeCollection: oalerts, notFromGroup: group });
    expect(own.map((r) => r.added)).toEqual([since]);
    expect(await g.graph.shareableKeyReports([key], '9999', { excludeCollection: oalerts, notFromGroup: group })).toEqual([]);
    expect(await g.graph.shareableKeyReports([], since, { excludeCollection: oalerts, notFromGroup: group })).toEqual([]);
  });

  it('keeps status resources as given, with their expiry as a Date, and deletes expired ones', async () => {
    const st = s.group(group).status;
    const base = {
      col, sub: 'alice', org: 'cert-a', status: 'complete' as const, request_timestamp: '2026-01-01T00:00:00.000000Z',
      total_count: 2, success_count: 1, failure_count: 1, pending_count: 0,
      successes: [{ id: 'x--1', version: 'v' }], failures: [{ id: 'x--2', version: 'v', message: 'bad "quoted" 😀' }], pendings: [],
    };
    const now = new Date();
    const live: StatusDoc = { _id: crypto.randomUUID(), ...base, expires: new Date(now.getTime() + 3_600_000) };
    const dead: StatusDoc = { _id: crypto.randomUUID(), ...base, expires: new Date(now.getTime() - 1000) };
    const spelled: StatusDoc = { _id: crypto.randomUUID(), ...base, successes: [{ id: 'x--3', version: 'v', message: undefined }], expires: new Date(now.getTime() + 7_200_000) };
    await st.insert(live);
    await st.insert(dead);
    await st.insert(spelled);
    const got = await st.get(live._id);
    expect(got).toStrictEqual(live);
    expect(got!.expires).toBeInstanceOf(Date);
    expect(await st.get(spelled._id)).toStrictEqual({ ...spelled, successes: [{ id: 'x--3', version: 'v' }] });
    expect(await st.get('no-such')).toBeNull();
    expect(await st.deleteExpired(now)).toBe(1);
    expect(await st.get(dead._id)).toBeNull();
    expect(await st.deleteExpired(now)).toBe(0);
    // Strictly before: a status expiring at `now` is kept until then.
    expect(await st.deleteExpired(live.expires)).toBe(0);
    expect(await st.deleteExpired(new Date(live.expires.getTime() + 1))).toBe(1);
    expect(await st.get(spelled._id)).not.toBeNull();
    expect(await st.deleteExpired()).toBe(0);
  });

  it('appends audit entries, pages them in key order and imports entries once', async () => {
    const au = s.group(group).audit;
    await au.append([]);
    await au.append(Array.from({ length: 5 }, (_, i) => ({
      event: 'objects.added' as const, subject: 'alice', organisation: 'cert-a', details: { n: i, nested: { ok: true, list: ['a', 1] } },
      // A principal without a token id: absent, however the caller spells it.
      ...(i === 0 ? { tokenId: 'tok-1' } : i === 1 ? { tokenId: undefined } : {}),
    })));
    const p1 = await au.page(undefined, 3);
    expect(p1.more).toBe(true);
    expect(p1.entries.map((e) => e.details.n)).toEqual([0, 1, 2]);
    expect(p1.entries[0]!.tokenId).toBe('tok-1');
    expect('tokenId' in p1.entries[1]!).toBe(false);
    expect('tokenId' in p1.entries[2]!).toBe(false);
    expect(p1.entries[0]!.details).toEqual({ n: 0, nested: { ok: true, list: ['a', 1] } });
    expect(p1.entries[0]!._id.startsWith(p1.entries[0]!.at)).toBe(true);
    const p2 = await au.page(p1.entries[2]!._id, 3);
    expect(p2.more).toBe(false);
    expect(p2.entries.map((e) => e.details.n)).toEqual([3, 4]);
    expect(await au.page(p2.entries[1]!._id, 3)).toEqual({ entries: [], more: false });
    const entries = [...p1.entries, ...p2.entries];
    expect(emptyKeys(entries)).toEqual([]);
    const exact = await au.page(undefined, 5);
    expect(exact.more).toBe(false);

    // Into another group: as given, then again (a migration run twice) without duplicates.
    const target = s.group(other).audit;
    await target.importEntries(entries.slice(0, 2));
    await target.importEntries(entries);
    await target.importEntries(entries);
    await target.importEntries([]);
    expect((await target.page(undefined, 100)).entries).toStrictEqual(entries);
    await au.importEntries(entries);
    expect((await au.page(undefined, 100)).entries).toStrictEqual(entries);
  });

  it('records runs newest first, filtered by job, and keeps checkpoints', async () => {
    const g = s.group(group);
    const r1 = await g.runs.start('correlation', group, 'api', 'hub:1');
    // Runs sort by their start time (milliseconds): wait for the clock to move on.
    while (new Date().toISOString() <= r1.started) await new Promise((r) => setTimeout(r, 1));
    const r2 = await g.runs.start('status-cleanup', group, 'schedule');
    while (new Date().toISOString() <= r2.started) await new Promise((r) => setTimeout(r, 1));
    const r3 = await g.runs.start('correlation', group, 'cli', 'hub:2');
    expect(r1).toMatchObject({ job: 'correlation', group, trigger: 'api', holder: 'hub:1', outcome: 'running', counts: {} });
    const done = await g.runs.finish(r1, 'ok', { alerts: 2, read: 10 });
    expect(done).toMatchObject({ outcome: 'ok', counts: { alerts: 2, read: 10 }, holder: 'hub:1' });
    expect(typeof done.ended).toBe('string');
    const failed = await g.runs.finish(r3, 'failed', {}, 'it broke');
    expect(failed.error).toBe('it broke');
    expect(await g.runs.list({ limit: 10 })).toStrictEqual([failed, r2, done]);
    expect(await g.runs.list({ limit: 2 })).toStrictEqual([failed, r2]);
    expect(await g.runs.list({ job: 'correlation', limit: 10 })).toStrictEqual([failed, done]);
    expect(await g.runs.list({ job: 'correlation', limit: 1 })).toStrictEqual([failed]);
    expect(await g.runs.list({ job: 'no-such', limit: 10 })).toEqual([]);
    const [cleanup] = await g.runs.list({ job: 'status-cleanup', limit: 1 });
    expect('holder' in cleanup! || 'ended' in cleanup! || 'error' in cleanup!).toBe(false);
    expect(await s.group(other).runs.list({ limit: 10 })).toEqual([]);

    expect(await g.checkpoints.get('correlation')).toBeUndefined();
    await g.checkpoints.set('correlation', { added: 'a', key: 'k' });
    await g.checkpoints.set('correlation', { added: 'b', key: 'l' });
    await g.checkpoints.set('other-job', { added: 'c', key: 'm' });
    expect(await g.checkpoints.get('correlation')).toStrictEqual({ added: 'b', key: 'l' });
    expect(await s.group(other).checkpoints.get('correlation')).toBeUndefined();
    await g.checkpoints.clear('correlation');
    await g.checkpoints.clear('never-set');
    expect(await g.checkpoints.get('correlation')).toBeUndefined();
    expect(await g.checkpoints.get('other-job')).toStrictEqual({ added: 'c', key: 'm' });
  });

  it('lets one of two contenders take a lease, renews and releases only what it holds', async () => {
    const [x, y] = await Promise.all([s.leases.acquire('contract:one', 60_000, 'a'), s.leases.acquire('contract:one', 60_000, 'b')]);
    expect([x, y].filter(Boolean)).toHaveLength(1);
    const held = (x ?? y)!;
    expect(held.key).toBe('contract:one');
    expect(held.holder).toMatch(/^[ab]:/);
    expect(await s.leases.acquire('contract:one', 60_000, 'c')).toBeNull();
    const doc = await s.leases.get('contract:one');
    expect(doc).toMatchObject({ _id: 'contract:one', holder: held.holder });
    expect(doc!.expiresAt).toEqual(held.expiresAt);
    expect(doc!.acquiredAt).toBeInstanceOf(Date);
    const before = held.expiresAt.getTime();
    expect(await s.leases.renew(held, 120_000)).toBe(true);
    expect(held.expiresAt.getTime()).toBeGreaterThan(before);
    expect((await s.leases.get('contract:one'))!.expiresAt).toEqual(held.expiresAt);
    // Someone else's release or renew changes nothing.
    const stranger = { key: 'contract:one', holder: 'z:not-me', expiresAt: new Date() };
    expect(await s.leases.renew(stranger, 60_000)).toBe(false);
    await s.leases.release(stranger);
    expect((await s.leases.get('contract:one'))!.holder).toBe(held.holder);
    await s.leases.release(held);
    expect(await s.leases.get('contract:one')).toBeNull();
    expect(await s.leases.renew(held, 60_000)).toBe(false);
    const next = await s.leases.acquire('contract:one', 60_000, 'c');
    expect(next).not.toBeNull();
    await s.leases.release(next!);
  });

  it('takes over an expired lease exactly once, by the clock given to leasesAt', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const repo = s.leasesAt(() => now);
    const old = await repo.acquire('contract:expired', 1000, 'crashed');
    expect(old).not.toBeNull();
    expect(old!.expiresAt).toEqual(new Date(now.getTime() + 1000));
    expect(await repo.acquire('contract:expired', 1000, 'early')).toBeNull();
    now = new Date(now.getTime() + 999);
    expect(await repo.acquire('contract:expired', 1000, 'still-early')).toBeNull();
    now = new Date(now.getTime() + 4001);
    const contenders = await Promise.all(['p', 'q', 'r'].map((who) => repo.acquire('contract:expired', 1000, who)));
    expect(contenders.filter(Boolean)).toHaveLength(1);
    const winner = contenders.find(Boolean)!;
    expect(await repo.renew(old!, 1000)).toBe(false);
    await repo.release(old!);
    const doc = await repo.get('contract:expired');
    expect(doc!.holder).toBe(winner.holder);
    expect(doc!.acquiredAt).toEqual(now);
    expect(doc!.expiresAt).toEqual(new Date(now.getTime() + 1000));
    // Leases live in the hub's own store: every handle sees the same ones.
    expect((await s.leases.get('contract:expired'))!.holder).toBe(winner.holder);
    // Expired again, after the winner crashed too: another takeover.
    now = new Date(now.getTime() + 10_000);
    const third = await repo.acquire('contract:expired', 1000, 'third');
    expect(third).not.toBeNull();
    expect(await repo.renew(winner, 1000)).toBe(false);
    await repo.release(third!);
  });

  it('counts requests per key and window, one number each, shared by two storages on one database', async () => {
    const other = await openTestStorage(backend, prefix);
    let third: Storage | undefined;
    try {
      const win = 29_000_000;
      // 40 concurrent hits from two instances: the numbers 1..40, each once.
      const counts = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? other : s).rateLimits.hit('token-a', win)));
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(await s.rateLimits.hit('token-b', win)).toBe(1);
      expect(await other.rateLimits.hit('token-a', win + 1)).toBe(1);
      expect(await s.rateLimits.hit('token-a', win)).toBe(41);
      // Pruning drops the windows before the one named from the database (a third instance, with
      // nothing remembered, starts the pruned window again) and keeps the current one.
      await other.rateLimits.prune(win + 1);
      expect(await s.rateLimits.hit('token-a', win + 1)).toBe(2);
      third = await openTestStorage(backend, prefix);
      expect(await third.rateLimits.hit('token-a', win)).toBe(1);
      expect(await third.rateLimits.hit('token-a', win + 1)).toBe(3);
    } finally {
      await other.close();
      await third?.close();
    }
  });

  it('keeps webhooks with shallow updates and their delivery log newest first, removed with the webhook', async () => {
    const w = s.group(group).webhooks;
    const doc: WebhookDoc = {
      _id: crypto.randomUUID(), name: 'hook', collection: col, url: 'https://example.org/hook', secret: 'a-secret-of-some-length', filters: { max_tlp: 'green' },
      alerts: false, batchSize: 10, state: 'active', created: '2026-01-01T00:00:00.000Z', createdBy: 'admin', organisation: 'cert-a',
      cursor: { added: '', key: '' }, health: { consecutiveFailures: 0, delivered: 0 },
    };
    await w.insert(doc);
    expect(await w.get(doc._id)).toEqual(doc);
    expect(await w.update(doc._id, { state: 'paused', pausedBy: 'failures', cursor: { added: '2026-01-02T00:00:00.000000Z', key: 'k' }, health: { consecutiveFailures: 3, delivered: 5, lastStatus: 500 } })).toBe(true);
    expect(await w.update('absent', { state: 'active' })).toBe(false);
    expect(await w.get(doc._id)).toEqual({ ...doc, state: 'paused', pausedBy: 'failures', cursor: { added: '2026-01-02T00:00:00.000000Z', key: 'k' }, health: { consecutiveFailures: 3, delivered: 5, lastStatus: 500 } });
    expect((await w.list()).map((x) => x._id)).toContain(doc._id);
    const entry = (at: string, n: number): DeliveryDoc => ({ _id: `${doc._id}:${n}`, webhook: doc._id, delivery: 'd', at, attempt: n, kind: 'objects', count: 1, first: at, last: at, outcome: 'failed', status: 500, ms: 3 });
    for (const [i, at] of ['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:03.000Z', '2026-01-01T00:00:02.000Z'].entries()) await w.logDelivery(entry(at, i + 1));
    expect((await w.deliveries(doc._id, 2)).map((d) => d.attempt)).toEqual([2, 3]);
    expect(await w.deliveries(doc._id, 10)).toContainEqual(entry('2026-01-01T00:00:01.000Z', 1));
    expect(await w.remove(doc._id)).toBe(true);
    expect(await w.remove(doc._id)).toBe(false);
    expect(await w.get(doc._id)).toBeNull();
    expect(await w.deliveries(doc._id, 10)).toEqual([]);
  });

  it('records deletions with fresh date_added values, paged in order after a cursor, restricted ones only for their readers', async () => {
    const g = s.group(group);
    const dcol = await collection('deletions');
    const rec = (id: string, readers: string[] = []) => ({ objectKey: `${dcol}|${id}|v`, col: dcol, id, type: 'indicator', version: '2026-01-01T00:00:00.000Z', org: 'cert-a', tlp: readers.length ? ('amber' as const) : ('green' as const), readers, restricted: readers.length > 0 });
    const [stored] = (await g.objects.add([draft(dcol)])).docs;
    const recorded = await g.deletions.record([rec('indicator--1'), rec('indicator--2', ['cert-a'])]);
    const later = await g.deletions.record([rec('indicator--1')]);
    expect(recorded[0]!.added > stored!.meta.added).toBe(true);
    expect(recorded[1]!.added > recorded[0]!.added && later[0]!.added > recorded[1]!.added).toBe(true);
    expect(later[0]!._id).not.toBe(recorded[0]!._id); // the same version deleted again is a record of its own
    const all = await g.deletions.page({ collection: dcol, viewer: A, limit: 10 });
    expect(all).toEqual([...recorded, ...later]);
    expect((await g.deletions.page({ collection: dcol, viewer: B, limit: 10 })).map((d) => d.id)).toEqual(['indicator--1', 'indicator--1']);
    expect(await g.deletions.page({ collection: dcol, viewer: A, after: { added: recorded[0]!.added, key: recorded[0]!._id }, limit: 1 })).toEqual([recorded[1]]);
    expect(await g.deletions.page({ collection: dcol, viewer: A, addedAfter: recorded[1]!.added, limit: 10 })).toEqual(later);
    expect(await g.deletions.page({ collection: col, viewer: A, limit: 10 })).toEqual([]);
  });

  it('removes every database of its prefix with dropAll and stays usable', async () => {
    await s.dropAll();
    expect(await s.registry.list()).toEqual([]);
    expect(await s.group(group).objects.count()).toBe(0);
    await s.registry.ensure(group);
    await s.group(group).ensure();
    expect((await s.group(group).collections.list()).map((c) => c.alias)).toEqual(['alerts', 'frameworks', 'incidents', 'indicators', 'released-in']);
    expect(await s.group(group).objects.count()).toBe(0);
    expect((await s.group(group).objects.add([draft(col)])).docs).toHaveLength(1);
  });
});

describe('documents across backends', () => {
  const stores = new Map<Backend, Storage>();
  const group = 'alpha';

  beforeAll(async () => {
    const prefix = newPrefix();
    for (const b of BACKENDS) {
      const st = await openTestStorage(b, prefix);
      stores.set(b, st);
      await st.group(group).ensure();
    }
  });
  afterAll(async () => {
    for (const st of stores.values()) {
      await st.dropAll();
      await st.close();
    }
  });

  it('stores, returns and copies the same documents on every backend', async () => {
    const col = 'shared-collection';
    const id = 'indicator--1f1e0f7c-0000-4000-8000-000000000001';
    const raw = `{"type":"indicator","id":"${id}","name":"\\u00e9 é \\ud83d\\ude00 😀","pattern":"[ipv4-addr:value = '198.51.100.7']","n":1.50,"z":{"b":1,"a":2}}`;
    const made = [
      draft(col, { id, raw }),
      draft(col, { keys: ['ipv4:198.51.100.7'], links: ['malware--1'], origin: { group: 'beta', subject: 'bob', organisation: 'cert-b' }, tlp: null, readers: ['cert-a'] }),
      draft(col, { type: 'relationship', links: [], keys: [] }),
    ];
    const stored = new Map<Backend, ObjectDoc[]>();
    for (const [b, st] of stores) {
      await st.group(group).objects.add(made);
      const docs = await st.group(group).objects.scan(undefined, 100);
      expect(docs.map((d) => emptyKeys(d, NULLABLE))).toEqual([[], [], []]);
      expect(docs[0]!.raw).toBe(raw);
      stored.set(b, docs);
    }
    // Apart from date_added, the documents are the same.
    const shape = (docs: ObjectDoc[]) => docs.map((d) => ({ ...d, meta: { ...d.meta, added: '' } }));
    const [first, second] = BACKENDS as [Backend, Backend];
    expect(shape(stored.get(first)!)).toStrictEqual(shape(stored.get(second)!));

    // A migration copies each backend's documents into the other exactly.
    for (const [from, to] of [[first, second], [second, first]] as const) {
      const target = stores.get(to)!.group(`copy-from-${from}`).objects;
      expect(await target.importDocs(stored.get(from)!)).toBe(3);
      expect(await target.scan(undefined, 100)).toStrictEqual(stored.get(from));
      expect(await target.findVersions(col, made[1]!.meta.id, A)).toStrictEqual([stored.get(from)![1]]);
    }
  });
});
