/**
 * The storage contract (server/storage/contract.ts) on PostgreSQL, on a throwaway server of this
 * file's own. The assertions use only the contract's methods, so `describeContract` can run over
 * every backend; the PostgreSQL-only checks are in their own describe at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Unavailable } from '../../server/errors';
import { versionKey } from '../../server/storage/clock';
import type { Storage } from '../../server/storage/contract';
import { draftKey, type ObjectDoc, type ObjectDraft, type ObjectQuery } from '../../server/storage/objects';
import { PostgresStorage } from '../../server/storage/postgres/database';
import { GROUP_MIGRATIONS, migrate } from '../../server/storage/postgres/migrations';

interface Server {
  url: string;
  stop(): Promise<void>;
}

const EMBEDDED = path.resolve(__dirname, '..', '..', 'server', 'storage', 'postgres', 'embedded.ts');

/** The hub's embedded PostgreSQL when that module is there, else a minimal initdb + postgres. */
async function startPostgres(dataDir: string): Promise<Server> {
  if (fs.existsSync(EMBEDDED)) {
    const mod = (await import(EMBEDDED)) as { startEmbeddedPostgres?: (o: { dataDir: string }) => Promise<Server> };
    if (typeof mod.startEmbeddedPostgres === 'function') return mod.startEmbeddedPostgres({ dataDir });
  }
  return startLocalPostgres(dataDir);
}

async function startLocalPostgres(dataDir: string): Promise<Server> {
  // initdb and postgres refuse to run as root: run them as the postgres account then.
  const account = process.getuid?.() === 0 ? { uid: Number(run('id', ['-u', 'postgres'])), gid: Number(run('id', ['-g', 'postgres'])) } : undefined;
  const who = account ?? {};
  const cluster = path.join(dataDir, 'cluster');
  const socket = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-sock-'));
  for (const d of [dataDir, socket]) {
    fs.chmodSync(d, 0o755);
    if (account) fs.chownSync(d, account.uid, account.gid);
  }
  run('initdb', ['-D', cluster, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], who);
  const child: ChildProcess = spawn('postgres', ['-D', cluster, '-k', socket, '-c', 'listen_addresses=', '-c', 'fsync=off'], { stdio: 'ignore', ...who });
  const url = `postgresql://postgres@${encodeURIComponent(socket)}/postgres`;
  for (let i = 0; !fs.existsSync(path.join(socket, '.s.PGSQL.5432')); i++) {
    if (i > 300 || child.exitCode !== null) throw new Error('postgres did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 200));
  return {
    url,
    stop: async () => {
      child.kill('SIGINT');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      fs.rmSync(socket, { recursive: true, force: true });
    },
  };
}

function run(cmd: string, args: string[], who: { uid?: number; gid?: number } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...who });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return r.stdout.trim();
}

// ---- drafts ---------------------------------------------------------------------------------

let serial = 0;

interface DraftOpts {
  type?: string;
  id?: string;
  modified?: string;
  org?: string;
  readers?: string[];
  tlp?: 'clear' | 'green' | 'amber' | 'red' | null;
  sv?: string;
  keys?: string[];
  links?: string[];
  origin?: { group: string; subject: string; organisation: string };
  raw?: string;
}

function draft(col: string, o: DraftOpts = {}): ObjectDraft {
  const type = o.type ?? 'indicator';
  const id = o.id ?? `${type}--${crypto.randomUUID()}`;
  const modified = o.modified ?? '2026-01-01T00:00:00.000Z';
  const ver = versionKey(modified)!;
  const raw = o.raw ?? JSON.stringify({ type, spec_version: o.sv ?? '2.1', id, created: modified, modified, name: `object ${serial++}` });
  return {
    col,
    raw,
    versionPart: ver,
    meta: {
      id,
      type,
      sv: o.sv ?? '2.1',
      ver,
      verRaw: modified,
      sub: 'alice',
      org: o.org ?? 'cert-a',
      tlp: o.tlp === undefined ? 'green' : o.tlp,
      readers: o.readers ?? [],
      restricted: (o.readers ?? []).length > 0,
      ...(o.origin ? { origin: o.origin } : {}),
      ...(o.keys ? { keys: o.keys } : {}),
      ...(o.links ? { links: o.links } : {}),
    },
  };
}

