/**
 * Opaque `next` tokens (TAXII 2.1 §3.4.2). A token carries the keyset position and is bound,
 * by an HMAC, to the endpoint, the filters and the caller: a forged token, or one replayed with
 * other filters or by another caller, is refused.
 */
import crypto from 'node:crypto';
import { BadRequest } from '../errors';

export interface Cursor {
  added: string;
  key: string;
}

export class PageTokens {
  private readonly key: Buffer;
  constructor(secret: string) {
    this.key = Buffer.from(secret, 'utf8');
  }

  private mac(binding: string, body: string): string {
    return crypto.createHmac('sha256', this.key).update(binding).update('\n').update(body).digest('base64url').slice(0, 32);
  }

  issue(binding: string, cursor: Cursor): string {
    const body = Buffer.from(JSON.stringify([cursor.added, cursor.key]), 'utf8').toString('base64url');
    return `${body}.${this.mac(binding, body)}`;
  }

  open(binding: string, token: string): Cursor {
    const refuse = (): never => {
      throw new BadRequest(
        'invalid_next',
        'The next token is not valid for this request: use it unchanged, with the same filters and credentials as the request that returned it.',
      );
    };
    const [body, mac] = token.split('.');
    if (!body || !mac || token.length > 2048) return refuse();
    const expected = this.mac(binding, body);
    if (mac.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return refuse();
    try {
      const [added, key] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown[];
      if (typeof added === 'string' && typeof key === 'string') return { added, key };
    } catch {
      // fall through
    }
    return refuse();
  }
}

/** The binding of a token: everything that must match when it is replayed. */
export function bindingOf(parts: (string | string[] | number | boolean | undefined | object)[]): string {
  return JSON.stringify(parts);
}
