/**
 * Federation between two real hub processes on separate databases (issue 11): a "Colombian" hub
 * A on PostgreSQL and a "European" hub B on FerretDB, each verifying its own tokens. B subscribes
 * to A's colombia collection over TAXII 2.1 with a feed token A issued; A subscribes back to B's
 * eu collection, and mirrors its own collection to B. Objects arrive with provenance and no
 * broader marking than they had, runs after the first fetch nothing new, re-posts are no-ops,
 * and the two subscriptions both ways create no loop and no second version of anything.
 */
import { openTestStorage, TAXII } from '../support/hub';
import { ORG_CO_CERT, ORG_EU_CERT, TokenKit } from '../support/auth';
import { startLiveHub, type LiveHub } from '../support/live-hub';
import { indicator } from '../support/stix';
import { RECIPIENTS_PROPERTY, TLP2_MARKING_IDS } from '../../server/stix/markings';
import type { Storage } from '../../server/storage/contract';

jest.setTimeout(240_000);

const FAST = { attempts: 3, timeout_ms: 10_000, base_delay_ms: 50 };
type Run = { outcome: string; pages: number; new: number; duplicate: number; invalid: number; withheld?: number; errors: string[] };

const kitA = new TokenKit();
const kitB = new TokenKit();
let a: LiveHub;
let b: LiveHub;
let storeA: Storage;
let storeB: Storage;
const adminA = kitA.token(ORG_CO_CERT, { colombia: ['reader', 'writer', 'admin'] }, 'person', 'co-admin');
const adminB = kitB.token(ORG_EU_CERT, { eu: ['reader', 'writer', 'admin'] }, 'person', 'eu-admin');
// What each hub issues to the other: A lets the European hub read; B lets the Colombian hub read and write (the mirror).
const forB = kitA.token(ORG_EU_CERT, { colombia: ['reader'] }, 'feed', 'hub-eu');
const forA = kitB.token(ORG_CO_CERT, { eu: ['reader', 'writer'] }, 'cert', 'hub-co');

