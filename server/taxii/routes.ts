/**
 * TAXII 2.1 routers (§4 Discovery and API roots, §5 Collections and objects). Handlers are a
 * few lines: parse, call the service, answer. Every route is authenticated first.
 */
import { Router, type Request, type RequestHandler } from 'express';
import { principalOf } from '../auth/middleware';
import { parseQuery, type Param } from '../http/query';
import { negotiate, readBody, requireTaxiiBody, sendTaxii } from '../http/taxii';
import type { ObjectDoc } from '../storage/objects';
import type { TaxiiService, PageResult } from './service';

export interface RouteDeps {
  service: TaxiiService;
  authenticate: RequestHandler[];
  maxContentLength: number;
  pageSizeMax: number;
  publicUrl?: string;
}

const PAGED: readonly Param[] = ['added_after', 'limit', 'next', 'match[id]', 'match[type]', 'match[version]', 'match[spec_version]'];
const OBJECT: readonly Param[] = ['added_after', 'limit', 'next', 'match[version]', 'match[spec_version]'];
const VERSIONS: readonly Param[] = ['added_after', 'limit', 'next', 'match[spec_version]'];
const DELETE: readonly Param[] = ['match[version]', 'match[spec_version]'];

function dateHeaders(docs: ObjectDoc[]): Record<string, string> {
  if (docs.length === 0) return {};
  return { 'X-TAXII-Date-Added-First': docs[0]!.meta.added, 'X-TAXII-Date-Added-Last': docs[docs.length - 1]!.meta.added };
}

/** The envelope is assembled from the stored JSON texts: objects are never re-serialised. */
function envelope(page: PageResult): string {
  const head = `{"more":${page.more}${page.next ? `,"next":${JSON.stringify(page.next)}` : ''}`;
  if (page.docs.length === 0) return `${head}}`;
  return `${head},"objects":[${page.docs.map((d) => d.raw).join(',')}]}`;
}

function manifest(page: PageResult): string {
  const objects = page.docs.map((d) => ({
    id: d.meta.id,
    date_added: d.meta.added,
    version: d.meta.verRaw,
    media_type: 'application/stix+json;version=2.1',
  }));
  return JSON.stringify({ more: page.more, ...(page.next ? { next: page.next } : {}), ...(objects.length ? { objects } : {}) });
}

export function taxiiRouter(d: RouteDeps): Router {
  const r = Router({ strict: false });
  const pre = [...d.authenticate, negotiate];
  const q = (req: Request, allowed: readonly Param[]) => parseQuery(req.query as Record<string, unknown>, allowed, d.pageSizeMax);
  const baseUrl = (req: Request) => d.publicUrl ?? `${req.protocol}://${req.get('host')}`;

  r.get('/taxii2/', ...pre, async (req, res) => {
    q(req, []);
    sendTaxii(res, 200, await d.service.discovery(principalOf(res), baseUrl(req)));
  });
  r.get('/:root/', ...pre, async (req, res) => {
    q(req, []);
    sendTaxii(res, 200, await d.service.apiRoot(principalOf(res), req.params.root as string));
  });
  r.get('/:root/collections/', ...pre, async (req, res) => {
    q(req, []);
    sendTaxii(res, 200, await d.service.collections(principalOf(res), req.params.root as string));
  });
  r.get('/:root/collections/:col/', ...pre, async (req, res) => {
    q(req, []);
    sendTaxii(res, 200, await d.service.getCollection(principalOf(res), req.params.root as string, req.params.col as string));
  });
  r.get('/:root/collections/:col/objects/', ...pre, async (req, res) => {
    const page = await d.service.page(principalOf(res), req.params.root as string, req.params.col as string, q(req, PAGED), 'objects');
    sendTaxii(res, 200, envelope(page), dateHeaders(page.docs));
  });
  r.post(
    '/:root/collections/:col/objects/',
    ...pre,
    requireTaxiiBody,
    (req, _res, next) => {
      q(req, []);
      next();
    },
    ...readBody(d.maxContentLength),
    async (req, res) => {
      const status = await d.service.addObjects(principalOf(res), req.params.root as string, req.params.col as string, req.body);
      sendTaxii(res, 202, status);
    },
  );
  r.get('/:root/collections/:col/manifest/', ...pre, async (req, res) => {
    const page = await d.service.page(principalOf(res), req.params.root as string, req.params.col as string, q(req, PAGED), 'manifest');
    sendTaxii(res, 200, manifest(page), dateHeaders(page.docs));
  });
  r.get('/:root/collections/:col/objects/:id/', ...pre, async (req, res) => {
    const { root, col, id } = req.params as Record<string, string>;
    const page = await d.service.page(principalOf(res), root!, col!, q(req, OBJECT), 'object', id);
    sendTaxii(res, 200, envelope(page), dateHeaders(page.docs));
  });
  r.delete('/:root/collections/:col/objects/:id/', ...pre, async (req, res) => {
    const { root, col, id } = req.params as Record<string, string>;
    await d.service.deleteObject(principalOf(res), root!, col!, id!, q(req, DELETE));
    res.status(200).setHeader('Content-Type', 'application/taxii+json;version=2.1');
    res.end();
  });
  r.get('/:root/collections/:col/objects/:id/versions/', ...pre, async (req, res) => {
    const { root, col, id } = req.params as Record<string, string>;
    const page = await d.service.page(principalOf(res), root!, col!, q(req, VERSIONS), 'versions', id);
    // TAXII 2.1 §5.8: versions in sorted order (pages follow date_added; each page is sorted).
    const versions = [...page.docs].sort((a, b) => (a.meta.ver < b.meta.ver ? -1 : a.meta.ver > b.meta.ver ? 1 : 0)).map((x) => x.meta.verRaw);
    const body = { more: page.more, ...(page.next ? { next: page.next } : {}), versions };
    sendTaxii(res, 200, body, dateHeaders(page.docs));
  });
  r.get('/:root/status/:id/', ...pre, async (req, res) => {
    q(req, []);
    sendTaxii(res, 200, await d.service.status(principalOf(res), req.params.root as string, req.params.id as string));
  });
  return r;
}