const A = { organisation: 'cert-a' };
const B = { organisation: 'cert-b' };
const ALL = { all: true } as const;

function query(collection: string, extra: Partial<ObjectQuery> = {}): ObjectQuery {
  return { collection, viewer: A, versions: ALL, limit: 100, ...extra };
}

async function pageAll(s: Storage, group: string, q: ObjectQuery): Promise<ObjectDoc[]> {
  const out: ObjectDoc[] = [];
  let after = q.after;
  for (let i = 0; i < 1000; i++) {
    const p = await s.group(group).objects.page({ ...q, after });
    out.push(...p.docs);
    if (!p.more) return out;
    const last = p.docs[p.docs.length - 1]!;
    after = { added: last.meta.added, key: last._id };
  }
  throw new Error('too many pages');
}

// ---- the contract -----------------------------------------------------------------------------

export function describeContract(backend: string, open: () => Promise<Storage>): void {
  describe(`storage contract on ${backend}`, () => {
    let s: Storage;
    const group = 'alpha';
    const other = 'beta';
    let col: string;
    let col2: string;

    beforeAll(async () => {
      s = await open();
      for (const g of [group, other]) {
        await s.registry.ensure(g);
        await s.group(g).ensure();
      }
      const cols = await s.group(group).collections.list();
      col = cols.find((c) => c.alias === 'indicators')!._id;
      col2 = cols.find((c) => c.alias === 'incidents')!._id;
    });
    afterAll(async () => {
      await s.dropAll();
      await s.close();
    });

    it('returns one handle per group, and ensure is idempotent', async () => {
      expect(s.group(group)).toBe(s.group(group));
      await s.group(group).ensure();
      await s.registry.ensure(group, 'another title');
      const groups = await s.registry.list();
      expect(groups.map((g) => g._id)).toEqual([group, other]);
      expect(groups[0]!.title).toBe(`Puente: ${group}`);
      await s.ping();
    });

    it('lists collections by alias and keeps the first writer of ensure', async () => {
      const c = s.group(group).collections;
      const list = await c.list();
      expect(list.map((x) => x.alias)).toEqual([...list.map((x) => x.alias)].sort());
      const again = await c.ensure(group, { alias: 'indicators', title: 'Other title', writable: false, releaseTo: [] });
      expect(again).toEqual(await c.get(col));
      expect(again.title).toBe('Indicators');
      expect(await c.setReleaseTo(col2, [other])).toBe(true);
      expect((await c.get(col2))!.releaseTo).toEqual([other]);
      expect(await c.setReleaseTo('no-such', [other])).toBe(false);
      expect(await c.get('no-such')).toBeNull();
      await c.setReleaseTo(col2, []);
    });

    it('stores drafts once per key, gives increasing date_added and keeps raw byte-identical', async () => {
      const raw = '{"type":"indicator","spec_version":"2.1","id":"indicator--0b9c7c0e-5f8a-4c60-9d7c-1a2b3c4d5e6f",  "n": 1.0, "name":"Ünïcödé \\"quoted\\" \\\\ 😀\\u0000","x_custom":{"a":[1,2]}}';
      const d1 = draft(col, { id: 'indicator--0b9c7c0e-5f8a-4c60-9d7c-1a2b3c4d5e6f', raw });
      const d2 = draft(col, { keys: ['ipv4:198.51.100.7'], links: ['x--1', 'y--2'], origin: { group: other, subject: 'bob', organisation: 'cert-b' } });
      const r = await s.group(group).objects.add([d1, d2, { ...d1 }]);
      expect(r.docs.map((d) => d._id)).toEqual([draftKey(d1), draftKey(d2)]);
      expect(r.existing.size).toBe(0);
      expect(r.docs[0]!.meta.added < r.docs[1]!.meta.added).toBe(true);
      expect(r.docs[0]!.meta.added).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

      const again = await s.group(group).objects.add([d1, draft(col)]);
      expect([...again.existing]).toEqual([draftKey(d1)]);

      const stored = await s.group(group).objects.findVersions(col, d1.meta.id, A);
      expect(stored).toHaveLength(1);
      expect(stored[0]!.raw).toBe(raw);
      // The stored document is the one add() returned, with no extra keys.
      expect(stored[0]).toEqual(r.docs[0]);
      expect(Object.keys(stored[0]!.meta)).not.toContain('origin');
      const withMeta = await s.group(group).objects.findVersions(col, d2.meta.id, A);
      expect(withMeta).toEqual([r.docs[1]]);
    });

    it('pages in (date_added, key) order with a keyset cursor and a correct more flag', async () => {
      const c = (await s.group(group).collections.ensure(group, { alias: 'paging', title: 'Paging', writable: true, releaseTo: [] }))._id;
      const first = await s.group(group).objects.add(Array.from({ length: 12 }, () => draft(c)));
      const second = await s.group(group).objects.add(Array.from({ length: 13 }, () => draft(c)));
      const all = [...first.docs, ...second.docs];
      const p1 = await s.group(group).objects.page(query(c, { limit: 10 }));
      expect(p1.docs.map((d) => d._id)).toEqual(all.slice(0, 10).map((d) => d._id));
      expect(p1.more).toBe(true);
      const got = await pageAll(s, group, query(c, { limit: 10 }));
      expect(got.map((d) => d._id)).toEqual(all.map((d) => d._id));
      const exact = await s.group(group).objects.page(query(c, { limit: 25 }));
      expect(exact.more).toBe(false);
      expect(exact.docs).toHaveLength(25);
      // TAXII 2.1 §3.4: added_after is strictly after.
      const after = await s.group(group).objects.page(query(c, { addedAfter: all[19]!.meta.added }));
      expect(after.docs.map((d) => d._id)).toEqual(all.slice(20).map((d) => d._id));
      // A cursor older than added_after: added_after wins; a newer one: the cursor wins.
      const both = await s.group(group).objects.page(query(c, { addedAfter: all[19]!.meta.added, after: { added: all[2]!.meta.added, key: all[2]!._id } }));
      expect(both.docs).toHaveLength(5);
      const both2 = await s.group(group).objects.page(query(c, { addedAfter: all[2]!.meta.added, after: { added: all[22]!.meta.added, key: all[22]!._id } }));
      expect(both2.docs.map((d) => d._id)).toEqual(all.slice(23).map((d) => d._id));
      expect(await s.group(group).objects.count(c)).toBe(25);
    });

    it('filters pages by id, type and spec_version', async () => {
      const c = (await s.group(group).collections.ensure(group, { alias: 'filters', title: 'Filters', writable: true, releaseTo: [] }))._id;
      const m = draft(c, { type: 'malware' });
      const i = draft(c);
      const old = draft(c, { type: 'malware', sv: '2.0' });
      await s.group(group).objects.add([m, i, old, draft(c, { type: 'tool' })]);
      const types = async (q: Partial<ObjectQuery>) => (await s.group(group).objects.page(query(c, q))).docs.map((d) => d.meta.id);
      expect(await types({ types: ['malware'] })).toEqual([m.meta.id, old.meta.id]);
      expect(await types({ types: ['malware', 'indicator'] })).toEqual([m.meta.id, i.meta.id, old.meta.id]);
      expect(await types({ types: ['indicator', 'malware', 'malware'] })).toEqual([m.meta.id, i.meta.id, old.meta.id]);
      expect((await pageAll(s, group, query(c, { types: ['malware', 'indicator'], limit: 1 }))).map((d) => d.meta.id)).toEqual([m.meta.id, i.meta.id, old.meta.id]);
      expect(await types({ types: ['malware'], specVersions: ['2.0'] })).toEqual([old.meta.id]);
      expect(await types({ ids: [i.meta.id, old.meta.id] })).toEqual([i.meta.id, old.meta.id]);
      expect(await types({ ids: [m.meta.id] })).toEqual([m.meta.id]);
      expect(await types({ ids: ['malware--none'] })).toEqual([]);
    });

    it('never lets a page sequence skip an object while writes commit out of order', async () => {
      const c = (await s.group(group).collections.ensure(group, { alias: 'horizon', title: 'Horizon', writable: true, releaseTo: [] }))._id;
      const objects = s.group(group).objects;
      let writing = true;
      const writes = (async () => {
        const all: ObjectDoc[] = [];
        // Batches of different sizes in flight together commit in another order than they began.
        for (let round = 0; round < 6; round++) {
          const rs = await Promise.all([800, 1, 300, 5].map((n) => objects.add(Array.from({ length: n }, () => draft(c)))));
          for (const r of rs) all.push(...r.docs);
        }
        writing = false;
        return all;
      })();
      const seen: ObjectDoc[] = [];
      let after: { added: string; key: string } | undefined;
      const read = async () => {
        const p = await objects.page(query(c, { after, limit: 50 }));
        seen.push(...p.docs);
        if (p.docs.length) after = { added: p.docs[p.docs.length - 1]!.meta.added, key: p.docs[p.docs.length - 1]!._id };
        return p.more;
      };
      while (writing) {
        await read();
        await new Promise((r) => setImmediate(r));
      }
      const all = await writes;
      while (await read());
      expect(seen.length).toBe(all.length);
      expect(new Set(seen.map((d) => d._id))).toEqual(new Set(all.map((d) => d._id)));
    });

    it('shows restricted objects only to their readers', async () => {
      const c = (await s.group(group).collections.ensure(group, { alias: 'tlp', title: 'TLP', writable: true, releaseTo: [] }))._id;
      const open = draft(c);
      const red = draft(c, { readers: ['cert-b'], tlp: 'red' });
      await s.group(group).objects.add([red, open]);
      const ids = async (viewer: { organisation: string }) => (await s.group(group).objects.page(query(c, { viewer }))).docs.map((d) => d.meta.id);
      expect(await ids(A)).toEqual([open.meta.id]);
      expect(await ids(B)).toEqual([red.meta.id, open.meta.id]);
      expect(await s.group(group).objects.findVersions(c, red.meta.id, A)).toEqual([]);
      expect(await s.group(group).objects.findVersions(c, red.meta.id, B)).toHaveLength(1);
      expect(await s.group(group).objects.findLatest(c, [red.meta.id, open.meta.id], A)).toHaveLength(1);
      // A page of one restricted row is still a complete, empty page for others.
      const p = await s.group(group).objects.page(query(c, { viewer: { organisation: 'cert-z' }, limit: 1 }));
      expect(p.docs.map((d) => d.meta.id)).toEqual([open.meta.id]);
      expect(p.more).toBe(false);
    });

    it('resolves match[version] first, last and exact against the visible versions of each id', async () => {
      const c = (await s.group(group).collections.ensure(group, { alias: 'versions', title: 'Versions', writable: true, releaseTo: [] }))._id;
      const id = `indicator--${crypto.randomUUID()}`;
      const v = (modified: string, readers?: string[]) => draft(c, { id, modified, readers });
      // Added out of version order; the newest version is readable by cert-b only.
      await s.group(group).objects.add([v('2026-01-02T00:00:00.000Z'), v('2026-01-01T00:00:00.000Z')]);
      await s.group(group).objects.add([v('2026-01-03T00:00:00.5Z'), v('2026-01-04T00:00:00.000Z', ['cert-b'])]);
      // Another id, so that batches hold more than one.
      const lone = draft(c);
      await s.group(group).objects.add([lone]);
      const vers = async (versions: ObjectQuery['versions'], viewer = A, limit = 100) =>
        (await s.group(group).objects.page(query(c, { versions, viewer, limit }))).docs.filter((d) => d.meta.id === id).map((d) => d.meta.verRaw);
      const none = { all: false as const, first: false, last: false, exact: [] as string[] };
      expect(await vers({ ...none, last: true })).toEqual(['2026-01-03T00:00:00.5Z']);
      expect(await vers({ ...none, last: true }, B)).toEqual(['2026-01-04T00:00:00.000Z']);
      expect(await vers({ ...none, first: true })).toEqual(['2026-01-01T00:00:00.000Z']);
      expect(await vers({ ...none, first: true, last: true })).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-03T00:00:00.5Z']);
      expect(await vers({ ...none, exact: [versionKey('2026-01-02T00:00:00.000Z')!] })).toEqual(['2026-01-02T00:00:00.000Z']);
      expect(await vers(ALL)).toHaveLength(3);
      expect(await vers(ALL, B)).toHaveLength(4);
      // limit 1 with last: the one kept row, and more says whether another kept row follows.
      const p = await s.group(group).objects.page(query(c, { versions: { ...none, last: true }, limit: 1 }));
      expect(p.docs.map((d) => d.meta.verRaw)).toEqual(['2026-01-03T00:00:00.5Z']);
      expect(p.more).toBe(true);
      const latest = await s.group(group).objects.findLatest(c, [id, lone.meta.id], A);
      expect(latest.map((d) => d.meta.verRaw).sort()).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-03T00:00:00.5Z']);
      expect(await s.group(group).objects.findVersions(c, id, B)).toHaveLength(4);
    });

    it('deletes by key, counts, scans in (date_added, key) order and imports as given', async () => {
      const c = (await s.group(group).collections.ensure(group, { alias: 'scan', title: 'Scan', writable: true, releaseTo: [] }))._id;
      const r = await s.group(group).objects.add(Array.from({ length: 5 }, () => draft(c)));
      const scanned: ObjectDoc[] = [];
      let after: { added: string; key: string } | undefined;
      for (;;) {
        const batch = await s.group(group).objects.scan(after, 7);
        if (batch.length === 0) break;
        scanned.push(...batch);
        after = { added: batch[batch.length - 1]!.meta.added, key: batch[batch.length - 1]!._id };
      }
      expect(scanned.length).toBe(await s.group(group).objects.count());
      expect(scanned.slice(-5)).toEqual(r.docs);
      const sorted = [...scanned].sort((x, y) => (x.meta.added < y.meta.added ? -1 : x.meta.added > y.meta.added ? 1 : x._id < y._id ? -1 : 1));
      expect(scanned.map((d) => d._id)).toEqual(sorted.map((d) => d._id));

      expect(await s.group(other).objects.importDocs([...r.docs, r.docs[0]!])).toBe(5);
      expect(await s.group(other).objects.importDocs(r.docs)).toBe(0);
      expect(await s.group(other).objects.scan(undefined, 100)).toEqual(r.docs);
      expect(await s.group(group).objects.deleteByKeys([r.docs[0]!._id, r.docs[1]!._id, 'nope'])).toBe(2);
      expect(await s.group(group).objects.count(c)).toBe(3);
      expect(await s.group(group).objects.deleteByKeys([])).toBe(0);
    });

    it('finds unrestricted objects of one type in the collections of the group', async () => {
      const ident = draft(col, { type: 'identity' });
      await s.group(group).objects.add([ident, draft(col2, { type: 'identity', readers: ['cert-a'] }), draft(col2, { type: 'malware' })]);
      const found = await s.group(group).objects.findByType('identity');
      expect(found.map((d) => d.meta.id)).toEqual([ident.meta.id]);
    });

    it('reads the object graph by checkpoint, ids, links and keys, within the input collections', async () => {
      const g = s.group(group);
      const m = draft(col2, { type: 'malware' });
      const rel = draft(col2, { type: 'relationship', links: [m.meta.id, 'identity--grid'] });
      const ind = draft(col2, { keys: ['ipv4:203.0.113.9', 'domain:bad.example'] });
      const elsewhere = draft(col, { keys: ['ipv4:203.0.113.9'], links: [m.meta.id] });
      const start = (await g.objects.add([m]))!.docs[0]!;
      const added = (await g.objects.add([rel, ind, elsewhere])).docs;
      const reader = g.graph.reader([col2]);
      const fresh = await reader.newObjects({ added: start.meta.added, key: start._id }, '9999', 10);
      expect(fresh.map((d) => d.meta.id)).toEqual([rel.meta.id, ind.meta.id]);
      expect((await reader.newObjects({ added: start.meta.added, key: start._id }, added[1]!.meta.added, 10)).map((d) => d.meta.id)).toEqual([rel.meta.id]);
      expect((await reader.newObjects(undefined, '9999', 1000)).some((d) => d.meta.id === m.meta.id)).toBe(true);
      expect((await reader.byIds([m.meta.id, ind.meta.id, 'x--none'])).map((d) => d.meta.id).sort()).toEqual([m.meta.id, ind.meta.id].sort());
      expect((await reader.linksTouching([m.meta.id, 'identity--grid'])).map((d) => d.meta.id)).toEqual([rel.meta.id]);
      expect((await reader.byKeys(['ipv4:203.0.113.9', 'domain:bad.example'], '2000')).map((d) => d.meta.id)).toEqual([ind.meta.id]);
      expect(await reader.byKeys(['ipv4:203.0.113.9'], '9999')).toEqual([]);
      expect((await g.graph.reader([col, col2]).byKeys(['ipv4:203.0.113.9'], '2000')).map((d) => d.meta.id).sort()).toEqual([ind.meta.id, elsewhere.meta.id].sort());
    });

    it('reports shareable keys only from TLP:CLEAR, unrestricted objects outside alerts and not from the asking group', async () => {
      const g = s.group(other);
      const oc = (await g.collections.list()).find((c) => c.alias === 'indicators')!._id;
      const oalerts = (await g.collections.list()).find((c) => c.alias === 'alerts')!._id;
      const key = `ipv4:192.0.2.${Math.floor(Math.random() * 200)}`;
      const since = (await g.objects.add([draft(oc, { tlp: 'clear', keys: ['other:key'] })])).docs[0]!.meta.added;
      await g.objects.add([
        draft(oc, { tlp: 'clear', keys: [key, 'domain:x.example'], org: 'cert-c' }),
        draft(oc, { tlp: 'green', keys: [key] }),
        draft(oc, { tlp: 'clear', keys: [key], readers: ['cert-c'] }),
        draft(oalerts, { tlp: 'clear', keys: [key] }),
        draft(oc, { tlp: 'clear', keys: [key], origin: { group, subject: 'alice', organisation: 'cert-a' } }),
        draft(oc, { tlp: 'clear', keys: [key], origin: { group: 'gamma', subject: 'carol', organisation: 'cert-g' }, org: 'cert-g' }),
      ]);
      const reports = await g.graph.shareableKeyReports([key, 'domain:x.example', key], since, { excludeCollection: oalerts, notFromGroup: group });
      expect(reports.map((r) => `${r.key} ${r.organisation}`).sort()).toEqual([`domain:x.example cert-c`, `${key} cert-c`, `${key} cert-g`]);
      expect(reports.every((r) => r.added > since)).toBe(true);
      expect(await g.graph.shareableKeyReports([key], '9999', { excludeCollection: oalerts, notFromGroup: group })).toEqual([]);
    });

    it('keeps status resources with their expiry as a Date and deletes expired ones', async () => {
      const st = s.group(group).status;
      const base = { col, sub: 'alice', org: 'cert-a', status: 'complete' as const, request_timestamp: '2026-01-01T00:00:00.000000Z', total_count: 1, success_count: 1, failure_count: 0, pending_count: 0, successes: [{ id: 'x--1', version: 'v', message: 'ok' }], failures: [], pendings: [] };
      const live = { _id: crypto.randomUUID(), ...base, expires: new Date(Date.now() + 3_600_000) };
      const dead = { _id: crypto.randomUUID(), ...base, expires: new Date(Date.now() - 1000) };
      await st.insert(live);
      await st.insert(dead);
      const got = await st.get(live._id);
      expect(got).toEqual(live);
      expect(got!.expires).toBeInstanceOf(Date);
      expect(await st.deleteExpired()).toBe(1);
      expect(await st.get(dead._id)).toBeNull();
    });

    it('appends audit entries and pages them in key order', async () => {
      const au = s.group(group).audit;
      await au.append([]);
      await au.append(Array.from({ length: 5 }, (_, i) => ({ event: 'objects.added' as const, subject: 'alice', organisation: 'cert-a', details: { n: i, nested: { ok: true } }, ...(i === 0 ? { tokenId: 'tok-1' } : {}) })));
      const p1 = await au.page(undefined, 3);
      expect(p1.more).toBe(true);
      expect(p1.entries.map((e) => e.details.n)).toEqual([0, 1, 2]);
      expect(p1.entries[0]!.tokenId).toBe('tok-1');
      expect('tokenId' in p1.entries[1]!).toBe(false);
      const p2 = await au.page(p1.entries[2]!._id, 3);
      expect(p2.more).toBe(false);
      expect(p2.entries.map((e) => e.details.n)).toEqual([3, 4]);
      await au.importEntries([...p1.entries, ...p2.entries]);
      expect((await au.page(undefined, 100)).entries).toEqual([...p1.entries, ...p2.entries]);
    });

    it('records runs newest first and keeps checkpoints', async () => {
      const g = s.group(group);
      const r1 = await g.runs.start('correlation', group, 'api', 'hub:1');
      await new Promise((r) => setTimeout(r, 5));
      const r2 = await g.runs.start('status-cleanup', group, 'schedule');
      const done = await g.runs.finish(r1, 'ok', { alerts: 2 });
      expect(done).toMatchObject({ outcome: 'ok', counts: { alerts: 2 }, holder: 'hub:1' });
      expect(await g.runs.list({ limit: 10 })).toEqual([r2, done]);
      expect(await g.runs.list({ job: 'correlation', limit: 10 })).toEqual([done]);
      expect('holder' in (await g.runs.list({ job: 'status-cleanup', limit: 1 }))[0]!).toBe(false);

      expect(await g.checkpoints.get('correlation')).toBeUndefined();
      await g.checkpoints.set('correlation', { added: 'a', key: 'k' });
      await g.checkpoints.set('correlation', { added: 'b', key: 'l' });
      expect(await g.checkpoints.get('correlation')).toEqual({ added: 'b', key: 'l' });
      await g.checkpoints.clear('correlation');
      expect(await g.checkpoints.get('correlation')).toBeUndefined();
    });

    it('lets one contender take a lease, and takes over an expired one exactly once', async () => {
      const [x, y] = await Promise.all([s.leases.acquire('smoke:one', 60_000, 'a'), s.leases.acquire('smoke:one', 60_000, 'b')]);
      expect([x, y].filter(Boolean)).toHaveLength(1);
      const held = (x ?? y)!;
      expect((await s.leases.get('smoke:one'))!.holder).toBe(held.holder);
      expect(await s.leases.renew(held, 60_000)).toBe(true);
      await s.leases.release(held);
      expect(await s.leases.get('smoke:one')).toBeNull();

      let now = new Date('2026-01-01T00:00:00Z');
      const repo = s.leasesAt(() => now);
      const old = await repo.acquire('smoke:expired', 1000, 'crashed');
      expect(old).not.toBeNull();
      expect(await repo.acquire('smoke:expired', 1000, 'early')).toBeNull();
      now = new Date(now.getTime() + 5000);
      const [p, q] = await Promise.all([repo.acquire('smoke:expired', 1000, 'p'), repo.acquire('smoke:expired', 1000, 'q')]);
      expect([p, q].filter(Boolean)).toHaveLength(1);
      expect(await repo.renew(old!, 1000)).toBe(false);
      await repo.release(old!);
      const doc = await repo.get('smoke:expired');
      expect(doc!.holder).toBe((p ?? q)!.holder);
      expect(doc!.expiresAt).toEqual(new Date(now.getTime() + 1000));
      expect(doc!.acquiredAt).toBeInstanceOf(Date);
    });

    it('removes every schema of its prefix with dropAll and stays usable', async () => {
      await s.dropAll();
      expect(await s.registry.list()).toEqual([]);
      await s.registry.ensure(group);
      await s.group(group).ensure();
      expect(await s.group(group).objects.count()).toBe(0);
    });
  });
}

