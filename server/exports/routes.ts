/**
 * GET /{api_root}/collections/{id}/exports/{format}/: the collection's indicators and SCOs for
 * tools that do not speak TAXII. Same authentication, rate limit, collection check and TLP
 * viewer as TAXII reads (TaxiiService.readableCollection / pages).
 *
 * `text` is sorted and deduplicated, so it is built from the values (never the objects) and
 * sent whole, with an ETag and X-Puente-Skipped as headers. Every other format streams page by
 * page as it is read; the count of skipped patterns is known only at the end, so it is an HTTP
 * trailer (announced by `Trailer: X-Puente-Skipped`).
 */
import crypto from 'node:crypto';
import { once } from 'node:events';
import { Router, type RequestHandler, type Response } from 'express';
import { principalOf } from '../auth/middleware';
import { NotAcceptable, NotFound } from '../errors';
import type { TaxiiService } from '../taxii/service';
import { csvFormat } from './formats/csv';
import type { ExportContext, StreamFormat } from './formats/format';
import { mispFormat } from './formats/misp';
import { snortFormat, suricataFormat } from './formats/rules';
import { stixFormat } from './formats/stix';
import { TextList } from './formats/text';
import { zeekFormat } from './formats/zeek';
import { lifetimesOf, type DecayConfig } from './decay';
import { parseExportQuery } from './query';
import { select, type Selection } from './select';

export interface ExportRouteDeps {
  service: TaxiiService;
  authenticate: RequestHandler[];
  /** Indicator lifetimes per trust group (PUENTE_INDICATOR_LIFETIMES); empty: no decay. */
  decay: DecayConfig;
}

const STREAMED: Readonly<Record<string, StreamFormat>> = {
  csv: csvFormat,
  suricata: suricataFormat,
  snort: snortFormat,
  zeek: zeekFormat,
  stix: stixFormat,
  misp: mispFormat,
};
export const EXPORT_FORMATS = ['text', ...Object.keys(STREAMED)];
const TEXT_MEDIA_TYPE = 'text/plain; charset=utf-8';

/** Accept absent, a wildcard, or naming the format's media type (parameters aside). */
function accepts(accept: string | undefined, mediaType: string): boolean {
  if (!accept) return true;
  const [type, subtype] = mediaType.split(';')[0]!.trim().toLowerCase().split('/');
  return accept.split(',').some((part) => {
    const [t, s] = part.split(';')[0]!.trim().toLowerCase().split('/');
    return (t === '*' && s === '*') || (t === type && (s === '*' || s === subtype));
  });
}

function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

async function sendText(res: Response, sel: Selection, ifNoneMatch: string | undefined): Promise<void> {
  const list = new TextList();
  for await (const it of sel.items) for (const v of it.values) list.add(v);
  const lines = list.lines();
  const body = lines.length ? `${lines.join('\n')}\n` : '';
  const etag = `"${crypto.createHash('sha256').update(body).digest('base64url')}"`;
  res.setHeader('ETag', etag);
  if (matchesEtag(ifNoneMatch, etag)) {
    res.status(304).end();
    return;
  }
  res.setHeader('X-Puente-Skipped', String(sel.skipped()));
  res.setHeader('X-Puente-Decayed', String(sel.decayed()));
  res.setHeader('X-Puente-Count', String(lines.length));
  res.status(200).setHeader('Content-Type', TEXT_MEDIA_TYPE);
  res.end(body);
}

/** Writes as it reads, about 64 KiB a write, waiting for the socket when it is full. */
async function stream(res: Response, sel: Selection, format: StreamFormat, ctx: ExportContext): Promise<void> {
  const w = format.writer(ctx);
  res.status(200).setHeader('Content-Type', format.mediaType);
  res.setHeader('Trailer', 'X-Puente-Skipped, X-Puente-Decayed');
  let buf = w.head();
  for await (const it of sel.items) {
    buf += w.item(it);
    if (buf.length >= 65536) {
      const ok = res.write(buf);
      buf = '';
      if (res.destroyed) return; // the client went away: the generator's return stops the reads
      if (!ok) await once(res, 'drain');
    }
  }
  res.write(buf + w.tail());
  res.addTrailers({ 'X-Puente-Skipped': String(sel.skipped()), 'X-Puente-Decayed': String(sel.decayed()) });
  res.end();
}

export function exportsRouter(d: ExportRouteDeps): Router {
  const r = Router({ strict: false });
  r.get('/:root/collections/:col/exports/:format/', ...d.authenticate, async (req, res) => {
    const { root, col, format } = req.params as Record<string, string>;
    const p = principalOf(res);
    const collection = await d.service.readableCollection(p, root!, col!);
    if (!EXPORT_FORMATS.includes(format!)) {
      throw new NotFound(`There is no export format "${format!.slice(0, 32)}"; formats: ${EXPORT_FORMATS.join(', ')}.`);
    }
    const filter = parseExportQuery(req.query as Record<string, unknown>);
    const streamed = STREAMED[format!];
    const mediaType = streamed?.mediaType ?? TEXT_MEDIA_TYPE;
    if (!accepts(req.get('accept'), mediaType)) throw new NotAcceptable(`The ${format} export is ${mediaType}; the Accept header does not allow it.`);
    const sel = select(d.service, p, root!, col!, filter, lifetimesOf(d.decay, root!));
    if (!streamed) return sendText(res, sel, req.get('if-none-match'));
    await stream(res, sel, streamed, { group: root!, collection, generated: new Date().toISOString() });
  });
  return r;
}
