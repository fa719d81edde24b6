/**
 * Domain errors. They carry no HTTP status: only server/http/errors.ts maps them
 * to the TAXII 2.1 error resource (§3.6.1). Storage and services throw these.
 */
export type ErrorDetails = Record<string, unknown>;

export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A resource that does not exist, or that the caller may not see: the two look the same. */
export class NotFound extends DomainError {
  readonly code = 'not_found';
}

/** The request is malformed: a bad parameter, a bad token, a bad body shape. */
export class BadRequest extends DomainError {
  constructor(
    readonly code: string,
    message: string,
    details?: ErrorDetails,
  ) {
    super(message, details);
  }
}

/** No credentials, or credentials that do not verify. */
export class Unauthenticated extends DomainError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The caller can see the resource but may not do this to it (e.g. write to a read-only collection). */
export class Forbidden extends DomainError {
  readonly code = 'forbidden';
}

/** The path exists but does not take this method (RFC 9110 §15.5.6): the answer lists `allowed`. */
export class MethodNotAllowed extends DomainError {
  readonly code = 'method_not_allowed';
  constructor(
    message: string,
    readonly allowed: readonly string[],
  ) {
    super(message);
  }
}

export class NotAcceptable extends DomainError {
  readonly code = 'not_acceptable';
}

/** A body the hub cannot read: its media type (unsupported_media_type) or its Content-Encoding. */
export class UnsupportedMediaType extends DomainError {
  constructor(
    message: string,
    details?: ErrorDetails,
    readonly code: 'unsupported_media_type' | 'unsupported_content_encoding' = 'unsupported_media_type',
  ) {
    super(message, details);
  }
}

export class PayloadTooLarge extends DomainError {
  constructor(
    readonly code: string,
    message: string,
    details?: ErrorDetails,
  ) {
    super(message, details);
  }
}

export class TooManyRequests extends DomainError {
  readonly code = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The database or another dependency cannot be reached. */
export class Unavailable extends DomainError {
  readonly code = 'unavailable';
}
