/**
 * A deliberately awkward TAXII 2.1 server for the feeds tests: one collection of `count` valid
 * indicators, paged by `next` (an index), with one fault switched on at a time. Real HTTP on a
 * free loopback port (or HTTPS with a self-signed certificate).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { indicator } from './stix';

export type Fault =
  | 'none' | 'retry-after-429' | 'retry-after-503' | 'server-errors' | 'timeout' | 'more-without-next'
  | 'empty-pages' | 'duplicates' | 'expiring-next' | 'ignore-limit' | 'invalid-object';

export interface AwkwardServer {
  url: string;
  collectionUrl: string;
  requests: { url: string; authorization?: string }[];
  objects: Record<string, unknown>[];
  close(): Promise<void>;
}

const COL = '91a7b528-80eb-42ed-a74d-c6fbd5a26116';

function added(i: number): string {
  return new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace('Z', '000Z').replace(/\.(\d{3})000Z$/, '.$1000Z');
}

export async function startAwkwardTaxii(fault: Fault, count = 250, tls?: { cert: string; key: string }): Promise<AwkwardServer> {
  const tag = crypto.randomBytes(6).toString('hex');
  const objects = Array.from({ length: count }, (_, i) =>
    indicator({ id: `indicator--${String(i).padStart(8, '0')}-0000-4000-8000-${tag}`, pattern: `[ipv4-addr:value = '10.0.${Math.floor(i / 250)}.${i % 250}']` }),
  );
  if (fault === 'invalid-object') objects[5] = { ...objects[5], pattern: '[ipv4-addr:value = ' };
  const requests: AwkwardServer['requests'] = [];
  let failuresLeft = fault === 'server-errors' ? 2 : fault.startsWith('retry-after') || fault === 'timeout' ? 1 : 0;
  let nextRefused = false;
  const handler: http.RequestListener = (req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const u = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/taxii+json;version=2.1', ...headers });
      res.end(JSON.stringify(body));
    };
    if (!u.pathname.endsWith('/objects/')) return send(404, { title: 'not found' });
    if (failuresLeft > 0) {
      failuresLeft--;
      if (fault === 'retry-after-429') return send(429, { title: 'slow down' }, { 'Retry-After': '1' });
      if (fault === 'retry-after-503') return send(503, { title: 'busy' }, { 'Retry-After': '1' });
      if (fault === 'timeout') return; // never answers: the client's timeout fires
      return send(500, { title: 'oops' });
    }
    const limit = fault === 'ignore-limit' ? count : Number(u.searchParams.get('limit') ?? 100);
    const after = u.searchParams.get('added_after');
    const next = u.searchParams.get('next');
    if (fault === 'expiring-next' && next && !nextRefused) {
      nextRefused = true;
      return send(400, { title: 'next expired' });
    }
    // empty-pages: a `next` of "e<i>" answers an empty page (more: true) that points at <i>.
    if (fault === 'empty-pages' && next?.startsWith('e')) return send(200, { more: true, next: next.slice(1), objects: [] });
    let start = next ? Number(next) : 0;
    if (!next && after) start = objects.findIndex((_, i) => added(i) > after) < 0 ? count : objects.findIndex((_, i) => added(i) > after);
    let page = objects.slice(start, start + limit);
    const end = start + page.length;
    if (fault === 'duplicates' && start > 0) page = [...objects.slice(start - 10, start), ...page];
    const more = end < count;
    const headers: Record<string, string> = page.length ? { 'X-TAXII-Date-Added-First': added(start), 'X-TAXII-Date-Added-Last': added(end - 1) } : {};
    const body: Record<string, unknown> = { more, objects: page };
    if (more && fault !== 'more-without-next') body.next = fault === 'empty-pages' ? `e${end}` : String(end);
    return send(200, body, headers);
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}/api1/`;
  return {
    url,
    collectionUrl: `${url}collections/${COL}/`,
    requests,
    objects,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
