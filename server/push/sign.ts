/**
 * X-Puente-Signature: `sha256=` and the hex HMAC-SHA256 of the exact body bytes under the
 * webhook's secret (the scheme GitHub's webhooks made familiar). Receivers compare in constant time.
 */
import crypto from 'node:crypto';

export function signatureOf(secret: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** For receivers and tests: whether `header` is the signature of `body` (constant-time). */
export function verifySignature(secret: string, body: string | Buffer, header: string | undefined): boolean {
  const want = Buffer.from(`sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`);
  const got = Buffer.from(header ?? '');
  return got.length === want.length && crypto.timingSafeEqual(got, want);
}
