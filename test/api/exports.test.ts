/**
 * Exports through HTTP into the real database (PostgreSQL), with real tokens: what each format
 * holds and leaves out, the filters, and the TAXII rules (group, collection, TLP) on every format.
 * The TLP tests fail when the viewer is removed from the export's reads (checked once).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { startTestHub, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { TokenKit, ORG_CO_CERT, ORG_CO_MIN, ORG_EU_CERT } from '../support/auth';
import { exportData, EXPECTED_TEXT } from '../support/exports-data';
import { createValidator, DEFAULT_LIMITS } from '../../server/stix';
import { CSV_COLUMNS } from '../../server/exports/formats/csv';
import { EXPORT_FORMATS } from '../../server/exports/routes';

const kit = new TokenKit();
const data = exportData();
let t: TestHub;
let co: Client;
let col: string;
const tokens = { originator: '', member: '', outsider: '' };

beforeAll(async () => {
  t = await startTestHub(kit.env());
  tokens.originator = kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer'] });
  tokens.member = kit.token(ORG_CO_MIN, { colombia: ['reader'] });
  tokens.outsider = kit.token(ORG_EU_CERT, { eu: ['reader', 'writer'] });
  co = client(t.app, { Authorization: `Bearer ${tokens.originator}` });
  col = await co.collectionId('colombia', 'indicators');
  const res = await co.add('colombia', 'indicators', [...data.exported, ...data.skipped, ...data.outOfTime, data.amber, data.red]);
  expect(res.body.failure_count).toBe(0);
});
afterAll(async () => {
  await t.close();
  kit.cleanup();
});

function get(format: string, query = '', token = tokens.member) {
  return request(t.app).get(`/colombia/collections/${col}/exports/${format}/${query}`).set('Authorization', `Bearer ${token}`);
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('text', () => {
  it('lists each exportable value once, sorted, addresses collapsed to CIDR, the rest left out and counted', async () => {
    const res = await get('text').expect(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(lines(res.text)).toEqual(EXPECTED_TEXT);
    expect(res.headers['x-puente-skipped']).toBe(String(data.skipped.length));
  });

  it('answers 304 to If-None-Match with its ETag, and 200 once the list changes', async () => {
    const first = await get('text').expect(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await get('text').set('If-None-Match', etag).expect(304);
    expect(again.text).toBe('');
    await co.add('colombia', 'indicators', [(await import('../support/stix')).indicator({ pattern: "[ipv4-addr:value = '10.9.9.9']" })]);
    const changed = await get('text').set('If-None-Match', etag).expect(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(lines(changed.text)).toContain('10.9.9.9');
  });

  it.each([
    ['observable=domain', ['evil.example.org', 'sco.example.com']],
    ['observable=md5,ipv6', ['2001:db8::1', 'd41d8cd98f00b204e9800998ecf8427e']],
    ['min_confidence=76', ['10.1.0.0/30', 'evil.example.org']],
    ['label=phishing', ['evil.example.org']],
    ['max_tlp=clear', ['bad.example.net/dl/x.exe']],
    ['match[type]=domain-name', ['sco.example.com']],
    ['match[type]=malware', []],
    ['valid_at=2026-01-01T12:00:00Z&observable=ipv4', ['10.1.0.0/30', '10.1.0.5', '10.9.9.9', '192.0.2.11', '198.19.0.1']],
    ['include_revoked=true&observable=ipv4', ['10.1.0.0/30', '10.1.0.5', '10.9.9.9', '192.0.2.11', '198.19.0.2']],
  ])('filters by %s', async (query, expected: string[]) => {
    const res = await get('text', `?${query}`).expect(200);
    expect(lines(res.text)).toEqual(expected);
  });

  it('reads a leap second in valid_at as second 59, as added_after does', async () => {
    const res = await get('text', '?valid_at=2026-01-01T12:00:60Z&observable=domain').expect(200);
    expect(lines(res.text)).toEqual(['evil.example.org', 'sco.example.com']);
  });

  it('filters by match[id] (the latest version only)', async () => {
    const res = await get('text', `?match[id]=${data.versioned}`).expect(200);
    expect(lines(res.text)).toEqual(['192.0.2.11']);
  });
});

describe('TLP and trust groups', () => {
  it('gives the originator its AMBER and RED values (so the tests below can fail)', async () => {
    const res = await get('text', '', tokens.originator).expect(200);
    expect(lines(res.text)).toEqual(expect.arrayContaining(['203.0.113.66', 'red-secret.example']));
  });

  it.each(EXPORT_FORMATS)('never gives another organisation of the group an AMBER or RED value (%s)', async (format) => {
    const res = await get(format).buffer(true).parse((r, cb) => {
      let s = '';
      r.on('data', (c: Buffer) => (s += c.toString()));
      r.on('end', () => cb(null, s));
    }).expect(200);
    const body = res.body as string;
    expect(body.length).toBeGreaterThan(0);
    for (const secret of ['203.0.113.66', 'red-secret', data.amber.id as string, data.red.id as string]) expect(body).not.toContain(secret);
  });

  it('leaves AMBER and RED out for the originator too with max_tlp=green', async () => {
    const res = await get('text', '', tokens.originator).query({ max_tlp: 'green' }).expect(200);
    expect(lines(res.text)).not.toContain('203.0.113.66');
    expect(lines(res.text)).not.toContain('red-secret.example');
    const amber = await get('text', '', tokens.originator).query({ max_tlp: 'amber' }).expect(200);
    expect(lines(amber.text)).toContain('203.0.113.66');
    expect(lines(amber.text)).not.toContain('red-secret.example');
  });

  it('answers 404 to another trust group, exactly as for an absent collection', async () => {
    const theirs = await get('text', '', tokens.outsider).expect(404);
    const absent = await request(t.app)
      .get('/colombia/collections/00000000-0000-4000-8000-000000000000/exports/text/')
      .set('Authorization', `Bearer ${tokens.member}`)
      .expect(404);
    expect(theirs.body.error_code).toBe('not_found');
    expect(absent.body.error_code).toBe('not_found');
    expect(theirs.body.title).toBe(absent.body.title);
  });

  it('answers 401 without a token', async () => {
    const res = await request(t.app).get(`/colombia/collections/${col}/exports/text/`).expect(401);
    expect(res.body.error_code).toBe('missing_token');
  });
});

describe('bad requests', () => {
  it.each([
    ['observable=ftp', 'observable'],
    ['max_tlp=purple', 'max_tlp'],
    ['min_confidence=101', 'min_confidence'],
    ['valid_at=yesterday', 'valid_at'],
    ['include_revoked=yes', 'include_revoked'],
    ['added_after=now', 'added_after'],
    ['match[type]=not_a_type', 'match[type]'],
    ['max_tlp=AMBER', 'max_tlp'],
  ])('answers 400 invalid_parameter as a TAXII error for %s', async (query, parameter) => {
    const res = await get('csv', `?${query}`).expect(400);
    expect(res.headers['content-type']).toBe('application/taxii+json;version=2.1');
    expect(res.body).toMatchObject({ error_code: 'invalid_parameter', http_status: '400', details: { parameter } });
  });

  it('answers 400 unknown_parameter for a parameter exports do not take', async () => {
    const res = await get('text', '?limit=5').expect(400);
    expect(res.body.error_code).toBe('unknown_parameter');
  });

  it('answers 404 for a format it does not make', async () => {
    const res = await get('xml').expect(404);
    expect(res.body.error_code).toBe('not_found');
  });

  it('answers 406 when Accept does not allow the format', async () => {
    const res = await get('csv').set('Accept', 'application/xml').expect(406);
    expect(res.body.error_code).toBe('not_acceptable');
  });
});

describe('csv', () => {
  it('is RFC 4180 with one row per value, read back by csv-parse', async () => {
    const res = await get('csv').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.text).toContain('\r\n');
    const rows = parse(res.text, { columns: true, relax_column_count: false }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...CSV_COLUMNS]);
    const url = rows.find((r) => r.observable_type === 'url')!;
    expect(url).toMatchObject({ value: 'http://bad.example.net/dl/x.exe', name: 'Dropper "URL"; x', confidence: '75', tlp: 'clear', source_organisation: ORG_CO_CERT });
    const domain = rows.find((r) => r.value === 'evil.example.org')!;
    expect(domain).toMatchObject({ labels: 'phishing', tlp: 'green', valid_from: '2026-01-01T00:00:00Z', valid_until: '' });
    expect(rows.filter((r) => r.observable_type === 'ipv4').map((r) => r.value).sort()).toEqual(
      ['10.1.0.0', '10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.5', '10.9.9.9', '192.0.2.11'].sort(),
    );
  });
});

describe('stix', () => {
  it('is a bundle the hub validator accepts, of the selected objects byte for byte', async () => {
    const res = await get('stix').buffer(true).parse((r, cb) => {
      let s = '';
      r.on('data', (c: Buffer) => (s += c.toString()));
      r.on('end', () => cb(null, s));
    }).expect(200);
    const text = res.body as string;
    const bundle = JSON.parse(text) as { type: string; objects: Record<string, unknown>[] };
    const v = createValidator({ limits: DEFAULT_LIMITS }).validateEnvelope(bundle);
    expect(v.verdicts.filter((x) => !x.ok)).toEqual([]);
    const domain = data.exported.find((o) => o.name === 'Phishing domain')!;
    expect(text).toContain(JSON.stringify(domain));
    expect(bundle.objects.map((o) => o.id)).not.toContain(data.skipped[0]!.id);
  });
});

describe('streaming', () => {
  it('sends the skipped count as an HTTP trailer on streamed formats', async () => {
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const { headers, trailers, body } = await new Promise<{ headers: http.IncomingHttpHeaders; trailers: NodeJS.Dict<string>; body: string }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: `/colombia/collections/${col}/exports/zeek/`, headers: { Authorization: `Bearer ${tokens.member}` } }, (res) => {
            let b = '';
            res.on('data', (c: Buffer) => (b += c.toString()));
            res.on('end', () => resolve({ headers: res.headers, trailers: res.trailers, body: b }));
          })
          .on('error', reject);
      });
      expect(headers['transfer-encoding']).toBe('chunked');
      expect(headers.trailer).toBe('X-Puente-Skipped, X-Puente-Decayed');
      expect(trailers['x-puente-decayed']).toBe('0');
      expect(trailers['x-puente-skipped']).toBe(String(data.skipped.length));
      expect(body).toContain('evil.example.org\tIntel::DOMAIN');
    } finally {
      server.close();
    }
  });
});

describe('on MongoDB (FerretDB)', () => {
  let m: TestHub;
  let mcol: string;
  beforeAll(async () => {
    m = await startTestHub(kit.env(), undefined, 'mongodb');
    const c = client(m.app, { Authorization: `Bearer ${tokens.originator}` });
    mcol = await c.collectionId('colombia', 'indicators');
    await c.add('colombia', 'indicators', [...data.exported, ...data.skipped, data.amber]);
  });
  afterAll(async () => {
    await m?.close();
  });

  it('exports the same text list through the same contract, without the AMBER value', async () => {
    const res = await request(m.app).get(`/colombia/collections/${mcol}/exports/text/`).set('Authorization', `Bearer ${tokens.member}`).expect(200);
    expect(lines(res.text)).toEqual(EXPECTED_TEXT);
    expect(res.headers['x-puente-skipped']).toBe(String(data.skipped.length));
    const mine = await request(m.app).get(`/colombia/collections/${mcol}/exports/text/`).set('Authorization', `Bearer ${tokens.originator}`).expect(200);
    expect(lines(mine.text)).toContain('203.0.113.66');
  });
});
