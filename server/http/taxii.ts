/** Shared edge pieces of the TAXII routers: content negotiation, body reading, JSON answers. */
import express, { type Request, type RequestHandler, type Response } from 'express';
import { BadRequest, DomainError, NotAcceptable, PayloadTooLarge, UnsupportedMediaType } from '../errors';
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

/** Content-Encodings a body may use (decoded by body-parser with node:zlib). */
export const BODY_ENCODINGS = ['identity', 'gzip', 'deflate', 'br'] as const;

/** body-parser / raw-body / zlib failures, as the domain errors the catalogue maps. */
function bodyError(err: unknown, req: Request, limit: number): unknown {
  const e = err as { type?: string; code?: string; message?: string };
  const encoding = (req.get('content-encoding') ?? 'identity').toLowerCase();
  if (e?.type === 'encoding.unsupported') {
    return new UnsupportedMediaType(
      `Content-Encoding "${encoding}" is not supported; send the body as ${BODY_ENCODINGS.join(', ')}.`,
      { content_encoding: encoding, supported: [...BODY_ENCODINGS] },
      'unsupported_content_encoding',
    );
  }
  if (e?.type === 'entity.too.large') {
    const decoded = encoding === 'identity' ? '' : ` once decoded from ${encoding}`;
    return new PayloadTooLarge('body_too_large', `The body is larger${decoded} than this API root accepts: at most ${limit} bytes (max_content_length).`);
  }
  // zlib: a body that says it is compressed and does not decompress.
  if (typeof e?.code === 'string' && /^(Z_|ERR__ERROR_|ERR_BROTLI)/.test(e.code)) {
    return new BadRequest('invalid_content_encoding', `The body is not valid ${encoding} data: ${e.message ?? 'it does not decode'}.`);
  }
  return err;
}

/**
 * Reads the body up to `limit` bytes: a declared Content-Length over the limit is refused before
 * reading, a chunked body as soon as it passes the limit. Exactly `limit` bytes is accepted.
 * A gzip, deflate or br body is decoded as it streams and the limit applies to the decoded
 * bytes, so a decompression bomb is cut off at `limit`; other codings answer 415.
 */
export function readBody(limit: number): RequestHandler[] {
  const raw = express.raw({ type: () => true, limit, inflate: true });
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
    (req, res, next) => {
      raw(req, res, (err?: unknown) => {
        if (err === undefined) return next();
        const mapped = bodyError(err, req, limit);
        // The rest of a refused body is not read: close the connection after the answer.
        if (mapped instanceof DomainError) res.setHeader('Connection', 'close');
        next(mapped);
      });
    },
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