beforeAll(async () => {
  [a, b] = await Promise.all([startLiveHub({ backend: 'postgres', env: kitA.env() }), startLiveHub({ backend: 'mongodb', env: kitB.env() })]);
  [storeA, storeB] = await Promise.all([openTestStorage('postgres', a.prefix), openTestStorage('mongodb', b.prefix)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([storeA?.close(), storeB?.close()]);
  await Promise.all([a?.stop(), b?.stop()]);
  kitA.cleanup();
  kitB.cleanup();
});

async function api(hub: LiveHub, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${hub.url}${path}`, {
    method,
    headers: { Accept: TAXII, Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': TAXII } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function collection(hub: LiveHub, token: string, group: string): Promise<string> {
  const r = await api(hub, token, 'GET', `/${group}/collections/`);
  return (r.body.collections as { id: string; alias: string }[]).find((c) => c.alias === 'indicators')!.id;
}

async function run(hub: LiveHub, token: string, group: string, id: string): Promise<Run> {
  const r = await api(hub, token, 'POST', `/${group}/admin/subscriptions/${id}/run`);
  expect(r.status).toBe(200);
  return r.body as unknown as Run;
}

/** Every stored version of the collection, as the hub's own storage holds it. */
async function stored(s: Storage, group: string, col: string, org: string) {
  return (await s.group(group).objects.page({ collection: col, viewer: { organisation: org }, versions: { all: true }, limit: 10_000 })).docs;
}

describe('two hubs on separate databases, subscribed to each other', () => {
  it('pull with provenance and markings kept, a cursor, no-op re-posts, no loop both ways, and a mirror that sends nothing back', async () => {
    const [colA, colB] = await Promise.all([collection(a, adminA, 'colombia'), collection(b, adminB, 'eu')]);
    const unmarked = Array.from({ length: 25 }, () => indicator());
    const green = indicator({ object_marking_refs: [TLP2_MARKING_IDS.green] });
    // AMBER reaches the organisations it names (x_puente_recipients); RED stays with its submitter.
    const amber = indicator({ object_marking_refs: [TLP2_MARKING_IDS.amber], [RECIPIENTS_PROPERTY]: [ORG_EU_CERT] });
    const red = indicator({ object_marking_refs: [TLP2_MARKING_IDS.red] });
    const posted = [...unmarked, green, amber, red];
    const post = await api(a, adminA, 'POST', `/colombia/collections/${colA}/objects/`, { objects: posted });
    expect(post.body.success_count).toBe(28);

    // B pulls from A's discovery URL, in pages of 10, with the token A issued.
    const source = `${a.url}/taxii2/`;
    const subB = await api(b, adminB, 'POST', '/eu/admin/subscriptions/', {
      name: 'Colombian hub', kind: 'taxii21', url: source, remote_collection: colA, collection: colB, page_size: 10, retry: FAST, auth: { type: 'bearer', token: forB },
    });
    expect(subB.status).toBe(201);
    const idB = subB.body.id as string;

    const first = await run(b, adminB, 'eu', idB);
    // RED is A's submitter's alone: A never shows it to the European hub's token.
    expect(first).toMatchObject({ outcome: 'ok', new: 27, duplicate: 0, invalid: 0, pages: 3 });
    const inB = await stored(storeB, 'eu', colB, ORG_EU_CERT);
    expect(inB).toHaveLength(27);
    expect(inB.map((d) => d.meta.id)).not.toContain(red.id);
    for (const d of inB) expect(d.meta.feed).toMatchObject({ subscription: idB, source, fetched: expect.any(String) });
    const tlpOf = (id: unknown) => inB.find((d) => d.meta.id === id)!.meta.tlp;
    expect(unmarked.map((o) => tlpOf(o.id))).toEqual(unmarked.map(() => 'amber'));
    expect([tlpOf(green.id), tlpOf(amber.id)]).toEqual(['green', 'amber']);
    const first0 = JSON.parse(inB.find((d) => d.meta.id === unmarked[0]!.id)!.raw) as Record<string, unknown>;
    expect(first0).toEqual({ ...unmarked[0], object_marking_refs: [TLP2_MARKING_IDS.amber] });

    // Nothing new at A: one page, nothing stored.
    expect(await run(b, adminB, 'eu', idB)).toMatchObject({ outcome: 'ok', new: 0, duplicate: 0, pages: 1 });

    // The same versions posted to A again are a no-op there, so B sees nothing new either.
    await api(a, adminA, 'POST', `/colombia/collections/${colA}/objects/`, { objects: posted });
    expect(await stored(storeA, 'colombia', colA, ORG_CO_CERT)).toHaveLength(28);
    expect(await run(b, adminB, 'eu', idB)).toMatchObject({ outcome: 'ok', new: 0, duplicate: 0 });

    // From the start again: everything is a duplicate at B (same id and version), nothing stored twice.
    expect((await api(b, adminB, 'POST', `/eu/admin/subscriptions/${idB}/reset-cursor`)).status).toBe(200);
    expect(await run(b, adminB, 'eu', idB)).toMatchObject({ outcome: 'ok', new: 0, duplicate: 27 });
    expect(await stored(storeB, 'eu', colB, ORG_EU_CERT)).toHaveLength(27);

    // A subscribes back to B: what came from A and A's token may see at B (GREEN; the rest is AMBER
    // for the European CERT now) comes back as a duplicate; A keeps its own versions unchanged.
    const rawA = new Map((await stored(storeA, 'colombia', colA, ORG_CO_CERT)).map((d) => [d.meta.id, d.raw]));
    const subA = await api(a, adminA, 'POST', '/colombia/admin/subscriptions/', {
      name: 'European hub', kind: 'taxii21', url: `${b.url}/eu/collections/${colB}/`, collection: colA, page_size: 10, retry: FAST, auth: { type: 'bearer', token: forA },
    });
    expect(subA.status).toBe(201);
    const idA = subA.body.id as string;
    expect(await run(a, adminA, 'colombia', idA)).toMatchObject({ outcome: 'ok', new: 0, duplicate: 1 });
    const afterEcho = await stored(storeA, 'colombia', colA, ORG_CO_CERT);
    expect(afterEcho).toHaveLength(28);
    for (const d of afterEcho) expect(d.raw).toBe(rawA.get(d.meta.id));

    // Something new in Europe travels once to A, and never back as a new object.
    const european = indicator({ object_marking_refs: [TLP2_MARKING_IDS.green] });
    expect((await api(b, adminB, 'POST', `/eu/collections/${colB}/objects/`, { objects: [european] })).body.success_count).toBe(1);
    expect(await run(a, adminA, 'colombia', idA)).toMatchObject({ outcome: 'ok', new: 1 });
    expect(await run(b, adminB, 'eu', idB)).toMatchObject({ outcome: 'ok', new: 0, duplicate: 1 });
    for (let round = 0; round < 2; round++) {
      expect(await run(a, adminA, 'colombia', idA)).toMatchObject({ outcome: 'ok', new: 0, duplicate: 0 });
      expect(await run(b, adminB, 'eu', idB)).toMatchObject({ outcome: 'ok', new: 0, duplicate: 0 });
    }
    const finalA = await stored(storeA, 'colombia', colA, ORG_CO_CERT);
    const finalB = await stored(storeB, 'eu', colB, ORG_EU_CERT);
    expect([finalA.length, finalB.length]).toEqual([29, 28]);
    expect(new Set(finalA.map((d) => d.meta.id)).size).toBe(29);
    expect(new Set(finalB.map((d) => d.meta.id)).size).toBe(28);

    // A mirror from A to B: only unmarked and GREEN leave, never AMBER or RED, nor what came from B.
    const mirror = await api(a, adminA, 'POST', '/colombia/admin/subscriptions/', {
      name: 'Mirror to Europe', kind: 'mirror', url: `${b.url}/eu/collections/${colB}/`, collection: colA, partner_organisation: ORG_EU_CERT, page_size: 10, retry: FAST, auth: { type: 'bearer', token: forA },
    });
    expect(mirror.status).toBe(201);
    const pushed = await run(a, adminA, 'colombia', mirror.body.id as string);
    // Withheld: the European object (pulled from B's host); AMBER and RED are not even read (restricted).
    expect(pushed).toMatchObject({ outcome: 'ok', invalid: 0, withheld: 1 });
    expect(pushed.new).toBe(26);
    // B already had those versions (its own pull): the pushes were no-ops there.
    expect(await stored(storeB, 'eu', colB, ORG_EU_CERT)).toHaveLength(28);
    expect(await run(a, adminA, 'colombia', mirror.body.id as string)).toMatchObject({ outcome: 'ok', new: 0 });
  });
});
