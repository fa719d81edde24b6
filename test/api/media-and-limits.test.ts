import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startTestHub, type TestHub, TAXII } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { indicator } from '../support/stix';

const LIMIT = 8192;
let t: TestHub;
let c: Client;
let col: string;

beforeAll(async () => {
  t = await startTestHub({ PUENTE_MAX_CONTENT_LENGTH: String(LIMIT) });
  c = client(t.app);
  col = await c.collectionId('eu', 'incidents');
});
afterAll(async () => {
  await t.close();
});

/** An envelope serialised to exactly `size` bytes (padding in a custom property). */
function envelopeOfSize(size: number): string {
  const obj = indicator({ x_pad: '' });
  const empty = JSON.stringify({ objects: [obj] });
  return JSON.stringify({ objects: [{ ...obj, x_pad: 'a'.repeat(size - Buffer.byteLength(empty)) }] });
}

describe('media types', () => {
  it('answers every response, errors included, as application/taxii+json;version=2.1', async () => {
    for (const path of ['/taxii2/', '/eu/', '/eu/collections/', `/eu/collections/${col}/objects/`, '/eu/collections/nope/', '/nowhere/']) {
      const res = await c.get(path);
      expect(res.headers['content-type']).toBe(TAXII);
    }
  });

  it('answers 406 when Accept is application/xml', async () => {
    const res = await request(t.app).get('/taxii2/').set('Accept', 'application/xml').expect(406);
    expect(res.body.error_code).toBe('not_acceptable');
    expect(res.headers['content-type']).toBe(TAXII);
  });

  it('answers 406 when Accept asks for TAXII 2.0', async () => {
    await request(t.app).get('/taxii2/').set('Accept', 'application/taxii+json;version=2.0').expect(406);
  });

  it('answers 415 when a POST is application/json', async () => {
    const res = await request(t.app)
      .post(`/eu/collections/${col}/objects/`)
      .set('Accept', TAXII)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ objects: [indicator()] }))
      .expect(415);
    expect(res.body.error_code).toBe('unsupported_media_type');
  });
});

describe('max_content_length', () => {
  it('advertises the limit on the API root', async () => {
    const res = await c.get('/eu/').expect(200);
    expect(res.body.max_content_length).toBe(LIMIT);
  });

  it('accepts a body of exactly the limit', async () => {
    const body = envelopeOfSize(LIMIT);
    expect(Buffer.byteLength(body)).toBe(LIMIT);
    await c.post(`/eu/collections/${col}/objects/`, body).expect(202);
  });

  it('answers 413 for a body one byte over the limit', async () => {
    const res = await c.post(`/eu/collections/${col}/objects/`, envelopeOfSize(LIMIT + 1)).expect(413);
    expect(res.body.error_code).toBe('body_too_large');
  });

  it('answers 413 from the declared Content-Length without reading the body', async () => {
    const server = http.createServer(t.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: `/eu/collections/${col}/objects/`,
          headers: { 'Content-Type': TAXII, Accept: TAXII, 'Content-Length': String(50 * 1024 * 1024) },
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        // Send only a few bytes of the announced 50 MiB: the answer must come anyway.
        req.write('{"objects": [');
      });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).error_code).toBe('body_too_large');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('Content-Encoding of a POST body', () => {
  // Plain node:http: supertest would serialise a Buffer body of a +json type as JSON.
  let server: http.Server;
  beforeAll(async () => {
    server = http.createServer(t.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const post = (encoding: string, body: Buffer) =>
    new Promise<{ status: number; body: Record<string, unknown>; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const req = http.request({
        port: (server.address() as AddressInfo).port,
        host: '127.0.0.1',
        method: 'POST',
        path: `/eu/collections/${col}/objects/`,
        headers: { 'Content-Type': TAXII, Accept: TAXII, 'Content-Encoding': encoding, 'Content-Length': String(body.length) },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers: res.headers }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const stored = async (id: string) => (await c.get(`/eu/collections/${col}/objects/?match[id]=${id}`).expect((r) => [200, 404].includes(r.status))).body.objects?.length ?? 0;

  it.each([
    ['identity', (b: Buffer) => b],
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['br', zlib.brotliCompressSync],
    ['GZip', zlib.gzipSync],
  ] as const)('decodes a %s body and stores its objects', async (encoding, compress) => {
    const obj = indicator();
    const res = await post(encoding, compress(Buffer.from(JSON.stringify({ objects: [obj] }))));
    expect([res.status, res.body.success_count]).toEqual([202, 1]);
    expect(await stored(obj.id as string)).toBe(1);
  });

  it.each(['compress', 'zstd', 'gzip, br', 'x-unknown'])('answers 415 unsupported_content_encoding for %j and stores nothing', async (encoding) => {
    const obj = indicator();
    const res = await post(encoding, zlib.gzipSync(Buffer.from(JSON.stringify({ objects: [obj] }))));
    expect(res.status).toBe(415);
    expect(res.body.error_code).toBe('unsupported_content_encoding');
    expect(res.headers['content-type']).toBe(TAXII);
    expect(await stored(obj.id as string)).toBe(0);
  });

  it('answers 400 invalid_content_encoding for a body that does not decode', async () => {
    const plain = Buffer.from(JSON.stringify({ objects: [indicator()] }));
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await post(encoding, plain);
      expect([res.status, res.body.error_code]).toEqual([400, 'invalid_content_encoding']);
    }
    const truncated = zlib.gzipSync(plain).subarray(0, 20);
    expect((await post('gzip', truncated)).body.error_code).toBe('invalid_content_encoding');
  });

  it('applies max_content_length to the decoded size: a one-byte-over body and a decompression bomb answer 413', async () => {
    const over = zlib.gzipSync(Buffer.from(envelopeOfSize(LIMIT + 1)));
    expect(over.length).toBeLessThan(LIMIT);
    const refused = await post('gzip', over);
    expect([refused.status, refused.body.error_code]).toEqual([413, 'body_too_large']);
    expect((await post('gzip', zlib.gzipSync(Buffer.from(envelopeOfSize(LIMIT))))).body.success_count).toBe(1);
    // 256 MiB of spaces is about 250 KiB of gzip: decoding must stop at the limit, not inflate it all.
    const bomb = zlib.gzipSync(Buffer.alloc(256 * 1024 * 1024, 0x20), { level: 9 });
    const before = process.memoryUsage().rss;
    const res = await post('gzip', bomb);
    expect([res.status, res.body.error_code]).toEqual([413, 'body_too_large']);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });
});

describe('errors', () => {
  it('answers an unknown path with a TAXII 404 that shows no stack', async () => {
    const res = await c.get('/eu/collections/00000000-0000-0000-0000-000000000000/objects/').expect(404);
    expect(Object.keys(res.body).sort()).toEqual(['description', 'error_code', 'error_id', 'http_status', 'title']);
    expect(res.text).not.toMatch(/at .+\.ts:\d+/);
  });
});