// ---- PostgreSQL --------------------------------------------------------------------------------

let server: Server | undefined;
let dir: string;
const ready = (async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-pg-smoke-'));
  fs.chmodSync(dir, 0o755);
  server = await startPostgres(dir);
  return server;
})();
ready.catch(() => {});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const prefix = () => `s${crypto.randomBytes(4).toString('hex')}`;

describeContract('postgres', async () => PostgresStorage.connect((await ready).url, { prefix: prefix() }));

describe('postgres specifics', () => {
  it('answers Unavailable when the server cannot be reached', async () => {
    const gone = `postgresql://postgres@${encodeURIComponent(path.join(dir, 'no-such-socket-dir'))}/postgres`;
    await expect(PostgresStorage.connect(gone, { prefix: prefix() })).rejects.toBeInstanceOf(Unavailable);
  });

  it('answers Unavailable when the server ends a query (admin shutdown)', async () => {
    const url = (await ready).url;
    const [a, b] = await Promise.all([PostgresStorage.connect(url, { prefix: prefix() }), PostgresStorage.connect(url, { prefix: prefix() })]);
    try {
      const pid = (await a.sql.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const slow = a.sql.query('SELECT pg_sleep(30)');
      slow.catch(() => {});
      await new Promise((r) => setTimeout(r, 200));
      await b.sql.query('SELECT pg_terminate_backend($1)', [pid]);
      await expect(slow).rejects.toBeInstanceOf(Unavailable);
      // The pool drops the dead connection and the next query gets a new one.
      await a.ping();
    } finally {
      await a.dropAll();
      await b.dropAll();
      await a.close();
      await b.close();
    }
  });

  it('applies only the migrations a schema has not seen', async () => {
    const url = (await ready).url;
    const p = prefix();
    const a = await PostgresStorage.connect(url, { prefix: p });
    try {
      expect(await migrate(a.sql, `${p}-old`, GROUP_MIGRATIONS.slice(0, 1))).toEqual([1]);
      await a.group('old').ensure();
      const { rows } = await a.sql.query<{ version: number }>(`SELECT version FROM "${p}-old".schema_migrations ORDER BY version`);
      expect(rows.map((r) => r.version)).toEqual(GROUP_MIGRATIONS.map((m) => m.version));
      expect(await migrate(a.sql, `${p}-old`, GROUP_MIGRATIONS)).toEqual([]);
    } finally {
      await a.dropAll();
      await a.close();
    }
  });

  it('migrates each schema once, even when two processes race', async () => {
    const url = (await ready).url;
    const p = prefix();
    const [a, b] = await Promise.all([PostgresStorage.connect(url, { prefix: p }), PostgresStorage.connect(url, { prefix: p })]);
    try {
      await Promise.all([a.group('g').ensure(), b.group('g').ensure()]);
      const { rows } = await a.sql.query<{ version: number }>(`SELECT version FROM "${p}-g".schema_migrations`);
      expect(rows.map((r) => r.version).sort((x, y) => x - y)).toEqual(GROUP_MIGRATIONS.map((m) => m.version));
      const gin = await a.sql.query<{ opts: string[] | null }>(`SELECT reloptions AS opts FROM pg_class WHERE oid = $1::regclass`, [`"${p}-g".keys_gin`]);
      expect(gin.rows[0]!.opts).toEqual(['fastupdate=off']);
      // Compared and sorted columns are in byte order, whatever the server's locale.
      const cols = await a.sql.query<{ collation_name: string | null; column_name: string }>(
        `SELECT column_name, collation_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'objects' AND column_name IN ('key', 'added', 'id', 'ver')`,
        [`${p}-g`],
      );
      expect(cols.rows.every((r) => r.collation_name === 'C')).toBe(true);
    } finally {
      await a.dropAll();
      await a.close();
      await b.close();
    }
  });
});
