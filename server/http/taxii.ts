/** Shared edge pieces of the TAXII routers: content negotiation, body reading, JSON answers. */
import express, { type RequestHandler, type Response } from 'express';
import { BadRequest, NotAcceptable, PayloadTooLarge, UnsupportedMediaType } from '../errors';
import { acceptsTaxii, isTaxiiContentType, TAXII_MEDIA_TYPE } from './media';

/** TAXII 2.1 §1.6.8: 406 for an Accept the hub cannot answer. */
export const negotiate: RequestHandler = (req, _res, next) => {
  if (!acceptsTaxii(req.get('accept'))) {
    throw new NotAcceptable(`This server answers ${TAXII_MEDIA_TYPE}; the Accept header does not allow it.`);
  }
  next();
};

/** 415 before reading a byte of a body that is not TAXII JSON. */
export const requireTaxiiBody: RequestHandler = (req, _res, next) => {
  if (!isTaxiiContentType(req.get('content-type'))) {
    throw new UnsupportedMediaType(`Send the envelope as Content-Type: ${TAXII_MEDIA_TYPE}.`);
  }
  next();
};

/**
 * Reads the body up to `limit` bytes: a declared Content-Length over the limit is refused before
 * reading, a chunked body as soon as it passes the limit. Exactly `limit` bytes is accepted.
 */
export function readBody(limit: number): RequestHandler[] {
  return [
    (req, res, next) => {
      // Refuse a declared length over the limit at once, before reading a byte of it.
      const declared = Number(req.get('content-length') ?? NaN);
      if (declared > limit) {
        res.setHeader('Connection', 'close');
        throw new PayloadTooLarge('body_too_large', `The body is ${declared} bytes; this API root accepts at most ${limit} (max_content_length).`);
      }
      next();
    },
    express.raw({ type: () => true, limit }),
    (req, _res, next) => {
      const buf = req.body as Buffer | undefined;
      if (!Buffer.isBuffer(buf) || buf.length === 0) throw new BadRequest('invalid_envelope', 'The request body is empty; send a TAXII envelope {"objects": [...]}.');
      try {
        req.body = JSON.parse(buf.toString('utf8'));
      } catch (err) {
        throw new BadRequest('invalid_json', `The body is not valid JSON: ${(err as Error).message}`);
      }
      next();
    },
  ];
}

export function sendTaxii(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.status(status);
  res.setHeader('Content-Type', TAXII_MEDIA_TYPE);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}
