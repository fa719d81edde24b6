/**
 * Webhooks (issue 10, Push) through HTTP into the real database, with real tokens and a real
 * HTTP receiver (node:http on 127.0.0.1) that checks every signature by computing the HMAC
 * itself. Backoff is set small by configuration, so retries come within milliseconds; waits
 * poll a condition (test/support/wait.ts), and "nothing more comes" is checked by running the
 * deliverer's tick by hand.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { BACKENDS, openTestStorage, startTestHub, TAXII, testDatabase, type TestHub } from '../support/hub';
import { buildHub } from '../../server/hub';
import { createMetrics } from '../../server/metrics';
import { client, type Client } from '../support/taxii';
import { TokenKit, ORG_CO_CERT, ORG_CO_MIN, ORG_EU_CERT } from '../support/auth';
import { indicator, malware } from '../support/stix';
import { waitFor } from '../support/wait';
import { TLP2_MARKING_IDS } from '../../server/stix/markings';

const MAX_FAILURES = 4;

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  signed: boolean;
  status: number;
}

/** A receiver answering each request with what `answer` says (default 200), keeping every request. */
async function receiver(secret: string) {
  const got: Received[] = [];
  let answer: (n: number) => number = () => 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const want = `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
      const status = answer(got.length);
      got.push({ headers: req.headers, body, signed: req.headers['x-puente-signature'] === want, status });
      res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=in-query`,
    got,
    answer: (f: (n: number) => number) => void (answer = f),
    /** Ids of the objects of every 2xx request, in the order received. */
    accepted: () => got.filter((g) => g.status < 300).flatMap((g) => (JSON.parse(g.body) as { objects: { id: string }[] }).objects.map((o) => o.id)),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe.each(BACKENDS)('webhooks on %s', (backend) => {
  const kit = new TokenKit();
  const logLines: string[] = [];
  let t: TestHub;
  let writer: Client;
  let base: string;
  let col: string;
  const tokens = { admin: '', adminCert: '', reader: '', outsider: '' };

  beforeAll(async () => {
    // A protected network, so that correlation raises an alert to deliver.
    const correlation = path.join(kit.dir, 'correlation.json');
    fs.writeFileSync(correlation, JSON.stringify({ colombia: { protectedAssets: { cidrs: ['192.0.2.0/24'] } } }));
    const log = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, cb) => { logLines.push(chunk.toString()); cb(); } }));
    t = await startTestHub(
      { ...kit.env(), PUENTE_WEBHOOK_TICK_MS: '50', PUENTE_WEBHOOK_RETRY_BASE_MS: '20', PUENTE_WEBHOOK_RETRY_MAX_MS: '80', PUENTE_WEBHOOK_MAX_FAILURES: String(MAX_FAILURES), PUENTE_CORRELATION_SETTLE_MS: '0', PUENTE_CORRELATION_CONFIG: correlation },
      undefined,
      backend,
      log,
    );
    tokens.admin = kit.token(ORG_CO_MIN, { colombia: ['admin', 'reader'] }, 'person', 'admin-co-min');
    tokens.adminCert = kit.token(ORG_CO_CERT, { colombia: ['admin', 'reader'] }, 'person', 'admin-co-cert');
    tokens.reader = kit.token(ORG_CO_MIN, { colombia: ['reader', 'writer'] });
    tokens.outsider = kit.token(ORG_EU_CERT, { eu: ['admin'] });
    writer = client(t.app, { Authorization: `Bearer ${kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer'] })}` });
    col = await writer.collectionId('colombia', 'indicators');
    base = '/colombia/admin/webhooks/';
    t.hub.deliverer.start();
  });

  afterAll(async () => {
    await t?.close();
    kit.cleanup();
  });

  function as(token: string) {
    const auth = (r: request.Test) => r.set('Authorization', `Bearer ${token}`).set('Accept', TAXII);
    const withBody = (r: request.Test, body: unknown) => auth(r).set('Content-Type', TAXII).send(JSON.stringify(body));
    return {
      get: (path: string) => auth(request(t.app).get(path)),
      post: (path: string, body: unknown = {}) => withBody(request(t.app).post(path), body),
      patch: (path: string, body: unknown) => withBody(request(t.app).patch(path), body),
      del: (path: string) => auth(request(t.app).delete(path)),
    };
  }
  const admin = () => as(tokens.admin);

  async function register(url: string, secret: string, extra: Record<string, unknown> = {}, token = tokens.admin): Promise<string> {
    const res = await as(token).post(base, { name: 'test', collection: col, url, secret, batch_size: 2, ...extra }).expect(201);
    return res.body.id as string;
  }

  async function post(...objects: Record<string, unknown>[]): Promise<string[]> {
    const res = await writer.add('colombia', 'indicators', objects);
    expect(res.body.failure_count).toBe(0);
    return objects.map((o) => o.id as string);
  }

  // Each test's webhooks go with it: a closed receiver's webhook would keep failing in the background.
  afterEach(async () => {
    for (const w of (await admin().get(base).expect(200)).body.webhooks as { id: string }[]) await admin().del(`${base}${w.id}/`).expect(200);
  });

  const secret = () => `s3cret-${crypto.randomBytes(12).toString('hex')}`;

  describe('delivery', () => {
    it('POSTs new objects as signed TAXII envelopes, in date_added order, in batches of batch_size', async () => {
      const key = secret();
      const r = await receiver(key);
      try {
        await register(r.url, key);
        const ids = [...(await post(indicator(), indicator(), indicator())), ...(await post(indicator()))];
        await waitFor(() => r.accepted().length >= 4, { message: 'four objects' });
        expect(r.accepted()).toEqual(ids);
        expect(r.got.every((g) => g.signed)).toBe(true);
        const g = r.got[0]!;
        expect(g.headers['content-type']).toBe('application/taxii+json;version=2.1');
        expect(g.headers['x-puente-delivery']).toMatch(/^[0-9a-f-]{36}$/);
        expect(Date.parse(g.headers['x-puente-timestamp'] as string)).not.toBeNaN();
        expect(g.headers['x-puente-event']).toBe('objects');
        expect(JSON.parse(g.body)).toMatchObject({ more: false });
        // The first envelope's three objects are stored at once: a batch of two, then the rest (how
        // the rest is cut depends on when the second envelope lands); never more than batch_size.
        const sizes = r.got.map((x) => (JSON.parse(x.body) as { objects: unknown[] }).objects.length);
        expect(sizes[0]).toBe(2);
        expect(Math.max(...sizes)).toBe(2);
        const manifest = await writer.get(`/colombia/collections/${col}/manifest/?match[id]=${ids.join(',')}`).expect(200);
        const added = (manifest.body.objects as { id: string; date_added: string }[]).sort((a, b) => (a.date_added < b.date_added ? -1 : 1)).map((o) => o.id);
        expect(r.accepted()).toEqual(added);
      } finally {
        await r.close();
      }
    });

    it('a receiver that fails with 500 three times, then recovers, gets every object exactly once, in order', async () => {
      const key = secret();
      const r = await receiver(key);
      r.answer((n) => (n < 3 ? 500 : 200));
      try {
        const id = await register(r.url, key);
        const ids = [...(await post(indicator(), indicator())), ...(await post(indicator(), indicator(), indicator()))];
        await waitFor(() => r.accepted().length >= 5, { message: 'five objects' });
        expect(r.accepted()).toEqual(ids);
        expect(r.got.slice(0, 3).map((g) => g.status)).toEqual([500, 500, 500]);
        // The same batch each time, under the same delivery id (receivers may dedupe by it).
        expect(new Set(r.got.slice(0, 4).map((g) => g.headers['x-puente-delivery'])).size).toBe(1);
        const log = (await admin().get(`${base}${id}/deliveries/?limit=100`).expect(200)).body.deliveries as Record<string, unknown>[];
        const oldestFirst = [...log].reverse();
        expect(oldestFirst.slice(0, 4).map((d) => [d.outcome, d.status, d.attempt])).toEqual([['failed', 500, 1], ['failed', 500, 2], ['failed', 500, 3], ['delivered', 200, 4]]);
        expect(oldestFirst[0]).toHaveProperty('next_attempt');
        expect(oldestFirst[0]!.error).toContain('answered 500');
        const shown = (await admin().get(`${base}${id}/`).expect(200)).body as { health: Record<string, unknown>; state: string };
        expect(shown.state).toBe('active');
        expect(shown.health).toMatchObject({ consecutive_failures: 0, delivered: 5, last_status: 200 });
      } finally {
        await r.close();
      }
    });

    it(`pauses a webhook after ${MAX_FAILURES} failures in a row; only an admin's resume restarts it, from where it stopped`, async () => {
      const key = secret();
      const r = await receiver(key);
      r.answer(() => 503);
      try {
        const id = await register(r.url, key);
        const first = await post(indicator());
        await waitFor(async () => (await admin().get(`${base}${id}/`)).body.state === 'paused', { message: 'paused' });
        const paused = (await admin().get(`${base}${id}/`).expect(200)).body as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        expect(paused).toMatchObject({ state: 'paused', paused_by: 'failures', health: { consecutive_failures: MAX_FAILURES, last_status: 503 } });
        expect(paused.health.next_attempt).toBeUndefined();
        expect(r.got).toHaveLength(MAX_FAILURES);
        const second = await post(indicator());
        r.answer(() => 200);
        await t.hub.deliverer.tick();
        await t.hub.deliverer.tick();
        expect(r.got).toHaveLength(MAX_FAILURES); // paused: nothing is attempted
        const resumed = (await admin().post(`${base}${id}/resume`).expect(200)).body as Record<string, unknown>;
        expect(resumed).toMatchObject({ state: 'active', health: { consecutive_failures: 0 } });
        await waitFor(() => r.accepted().length >= 2, { message: 'both objects after resume' });
        expect(r.accepted()).toEqual([...first, ...second]);
        // An admin's pause holds too, until resumed.
        expect((await admin().post(`${base}${id}/pause`).expect(200)).body).toMatchObject({ state: 'paused', paused_by: 'admin' });
        const third = await post(indicator());
        await t.hub.deliverer.tick();
        expect(r.accepted()).not.toContain(third[0]);
        await admin().post(`${base}${id}/resume`).expect(200);
        await waitFor(() => r.accepted().includes(third[0]!), { message: 'the third object' });
      } finally {
        await r.close();
      }
    });

    it("never delivers another organisation's AMBER object; its own organisation's webhook gets it", async () => {
      const key = secret();
      const member = await receiver(key);
      const owner = await receiver(key);
      try {
        await register(member.url, key);
        await register(owner.url, key, {}, tokens.adminCert);
        const [amber] = await post(indicator({ name: 'Amber C2', object_marking_refs: [TLP2_MARKING_IDS.amber] }));
        const [green] = await post(indicator({ object_marking_refs: [TLP2_MARKING_IDS.green] }));
        // In order: once the GREEN one (posted after) has come, the AMBER one was passed over.
        await waitFor(() => member.accepted().includes(green!) && owner.accepted().includes(green!), { message: 'the green object at both' });
        expect(member.accepted()).toEqual([green]);
        expect(owner.accepted()).toEqual([amber, green]);
        expect(member.got.map((g) => g.body).join()).not.toContain('Amber C2');
      } finally {
        await member.close();
        await owner.close();
      }
    });

    it('applies the export filters: match[type], max_tlp, observable', async () => {
      const key = secret();
      const r = await receiver(key);
      try {
        await register(r.url, key, { filters: { 'match[type]': 'indicator', max_tlp: 'clear', observable: 'domain' } });
        const domain = indicator({ pattern: "[domain-name:value = 'evil.example']", object_marking_refs: [TLP2_MARKING_IDS.clear] });
        await post(
          malware({ object_marking_refs: [TLP2_MARKING_IDS.clear] }),
          indicator({ object_marking_refs: [TLP2_MARKING_IDS.clear] }), // an IP: not a domain
          indicator({ pattern: "[domain-name:value = 'green.example']", object_marking_refs: [TLP2_MARKING_IDS.green] }),
        );
        const [last] = await post(domain);
        await waitFor(() => r.accepted().includes(last!), { message: 'the domain indicator' });
        expect(r.accepted()).toEqual([domain.id]);
      } finally {
        await r.close();
      }
    });

    it('carries revocations as new versions and deletions as x_puente_deleted, in date_added order', async () => {
      const key = secret();
      const r = await receiver(key);
      try {
        await register(r.url, key, { batch_size: 10 });
        const kept = indicator();
        const gone = indicator();
        await post(kept, gone);
        await waitFor(() => r.accepted().length >= 2, { message: 'two objects' });
        await post({ ...kept, modified: '2026-02-01T00:00:00.000Z', revoked: true });
        await writer.del(`/colombia/collections/${col}/objects/${gone.id as string}/`).expect(200);
        await waitFor(() => r.got.length >= 3 && r.got.some((g) => g.headers['x-puente-event'] === 'deletions'), { message: 'the deletion' });
        const bodies = r.got.map((g) => JSON.parse(g.body) as { objects: Record<string, unknown>[]; x_puente_deleted?: Record<string, unknown>[] });
        expect(bodies.map((b) => b.objects.map((o) => [o.id, o.revoked ?? false]))).toEqual([[[kept.id, false], [gone.id, false]], [[kept.id, true]], []]);
        expect(bodies[2]!.x_puente_deleted).toEqual([{ id: gone.id, type: 'indicator', version: '2026-01-01T00:00:00.000Z', date_deleted: expect.any(String) }]);
        expect(r.got.map((g) => g.headers['x-puente-event'])).toEqual(['objects', 'objects', 'deletions']);
        expect(r.got.every((g) => g.signed)).toBe(true);
      } finally {
        await r.close();
      }
    });
  });

  describe('alerts', () => {
    it('with alerts: true, also delivers the new correlation alerts of the group', async () => {
      const key = secret();
      const r = await receiver(key);
      try {
        await register(r.url, key, { alerts: true, filters: { 'match[type]': 'indicator' } });
        const [hit] = await post(indicator({ pattern: "[ipv4-addr:value = '192.0.2.9']" }));
        await as(tokens.admin).post('/colombia/admin/jobs/correlation/run', '').expect(200);
        const objects = () => r.got.filter((g) => g.status < 300).flatMap((g) => (JSON.parse(g.body) as { objects: Record<string, unknown>[] }).objects);
        await waitFor(() => objects().some((o) => o.type !== 'indicator'), { message: 'an alert' });
        expect(objects()[0]!.id).toBe(hit);
        const alert = objects().find((o) => o.type !== 'indicator')!;
        expect(alert).toHaveProperty('x_puente_severity');
        expect(JSON.stringify(alert)).toContain(hit);
        expect(r.got.every((g) => g.signed)).toBe(true);
      } finally {
        await r.close();
      }
    });
  });

  describe('administration', () => {
    it('never shows, logs or audits the secret; a new secret signs from then on', async () => {
      const key = secret();
      const r = await receiver(key);
      try {
        const id = await register(r.url, key);
        await post(indicator());
        await waitFor(() => r.accepted().length >= 1, { message: 'one object' });
        const next = secret();
        const changed = await admin().patch(`${base}${id}/`, { secret: next, name: 'renamed' }).expect(200);
        expect(changed.body).toMatchObject({ name: 'renamed', state: 'active' });
        r.answer(() => 200);
        await post(indicator());
        await waitFor(() => r.got.length >= 2, { message: 'a second delivery' });
        expect(r.got[1]!.signed).toBe(false); // the receiver still checks the old secret
        expect(r.got[1]!.headers['x-puente-signature']).toBe(`sha256=${crypto.createHmac('sha256', next).update(r.got[1]!.body).digest('hex')}`);
        const answers = [
          changed.text,
          (await admin().get(base).expect(200)).text,
          (await admin().get(`${base}${id}/`).expect(200)).text,
          (await admin().get(`${base}${id}/deliveries/`).expect(200)).text,
          (await admin().post(`${base}${id}/pause`).expect(200)).text,
          (await admin().post(`${base}${id}/resume`).expect(200)).text,
        ];
        await t.hub.flushAudit();
        const audit = (await admin().get('/colombia/admin/audit/?limit=1000').expect(200)).text;
        expect(audit).toContain('webhooks.added');
        expect(audit).toContain('webhooks.changed');
        for (const text of [...answers, audit, logLines.join('')]) {
          expect(text).not.toContain(key);
          expect(text).not.toContain(next);
        }
        expect(logLines.join('')).toContain('webhooks.delivered');
        expect(logLines.join('')).not.toContain('in-query'); // the URL's query is left out of logs
      } finally {
        await r.close();
      }
    });

    it('answers 404 to a group member who is not an admin, and to an admin of another group', async () => {
      const id = await register('http://127.0.0.1:9/never', secret());
      for (const token of [tokens.reader, tokens.outsider]) {
        const who = as(token);
        expect((await who.get(base)).status).toBe(404);
        expect((await who.post(base, { name: 'x', collection: col, url: 'http://127.0.0.1:9/', secret: secret() })).status).toBe(404);
        expect((await who.get(`${base}${id}/`)).status).toBe(404);
        expect((await who.patch(`${base}${id}/`, { url: 'http://attacker.example/' })).status).toBe(404);
        expect((await who.post(`${base}${id}/pause`)).status).toBe(404);
        expect((await who.del(`${base}${id}/`)).status).toBe(404);
        expect((await who.get(`${base}${id}/deliveries/`)).status).toBe(404);
      }
      expect((await admin().get(`${base}${id}/`).expect(200)).body).toMatchObject({ url: 'http://127.0.0.1:9/never', state: 'active' });
      await admin().del(`${base}${id}/`).expect(200);
      await admin().get(`${base}${id}/`).expect(404);
    });

    it.each([
      [{ url: 'ftp://example.org/' }, 'invalid_request'],
      [{ url: 'https://user:pw@example.org/' }, 'invalid_request'],
      [{ secret: 'short' }, 'invalid_request'],
      [{ secret: undefined }, 'invalid_request'],
      [{ collection: 'no-such-collection' }, 'invalid_request'],
      [{ filters: { max_tlp: 'purple' } }, 'invalid_parameter'],
      [{ filters: { valid_at: '2026-01-01T00:00:00Z' } }, 'invalid_request'],
      [{ batch_size: 0 }, 'invalid_request'],
      [{ unknown: 1 }, 'invalid_request'],
    ])('refuses %j with 400 %s and changes nothing', async (change, code) => {
      const before = (await admin().get(base).expect(200)).body as { webhooks: unknown[] };
      const body = { name: 'bad', collection: col, url: 'https://example.org/hook', secret: secret(), ...change };
      const res = await admin().post(base, body);
      expect([res.status, res.body.error_code, res.body.http_status]).toEqual([400, code, '400']);
      expect((await admin().get(base).expect(200)).body).toEqual(before);
    });

    it('refuses a bad PATCH and leaves the webhook as it was', async () => {
      const id = await register('https://example.org/hook', secret(), { filters: { label: 'keep' } });
      const before = (await admin().get(`${base}${id}/`).expect(200)).body as Record<string, unknown>;
      for (const change of [{ url: 'nope' }, { filters: { min_confidence: '101' } }, { state: 'active' }, {}, { secret: 'x' }]) {
        const res = await admin().patch(`${base}${id}/`, change);
        expect(res.status).toBe(400);
      }
      expect((await admin().get(`${base}${id}/`).expect(200)).body).toEqual(before);
      expect((await admin().get(`${base}${id}/deliveries/?limit=0`)).body.error_code).toBe('invalid_parameter');
      await admin().del(`${base}${id}/`).expect(200);
    });
  });

  describe('command line', () => {
    const cli = async (...args: string[]) => {
      const { stdout } = await promisify(execFile)(path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx'), ['scripts/puente.ts', 'webhooks', ...args], {
        cwd: path.join(__dirname, '..', '..'),
        env: { PATH: process.env.PATH, HOME: process.env.HOME, PUENTE_DB_PREFIX: t.config.dbPrefix, ...(backend === 'postgres' ? { PUENTE_POSTGRES_URL: testDatabase(backend).postgresUrl! } : { MONGODB_URI: testDatabase(backend).mongodbUri! }), PUENTE_LOG_LEVEL: 'silent' },
        timeout: 60_000,
      });
      return JSON.parse(stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };

    it('adds a webhook with the secret from a file, which delivers; lists, pauses and removes it', async () => {
      const key = secret();
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'puente-hook-')), 'secret');
      fs.writeFileSync(file, `${key}\n`);
      const r = await receiver(key);
      try {
        const added = await cli('add', '--group', 'colombia', '--collection', 'indicators', '--url', r.url, '--organisation', ORG_CO_MIN, '--secret-file', file, '--filter', 'max_tlp=green', '--name', 'soc');
        expect(added).toMatchObject({ name: 'soc', collection: col, filters: { max_tlp: 'green' }, state: 'active' });
        expect(JSON.stringify(added)).not.toContain(key);
        const [id] = await post(indicator());
        await waitFor(() => r.accepted().includes(id!), { message: 'the object at the CLI webhook' });
        expect(r.got.every((g) => g.signed)).toBe(true);
        expect((await cli('list', '--group', 'colombia')).webhooks.map((w: { id: string }) => w.id)).toContain(added.id);
        expect(await cli('pause', '--group', 'colombia', added.id)).toMatchObject({ state: 'paused', paused_by: 'admin' });
        expect(await cli('remove', '--group', 'colombia', added.id)).toEqual({ id: added.id, removed: true });
        await admin().get(`${base}${added.id as string}/`).expect(404);
      } finally {
        await r.close();
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
      }
    }, 120_000);
  });

  describe('several hub instances and restarts', () => {
    it('two instances on one database deliver each object once, in order; a new instance continues where stopped ones left', async () => {
      const key = secret();
      const r = await receiver(key);
      const storage2 = await openTestStorage(backend, t.config.dbPrefix);
      const second = await buildHub({ config: t.config, log: pino({ level: 'silent' }), metrics: createMetrics(false), storage: storage2 });
      second.deliverer.start();
      try {
        await register(r.url, key);
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) ids.push(...(await post(indicator(), indicator(), indicator())));
        await waitFor(() => r.accepted().length >= ids.length, { message: 'twelve objects' });
        expect(r.accepted()).toEqual(ids);

        // Every instance down: nothing is delivered, and the cursor stays in the database.
        await t.hub.deliverer.stop();
        await second.stop();
        const whileDown = await post(indicator(), indicator(), indicator());
        const third = await buildHub({ config: t.config, log: pino({ level: 'silent' }), metrics: createMetrics(false), storage: storage2 });
        try {
          expect(r.accepted()).toEqual(ids);
          third.deliverer.start();
          await waitFor(() => r.accepted().length >= ids.length + whileDown.length, { message: 'what came while every instance was down' });
          expect(r.accepted()).toEqual([...ids, ...whileDown]);
        } finally {
          await third.stop();
        }
      } finally {
        await second.stop();
        await storage2.close();
        t.hub.deliverer.start();
        await r.close();
      }
    });
  });
});
