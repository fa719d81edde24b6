/**
 * Requests per token per minute (fixed one-minute windows). The counters live in the database
 * (Storage.rateLimits), so every hub instance on one database enforces the same limit for a
 * token. Over the limit: 429 with Retry-After until the next window. A database outage answers
 * 503 like any other request that needs it.
 */
import type { RequestHandler } from 'express';
import { TooManyRequests } from '../errors';
import type { RateLimitRepository } from '../storage/contract';

export function rateLimit(perMinute: number, counters: RateLimitRepository, now: () => number = Date.now): RequestHandler {
  let pruned = Math.floor(now() / 60_000);
  return (_req, res, next) => {
    const t = now();
    const window = Math.floor(t / 60_000);
    const p = res.locals.principal as { tokenId?: string; subject?: string } | undefined;
    const key = p?.tokenId ?? p?.subject ?? 'anonymous';
    const count = async () => {
      if (window !== pruned) {
        pruned = window;
        await counters.prune(window);
      }
      const n = await counters.hit(key, window);
      if (n > perMinute) {
        throw new TooManyRequests(`More than ${perMinute} requests this minute for this token; retry later.`, 60 - Math.floor((t / 1000) % 60));
      }
    };
    count().then(() => next(), next);
  };
}
