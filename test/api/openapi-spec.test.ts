/**
 * openapi.yaml on its own: the helper that reads it (test/support/openapi.ts), and the rules of
 * the document that the hub's code decides, checked against that code, so that a pattern in the
 * document accepts what the hub accepts and no more (schemathesis relies on it:
 * test/interop/schemathesis.test.ts). Answers against the document: openapi-responses.test.ts.
 */
import { ERROR_CATALOGUE } from '../../server/http/errors';
import { normaliseTimestamp } from '../../server/storage/clock';
import { OpenApi } from '../support/openapi';
import { stixId } from '../support/stix';

const api = new OpenApi();
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const schema = (name: string): Json => api.components('schemas')[name] as Json;
const parameter = (name: string): Json => (api.components('parameters')[name] as Json).schema as Json;
const accepts = (s: Json, value: string) => api.check(s, value).length === 0;

describe('openapi.yaml helper', () => {
  it('finds the literal /taxii2/ before the /{api_root}/ template', () => {
    expect(api.find('GET', '/taxii2/')?.template).toBe('/taxii2/');
    expect(api.find('GET', '/eu/')?.template).toBe('/{api_root}/');
    expect(api.find('GET', `/eu/collections/c/objects/${stixId('indicator')}/versions/?limit=1`)?.template).toBe(
      '/{api_root}/collections/{collection_id}/objects/{object_id}/versions/',
    );
    expect(api.find('PUT', '/taxii2/')).toBeUndefined();
  });

  it('reports a status, header, media type or body the document does not describe', () => {
    const ok = { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r1' }, text: '{"status":"up"}' };
    expect(api.problems(ok, { method: 'GET', path: '/healthz' })).toEqual([]);
    expect(api.problems({ ...ok, status: 418 }, { method: 'GET', path: '/healthz' })[0]).toMatch(/418 is not declared/);
    expect(api.problems({ ...ok, headers: { ...ok.headers, 'x-secret': '1' } }, { method: 'GET', path: '/healthz' })[0]).toMatch(/x-secret is not declared/);
    expect(api.problems({ ...ok, headers: { 'content-type': 'text/html' } }, { method: 'GET', path: '/healthz' }).join()).toMatch(/x-request-id is missing.*text\/html is not declared/);
    expect(api.problems({ ...ok, text: '{"status":"up","extra":1}' }, { method: 'GET', path: '/healthz' })[0]).toMatch(/additional/);
    expect(api.problems(ok, { method: 'GET', path: '/nothing/here/at/all/x/y' })[0]).toMatch(/no operation/);
  });
});

describe('openapi.yaml against the code that decides', () => {
  it('takes as a query timestamp exactly what the hub parses', () => {
    const samples = [
      '2026-01-31T12:00:00Z', '2026-01-31T12:00:00.123456789Z', '2024-02-29T00:00:00Z', '2000-02-29T23:59:60Z',
      '0100-01-01T00:00:00Z', '9999-12-31T23:59:59.9Z', '2025-02-29T00:00:00Z', '1900-02-29T00:00:00Z',
      '0099-01-01T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01T24:00:00Z',
      '2026-01-01T00:60:00Z', '2026-01-01T00:00:61Z', '2026-01-01T00:00:00', '2026-01-01T00:00:00+00:00',
      '2026-01-01 00:00:00Z', '2026-01-01T00:00:00.Z', '',
    ];
    const ts = schema('QueryTimestamp');
    expect(samples.filter((s) => accepts(ts, s) !== (normaliseTimestamp(s) !== undefined))).toEqual([]);
  });

  it('gives match[version] the same timestamps, first, last, and all alone', () => {
    const v = parameter('match_version');
    for (const ok of ['all', 'first', 'last,first', '2024-02-29T00:00:00Z,last']) expect(accepts(v, ok)).toBe(true);
    for (const bad of ['all,first', 'first,', '2025-02-29T00:00:00Z', 'latest']) expect(accepts(v, bad)).toBe(false);
  });

  it('describes next as the form the hub issues', () => {
    const next = schema('PageToken');
    expect(accepts(next, `${Buffer.from('["2026-01-01T00:00:00.000000Z","k"]').toString('base64url')}.${'A'.repeat(32)}`)).toBe(true);
    for (const bad of ['', 'abc', `abc.${'A'.repeat(31)}`, `a/c.${'A'.repeat(32)}`, `${'a'.repeat(2016)}.${'A'.repeat(32)}`]) expect(accepts(next, bad)).toBe(false);
  });

  it('describes match[id] lists of STIX identifiers', () => {
    const ids = parameter('match_id');
    expect(accepts(ids, `${stixId('indicator')},x-custom-thing--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F`)).toBe(true);
    for (const bad of ['indicator', `${stixId('indicator')},`, `Indicator--${stixId('a').slice(3)}`]) expect(accepts(ids, bad)).toBe(false);
  });

  it('declares the 405 on every operation, as a TAXII error with Allow', () => {
    const undeclared = api.operations().filter((op) => {
      const [method, template] = op.split(' ');
      return !(api.paths()[template!] as Json)[method!.toLowerCase()].responses['405'];
    });
    expect(undeclared).toEqual([]);
    expect(ERROR_CATALOGUE.method_not_allowed.status).toBe(405);
    expect(Object.keys((api.components('responses').MethodNotAllowed as Json).headers)).toEqual(['X-Request-Id', 'Allow']);
  });
});
