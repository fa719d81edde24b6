/** Requests per token per minute (fixed one-minute windows, in process). Over the limit: 429. */
import type { RequestHandler } from 'express';
import { TooManyRequests } from '../errors';

export function rateLimit(perMinute: number, now: () => number = Date.now): RequestHandler {
  let window = Math.floor(now() / 60_000);
  let counts = new Map<string, number>();
  return (_req, res, next) => {
    const w = Math.floor(now() / 60_000);
    if (w !== window) {
      window = w;
      counts = new Map();
    }
    const p = res.locals.principal as { tokenId?: string; subject?: string } | undefined;
    const key = p?.tokenId ?? p?.subject ?? 'anonymous';
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    if (n > perMinute) {
      throw new TooManyRequests(`More than ${perMinute} requests this minute for this token; retry later.`, 60 - Math.floor((now() / 1000) % 60));
    }
    next();
  };
}
