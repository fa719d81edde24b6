/** Small helpers over supertest for TAXII requests. */
import request from 'supertest';
import type { Express } from 'express';
import { TAXII } from './hub';

export interface Client {
  get(path: string): request.Test;
  post(path: string, body: unknown): request.Test;
  del(path: string): request.Test;
  collectionId(group: string, alias: string): Promise<string>;
  add(group: string, alias: string, objects: Record<string, unknown>[]): Promise<request.Response>;
}

export function client(app: Express, headers: Record<string, string> = {}): Client {
  const withHeaders = (t: request.Test) => {
    for (const [k, v] of Object.entries(headers)) t.set(k, v);
    return t.set('Accept', TAXII);
  };
  const c: Client = {
    get: (path) => withHeaders(request(app).get(path)),
    post: (path, body) =>
      withHeaders(request(app).post(path))
        .set('Content-Type', TAXII)
        .send(typeof body === 'string' ? body : JSON.stringify(body)),
    del: (path) => withHeaders(request(app).delete(path)),
    collectionId: async (group, alias) => {
      const res = await c.get(`/${group}/collections/`).expect(200);
      const found = (res.body.collections as { id: string; alias: string }[]).find((x) => x.alias === alias);
      if (!found) throw new Error(`no collection ${alias} in ${group}`);
      return found.id;
    },
    add: async (group, alias, objects) => {
      const col = await c.collectionId(group, alias);
      return c.post(`/${group}/collections/${col}/objects/`, { objects }).expect(202);
    },
  };
  return c;
}
