/**
 * A MISP-shaped REST server for the feeds tests: POST /events/restSearch with a JSON body, the
 * API key in the Authorization header (as MISP expects it), answering `{"response":[{"Event":…}]}`
 * from MISP's own sample events (test/fixtures/misp, from PyMISP). Honours the filters Puente's
 * MISP client sends: `published`, `tags` (any of them; `!tag` excludes), `timestamp` (event
 * timestamp ≥), `page`/`limit`. A wrong key gets MISP's 403. Real HTTP on a free loopback port.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from '../../server/paths';

export const MISP_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'misp');

export interface MispEventJson {
  uuid: string;
  info: string;
  published: boolean;
  timestamp: string;
  Tag?: { name: string }[];
  Attribute?: MispAttributeJson[];
  Object?: { Attribute?: MispAttributeJson[] }[];
  [k: string]: unknown;
}

export interface MispAttributeJson {
  uuid: string;
  type: string;
  value: string;
  to_ids: boolean;
  [k: string]: unknown;
}

/** A sample event file: PyMISP's files come both wrapped (`{"Event":…}`) and bare. */
export function loadMispEvent(file: string): MispEventJson {
  const json = JSON.parse(fs.readFileSync(path.join(MISP_FIXTURES, file), 'utf8')) as { Event?: MispEventJson } & MispEventJson;
  return json.Event ?? json;
}

export interface MispServer {
  url: string;
  events: MispEventJson[];
  /** Every restSearch body received, parsed. */
  searches: Record<string, unknown>[];
  close(): Promise<void>;
}

function matchesTags(e: MispEventJson, tags: unknown): boolean {
  const list = (Array.isArray(tags) ? tags : [tags]).map(String);
  const names = new Set((e.Tag ?? []).map((t) => t.name));
  const wanted = list.filter((t) => !t.startsWith('!'));
  const refused = list.filter((t) => t.startsWith('!')).map((t) => t.slice(1));
  if (refused.some((t) => names.has(t))) return false;
  return wanted.length === 0 || wanted.some((t) => names.has(t));
}

export async function startMispServer(apiKey: string, events: MispEventJson[]): Promise<MispServer> {
  const searches: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (req.headers.authorization !== apiKey) {
        return send(403, { name: 'Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.', message: 'Authentication failed.', url: req.url });
      }
      if (req.method !== 'POST' || req.url !== '/events/restSearch') return send(404, { name: 'Not Found', message: 'Not Found', url: req.url });
      let q: Record<string, unknown>;
      try {
        q = JSON.parse(raw || '{}') as Record<string, unknown>;
      } catch {
        return send(400, { name: 'Invalid JSON', message: 'Invalid JSON', url: req.url });
      }
      searches.push(q);
      let hits = events;
      if (q.published !== undefined) hits = hits.filter((e) => e.published === (q.published === true || q.published === 1 || q.published === '1'));
      if (q.tags !== undefined) hits = hits.filter((e) => matchesTags(e, q.tags));
      if (q.timestamp !== undefined) hits = hits.filter((e) => Number(e.timestamp) >= Number(q.timestamp));
      if (q.limit !== undefined) {
        const limit = Number(q.limit);
        const page = Number(q.page ?? 1);
        hits = hits.slice((page - 1) * limit, page * limit);
      }
      send(200, { response: hits.map((e) => ({ Event: e })) });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    searches,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
