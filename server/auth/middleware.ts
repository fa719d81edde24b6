import type { RequestHandler, Response } from 'express';
import { Unauthenticated } from '../errors';
import type { Principal } from './principal';
import type { TokenVerifier } from './tokens';

// RFC 6750 §2.1: b64token after "Bearer " (case-insensitive scheme).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Reads `Authorization: Bearer`, sets `res.locals.principal`. Throws Unauthenticated; the HTTP
 * error handler answers 401 with `WWW-Authenticate: Bearer` and the TAXII error resource.
 */
export function authenticate(verifier: TokenVerifier): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization');
    if (header === undefined || !/^Bearer(\s|$)/i.test(header)) {
      throw new Unauthenticated('missing_token', 'A bearer token is required');
    }
    const m = BEARER.exec(header.trim());
    if (!m) throw new Unauthenticated('invalid_token', 'The Authorization header is not a well-formed bearer token');
    res.locals.principal = verifier.verify(m[1]);
    next();
  };
}

/** The principal `authenticate` set; a route mounted without it is a bug, not a 401. */
export function principalOf(res: Response): Principal {
  const p: unknown = res.locals.principal;
  if (typeof p !== 'object' || p === null) throw new Error('authenticate() did not run for this route');
  return p as Principal;
}
