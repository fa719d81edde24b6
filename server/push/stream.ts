/**
 * GET /{api_root}/collections/{id}/stream/: new objects of a collection as Server-Sent Events
 * (WHATWG HTML §9.2), for a consumer with no public endpoint to receive webhooks.
 *
 * Every read goes through TaxiiService.pages (collection check, TLP viewer), so the stream shows
 * exactly what a TAXII objects read shows the caller: nothing in this file decides visibility.
 * Each event is one stored object version: `id:` its date_added, `event: object`, `data:` the
 * stored JSON (a revocation is such a version, with `revoked: true`); or one deleted version:
 * `event: deleted`, `data:` its id, type and version (push/notices.ts), `id:` the deletion's
 * date_added. Both come in one date_added order (storage/sequence.ts). `Last-Event-ID` (sent by EventSource on reconnect) and `added_after` both mean
 * "strictly after this date_added" (TAXII 2.1 §3.4.1), so a reconnect resumes where it stopped.
 *
 * Only a request that names `text/event-stream` in Accept is followed live (EventSource always
 * does). Anything else (no Accept, `*\/*`: curl, fuzzers) gets what is stored after the resume
 * point in the same format and the response ends, so no client is held open by accident.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Router, type RequestHandler, type Response } from 'express';
import { principalOf } from '../auth/middleware';
import { BadRequest, NotAcceptable } from '../errors';
import { parseQuery, strictQuery } from '../http/query';
import { normaliseTimestamp } from '../storage/clock';
import type { ObjectDoc } from '../storage/objects';
import type { Change } from '../storage/sequence';
import { deletionNotice } from './notices';
import type { TaxiiService } from '../taxii/service';

export const STREAM_MEDIA_TYPE = 'text/event-stream';
export const STREAM_PARAMS = ['added_after', 'match[type]', 'max_seconds'] as const;
export const HEARTBEAT_MS = 15_000;
const MAX_SECONDS = 3600;
const BATCH = 500;

export interface StreamRouteDeps {
  service: TaxiiService;
  authenticate: RequestHandler[];
  pollMs: number;
}

export interface StreamRequest {
  /** Strictly after this date_added (stored form). */
  after?: string;
  types?: string[];
  maxSeconds?: number;
}

function invalid(param: string, message: string): never {
  throw new BadRequest('invalid_parameter', message, { parameter: param });
}

/** Last-Event-ID wins over added_after: it is where this consumer actually stopped. */
export function parseStreamRequest(query: Record<string, unknown>, lastEventId: string | undefined): StreamRequest {
  const raw = strictQuery(query, STREAM_PARAMS);
  const taxii = parseQuery(
    { ...(raw.added_after !== undefined ? { added_after: raw.added_after } : {}), ...(raw['match[type]'] !== undefined ? { 'match[type]': raw['match[type]'] } : {}) },
    ['added_after', 'match[type]'],
    1,
  );
  const out: StreamRequest = {};
  if (taxii.addedAfter) out.after = taxii.addedAfter;
  if (taxii.types) out.types = taxii.types;
  if (lastEventId !== undefined && lastEventId !== '') {
    const t = normaliseTimestamp(lastEventId.trim(), 6);
    if (!t) invalid('Last-Event-ID', `Last-Event-ID "${lastEventId.slice(0, 64)}" is not a date_added this stream sent (an RFC 3339 UTC timestamp).`);
    out.after = t;
  }
  if (raw.max_seconds !== undefined) {
    const n = /^[0-9]{1,4}$/.test(raw.max_seconds) ? Number(raw.max_seconds) : NaN;
    if (!(n >= 1 && n <= MAX_SECONDS)) invalid('max_seconds', `max_seconds must be a whole number from 1 to ${MAX_SECONDS}.`);
    out.maxSeconds = n;
  }
  return out;
}

/** 'live' when Accept names text/event-stream, 'once' when it allows it by a wildcard or is absent, else undefined. */
export function streamMode(accept: string | undefined): 'live' | 'once' | undefined {
  if (!accept) return 'once';
  let mode: 'live' | 'once' | undefined;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (params.some((p) => /^q=0(\.0*)?$/.test(p))) continue;
    if (range === STREAM_MEDIA_TYPE) return 'live';
    if (range === '*/*' || range === 'text/*') mode = 'once';
  }
  return mode;
}

/** One event; a stored object may span lines, and each line needs its own `data:` (the client joins them with \n). */
export function eventOf(doc: ObjectDoc): string {
  return `id: ${doc.meta.added}\nevent: object\ndata: ${doc.raw.split(/\r\n|\r|\n/).join('\ndata: ')}\n\n`;
}

function changeEvent(c: Change): string {
  if (c.kind === 'object') return eventOf(c.doc);
  return `id: ${c.added}\nevent: deleted\ndata: ${JSON.stringify(deletionNotice(c.deletion))}\n\n`;
}

async function write(res: Response, text: string): Promise<void> {
  if (!res.write(text) && !res.destroyed) await Promise.race([once(res, 'drain'), once(res, 'close')]);
}

export function streamRouter(d: StreamRouteDeps): Router {
  const r = Router({ strict: false });
  r.get('/:root/collections/:col/stream/', ...d.authenticate, async (req, res) => {
    const { root, col } = req.params as Record<string, string>;
    const p = principalOf(res);
    await d.service.readableCollection(p, root!, col!);
    const q = parseStreamRequest(req.query as Record<string, unknown>, req.get('last-event-id'));
    const mode = streamMode(req.get('accept'));
    if (!mode) throw new NotAcceptable(`The stream is ${STREAM_MEDIA_TYPE}; the Accept header does not allow it.`);

    const stop = new AbortController();
    res.on('close', () => stop.abort());
    const deadline = mode === 'once' ? 0 : q.maxSeconds ? Date.now() + q.maxSeconds * 1000 : Infinity;
    if (Number.isFinite(deadline) && deadline > 0) setTimeout(() => stop.abort(), deadline - Date.now()).unref();

    res.status(200);
    res.setHeader('Content-Type', STREAM_MEDIA_TYPE);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Accel-Buffering', 'no'); // nginx: pass events on as they come
    res.flushHeaders();
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    let after = q.after;
    try {
      await write(res, ': puente stream\n\n');
      for (;;) {
        // Every version and deletion in date_added order: a revocation or a new version is an event of its own.
        for await (const changes of d.service.changes(p, root!, col!, { types: q.types, addedAfter: after }, BATCH)) {
          if (stop.signal.aborted) break;
          await write(res, changes.map(changeEvent).join(''));
          after = changes[changes.length - 1]!.added;
        }
        if (stop.signal.aborted || mode === 'once') break;
        await sleep(d.pollMs, undefined, { signal: stop.signal }).catch(() => undefined);
        if (stop.signal.aborted) break;
      }
    } finally {
      clearInterval(heartbeat);
      if (!res.destroyed) res.end();
    }
  });
  return r;
}
