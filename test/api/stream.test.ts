/**
 * The event stream through HTTP into the real database (both backends), with real tokens and
 * real clients: the `eventsource` package (what a consumer runs) and fetch with Last-Event-ID by
 * hand. The AMBER test fails when the viewer is removed from TaxiiService.pages (checked once).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventSource } from 'eventsource';
import { BACKENDS, startTestHub, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { TokenKit, ORG_CO_CERT, ORG_CO_MIN, ORG_EU_CERT } from '../support/auth';
import { indicator } from '../support/stix';
import { TLP2_MARKING_IDS } from '../../server/stix/markings';

interface Event {
  id: string;
  event: string;
  data: string;
}

/** The events of an SSE body (WHATWG HTML §9.2.6), comments dropped. */
function parseEvents(body: string): Event[] {
  const out: Event[] = [];
  for (const block of body.split('\n\n')) {
    const e: Event = { id: '', event: 'message', data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const [field, value] = i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1).replace(/^ /, '')];
      if (field === 'id') e.id = value;
      else if (field === 'event') e.event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) out.push({ ...e, data: data.join('\n') });
  }
  return out;
}

const stixIdOf = (e: { data: string }) => (JSON.parse(e.data) as { id: string }).id;

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting for events');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(BACKENDS)('event stream (%s)', (backend) => {
  const kit = new TokenKit();
  let t: TestHub;
  let server: Server;
  let base: string;
  let co: Client;
  let col: string;
  const tokens = { originator: '', member: '', outsider: '' };

  beforeAll(async () => {
    t = await startTestHub({ ...kit.env(), PUENTE_STREAM_POLL_MS: '100' }, undefined, backend);
    tokens.originator = kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer'] });
    tokens.member = kit.token(ORG_CO_MIN, { colombia: ['reader'] });
    tokens.outsider = kit.token(ORG_EU_CERT, { eu: ['reader', 'writer'] });
    co = client(t.app, { Authorization: `Bearer ${tokens.originator}` });
    col = await co.collectionId('colombia', 'indicators');
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/colombia/collections/${col}/stream/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await t.close();
    kit.cleanup();
  });

  function get(query = '', headers: Record<string, string> = {}, token = tokens.member) {
    return fetch(`${base}${query}`, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream', ...headers } });
  }

  /** The date_added of the newest object now (a test starts after it, so tests do not see each other's objects). */
  async function tail(): Promise<string> {
    const events = parseEvents(await (await get('', { Accept: '*/*' })).text());
    return events.length ? events[events.length - 1]!.id : '2000-01-01T00:00:00.000000Z';
  }

  async function post(...objects: Record<string, unknown>[]): Promise<string[]> {
    const res = await co.add('colombia', 'indicators', objects);
    expect(res.body.failure_count).toBe(0);
    return objects.map((o) => o.id as string);
  }

  function open(query: string, token = tokens.member) {
    const events: Event[] = [];
    const es = new EventSource(`${base}${query}`, {
      fetch: (url, init) => fetch(url, { ...init, headers: { ...init?.headers, Authorization: `Bearer ${token}` } }),
    });
    es.addEventListener('object', (e) => events.push({ id: e.lastEventId, event: e.type, data: e.data as string }));
    return { es, events };
  }

  it('sends what is stored, then what is added while it is open, each once, with its date_added as id', async () => {
    const start = await tail();
    const before = await post(indicator(), indicator());
    const { es, events } = open(`?added_after=${start}`);
    try {
      await until(() => events.length >= 2);
      const after = await post(indicator(), indicator());
      await until(() => events.length >= 4);
      await new Promise((r) => setTimeout(r, 300)); // nothing more comes
      expect(events.map(stixIdOf)).toEqual([...before, ...after]);
      expect(events.every((e) => e.event === 'object')).toBe(true);
      const ids = events.map((e) => e.id);
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
      const manifest = await co.get(`/colombia/collections/${col}/manifest/?added_after=${start}`);
      const added = new Map((manifest.body.objects as { id: string; date_added: string }[]).map((o) => [o.id, o.date_added]));
      expect(events.map((e) => added.get(stixIdOf(e)))).toEqual(ids);
    } finally {
      es.close();
    }
  });

  it('a reconnect with Last-Event-ID gets exactly the objects it missed, once, in order', async () => {
    const start = await tail();
    await post(indicator(), indicator());
    const first = parseEvents(await (await get(`?added_after=${start}&max_seconds=1`)).text());
    expect(first).toHaveLength(2);
    const missed = await post(indicator(), indicator(), indicator());
    // added_after is older than Last-Event-ID: Last-Event-ID wins.
    const res = await get(`?added_after=${start}&max_seconds=1`, { 'Last-Event-ID': first[1]!.id });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(parseEvents(await res.text()).map(stixIdOf)).toEqual(missed);
  });

  it('the EventSource client resumes by itself after the stream ends, missing and repeating nothing', async () => {
    const start = await tail();
    const before = await post(indicator());
    const { es, events } = open(`?added_after=${start}&max_seconds=1`);
    try {
      await until(() => events.length >= 1);
      await new Promise<void>((r) => es.addEventListener('error', () => r(), { once: true })); // the server ended it
      const whileAway = await post(indicator(), indicator());
      await until(() => events.length >= 3, 15_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(events.map(stixIdOf)).toEqual([...before, ...whileAway]);
    } finally {
      es.close();
    }
  }, 20_000);

  it("never sends another organisation's AMBER object, stored or new", async () => {
    const start = await tail();
    const amber = () => indicator({ name: 'Amber C2', object_marking_refs: [TLP2_MARKING_IDS.amber] });
    const green = () => indicator({ object_marking_refs: [TLP2_MARKING_IDS.green] });
    const [, g1] = await post(amber(), green());
    const member = open(`?added_after=${start}`);
    const originator = open(`?added_after=${start}`, tokens.originator);
    try {
      await until(() => member.events.length >= 1 && originator.events.length >= 2);
      const [a2, g2] = await post(amber(), green());
      await until(() => member.events.length >= 2 && originator.events.length >= 4);
      await new Promise((r) => setTimeout(r, 300));
      expect(member.events.map(stixIdOf)).toEqual([g1, g2]);
      expect(originator.events.map(stixIdOf)).toContain(a2); // the AMBER objects are there for their organisation
    } finally {
      member.es.close();
      originator.es.close();
    }
  });

  it('carries revocations and deletions in date_added order, and a deleted AMBER object only to its readers', async () => {
    const start = await tail();
    const kept = indicator();
    const gone = indicator();
    const amber = indicator({ object_marking_refs: [TLP2_MARKING_IDS.amber] });
    await post(kept, gone, amber);
    const revoked = { ...kept, modified: '2026-02-01T00:00:00.000Z', revoked: true };
    await post(revoked);
    const summary = (e: Event) => [e.event, stixIdOf(e), (JSON.parse(e.data) as { revoked?: boolean }).revoked ?? (JSON.parse(e.data) as { version?: string }).version];
    const before = parseEvents(await (await get(`?added_after=${start}`, { Accept: '*/*' })).text());
    expect(before.map(summary)).toEqual([['object', kept.id, undefined], ['object', gone.id, undefined], ['object', kept.id, true]]);
    expect((await co.del(`/colombia/collections/${col}/objects/${gone.id as string}/`)).status).toBe(200);
    expect((await co.del(`/colombia/collections/${col}/objects/${amber.id as string}/`)).status).toBe(200);
    // A reconnect after the revocation gets the deletion, with a later id; the AMBER one is not the member's to see.
    const resumed = parseEvents(await (await get('', { Accept: '*/*', 'Last-Event-ID': before[2]!.id })).text());
    expect(resumed.map(summary)).toEqual([['deleted', gone.id, '2026-01-01T00:00:00.000Z']]);
    expect(resumed[0]!.id > before[2]!.id).toBe(true);
    expect(JSON.parse(resumed[0]!.data)).toEqual({ id: gone.id, type: 'indicator', version: '2026-01-01T00:00:00.000Z', date_deleted: resumed[0]!.id });
    const own = parseEvents(await (await get(`?added_after=${start}`, { Accept: '*/*' }, tokens.originator)).text());
    expect(own.filter((e) => e.event === 'deleted').map(stixIdOf)).toEqual([gone.id, amber.id]);
  });

  it('answers a request that does not ask for text/event-stream with what is stored, then ends', async () => {
    const start = await tail();
    const ids = await post(indicator(), indicator());
    const res = await get(`?added_after=${start}&match[type]=indicator`, { Accept: '*/*' });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(parseEvents(await res.text()).map(stixIdOf)).toEqual(ids);
    const none = await get(`?added_after=${start}&match[type]=malware`, { Accept: '*/*' });
    expect(parseEvents(await none.text())).toEqual([]);
  });

  it.each([
    ['max_seconds=0', {}, 400, 'invalid_parameter'],
    ['max_seconds=3601', {}, 400, 'invalid_parameter'],
    ['added_after=yesterday', {}, 400, 'invalid_parameter'],
    ['', { 'Last-Event-ID': 'x' }, 400, 'invalid_parameter'],
    ['limit=1', {}, 400, 'unknown_parameter'],
    ['', { Accept: 'application/taxii+json;version=2.1' }, 406, 'not_acceptable'],
  ])('answers %s %j with %i %s', async (query, headers: Record<string, string>, status, code) => {
    const res = await get(`?${query}`, headers);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error_code: string }).error_code).toBe(code);
  });

  it('answers 404 to a token of another trust group, as TAXII reads do', async () => {
    const res = await get('', {}, tokens.outsider);
    expect(res.status).toBe(404);
    await res.body?.cancel();
  });
});
