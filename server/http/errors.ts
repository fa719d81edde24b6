/**
 * The one place that maps domain errors to HTTP: the TAXII 2.1 error resource (§3.6.1).
 * `error_id` is the request id, so a CERT can quote it and an operator can find the log line.
 */
import type { ErrorRequestHandler, Response } from 'express';
import { DomainError, MethodNotAllowed, TooManyRequests, Unauthenticated, Unavailable } from '../errors';
import type { Logger } from '../logger';
import { TAXII_MEDIA_TYPE } from './media';

/** Every error_code the hub can send, with its status and title. openapi.yaml lists them all (a test checks). */
export const ERROR_CATALOGUE = {
  not_found: { status: 404, title: 'Not found' },
  forbidden: { status: 403, title: 'Forbidden' },
  tls_required: { status: 403, title: 'TLS required' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  not_acceptable: { status: 406, title: 'Not acceptable' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  unsupported_content_encoding: { status: 415, title: 'Unsupported content encoding' },
  rate_limited: { status: 429, title: 'Too many requests' },
  unavailable: { status: 503, title: 'Service unavailable' },
  internal_error: { status: 500, title: 'Internal server error' },
  missing_token: { status: 401, title: 'Authentication required' },
  invalid_token: { status: 401, title: 'Invalid token' },
  body_too_large: { status: 413, title: 'Request body too large' },
  too_many_objects: { status: 413, title: 'Too many objects' },
  invalid_json: { status: 400, title: 'Invalid JSON' },
  invalid_content_encoding: { status: 400, title: 'Body does not decode' },
  invalid_envelope: { status: 400, title: 'Invalid envelope' },
  too_deep: { status: 400, title: 'Body nested too deeply' },
  string_too_long: { status: 400, title: 'String too long' },
  too_many_properties: { status: 400, title: 'Too many properties' },
  invalid_parameter: { status: 400, title: 'Invalid query parameter' },
  unknown_parameter: { status: 400, title: 'Unknown query parameter' },
  repeated_parameter: { status: 400, title: 'Repeated query parameter' },
  invalid_next: { status: 400, title: 'Invalid pagination token' },
  invalid_request: { status: 400, title: 'Invalid request' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Retry-After on a 503: about the embedded database's restart (0.25 s and up) plus the pool's reconnect. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

/** The catalogue is the only map from an error to its status: by its code, nothing else. */
export function statusOf(err: DomainError): number | undefined {
  return (ERROR_CATALOGUE as Record<string, { status: number }>)[err.code]?.status;
}

export function sendError(
  res: Response,
  status: number,
  code: string,
  description: string,
  details?: Record<string, unknown>,
): void {
  const title = ERROR_CATALOGUE[code as ErrorCode]?.title ?? 'Error';
  res.status(status);
  res.setHeader('Content-Type', TAXII_MEDIA_TYPE);
  // Errors never leak data that was found by another path (X-TAXII headers were set by the handler).
  res.removeHeader('X-TAXII-Date-Added-First');
  res.removeHeader('X-TAXII-Date-Added-Last');
  const body: Record<string, unknown> = {
    title,
    description,
    error_id: String(res.locals.requestId ?? ''),
    error_code: code,
    http_status: String(status),
  };
  if (details) body.details = details;
  res.end(JSON.stringify(body));
}

/** raw-body's error when the client goes away mid-body (readBody passes it through). */
interface HttpishError {
  type?: string;
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const status = err instanceof DomainError ? statusOf(err) : undefined;
    if (err instanceof DomainError && status !== undefined) {
      if (err instanceof Unauthenticated) res.setHeader('WWW-Authenticate', 'Bearer realm="puente"');
      if (err instanceof TooManyRequests) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      if (err instanceof Unavailable) res.setHeader('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S));
      if (err instanceof MethodNotAllowed) res.setHeader('Allow', err.allowed.join(', '));
      return sendError(res, status, err.code, err.message, err.details);
    }
    const httpish = err as HttpishError;
    if (httpish?.type === 'request.aborted') {
      res.destroy();
      return;
    }
    log.error({ err, requestId: res.locals.requestId, path: req.path }, 'request.failed');
    return sendError(res, 500, 'internal_error', 'The server could not complete the request. Quote the error_id to the operators.');
  };
}
