/**
 * Requests to a feed source (node:http/https, so TLS client certificates and private CAs need no
 * extra dispatcher): credentials from the subscription, a timeout per attempt, and the retry
 * rules of issue 11: 429/503 wait for Retry-After (capped), other 5xx, timeouts and connection
 * failures back off exponentially with full jitter, TLS failures are reported at once (retrying
 * a bad certificate never helps), every other 4xx is the caller's to handle.
 */
import http from 'node:http';
import https from 'node:https';
import type { SourceAuth, SubscriptionDoc } from '../storage/feeds';

export interface FetchOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  auth: SourceAuth;
  ca?: string;
}

export interface FetchResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface RetryPolicy {
  attempts: number;
  timeoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After honoured; longer waits end the run (the next run resumes). */
  maxRetryAfterMs: number;
  maxBodyBytes: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  timeoutMs: 60_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  maxBodyBytes: 256 * 1024 * 1024,
};

/** A failure of the source, with a message safe to show (no credentials, no body). */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryable = false,
  ) {
    super(message);
  }
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL)/;

export function isTlsError(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? '');
  return TLS_CODES.test(code) || /certificate|ssl|tls/i.test(String((err as Error)?.message ?? ''));
}

function authHeaders(a: SourceAuth): Record<string, string> {
  switch (a.type) {
    case 'basic':
      return { Authorization: `Basic ${Buffer.from(`${a.username ?? ''}:${a.password ?? ''}`).toString('base64')}` };
    case 'bearer':
      return { Authorization: `Bearer ${a.token ?? ''}` };
    case 'header':
      return { [a.header ?? 'Authorization']: a.value ?? '' };
    default:
      return {};
  }
}

/** One attempt. Rejects with the socket error; answers any status (webhook deliveries send through it too). */
export function requestOnce(url: URL, o: FetchOptions, p: RetryPolicy): Promise<FetchResult> {
  return new Promise((resolve, reject) => {
    const tls = url.protocol === 'https:';
    const lib = tls ? https : http;
    const headers: Record<string, string> = { 'User-Agent': 'puente-feeds', ...o.headers, ...authHeaders(o.auth) };
    if (o.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(o.body));
    const req = lib.request(
      url,
      {
        method: o.method ?? 'GET',
        headers,
        timeout: p.timeoutMs,
        ...(tls ? { ca: o.ca, cert: o.auth.type === 'tls' ? o.auth.cert : undefined, key: o.auth.type === 'tls' ? o.auth.key : undefined, agent: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > p.maxBodyBytes) {
            req.destroy(new SourceError(`the answer is larger than ${p.maxBodyBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${p.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap, base·2^n)]. */
export function backoffMs(attempt: number, p: RetryPolicy, random = Math.random): number {
  return Math.floor(random() * Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** attempt));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Describes where without credentials: userinfo and query are dropped. */
export function safeUrl(u: string): string {
  try {
    const x = new URL(u);
    return `${x.protocol}//${x.host}${x.pathname}`;
  } catch {
    return '(unreadable URL)';
  }
}

/**
 * A request with the retry rules above. Answers the first non-retryable response (2xx, or a 4xx
 * the caller interprets); throws SourceError when the attempts run out or TLS fails.
 */
export async function fetchWithRetry(url: string, o: FetchOptions, p: RetryPolicy, onRetry: (why: string) => void): Promise<FetchResult> {
  const u = new URL(url);
  let last = '';
  for (let attempt = 0; attempt < p.attempts; attempt++) {
    let wait: number;
    try {
      const r = await requestOnce(u, o, p);
      if (r.status === 429 || r.status === 503) {
        const after = retryAfterMs(r.headers['retry-after']);
        if (after !== undefined && after > p.maxRetryAfterMs) {
          throw new SourceError(`${safeUrl(url)} answered ${r.status} with Retry-After beyond ${p.maxRetryAfterMs} ms; the next run resumes`, r.status);
        }
        wait = after ?? backoffMs(attempt, p);
        last = `${r.status} from ${safeUrl(url)}`;
      } else if (r.status >= 500) {
        wait = backoffMs(attempt, p);
        last = `${r.status} from ${safeUrl(url)}`;
      } else {
        return r;
      }
    } catch (err) {
      if (err instanceof SourceError) throw err;
      if (isTlsError(err)) {
        throw new SourceError(`TLS failure talking to ${safeUrl(url)}: ${String((err as { code?: string }).code ?? (err as Error).message)} (not retried)`);
      }
      wait = backoffMs(attempt, p);
      last = `${String((err as { code?: string }).code ?? 'network error')} from ${safeUrl(url)}`;
    }
    if (attempt + 1 < p.attempts) {
      onRetry(last);
      await sleep(wait);
    }
  }
  throw new SourceError(`gave up after ${p.attempts} attempts: ${last}`, undefined, true);
}

/** The subscription's retry settings over the defaults. */
export function retryPolicy(s: SubscriptionDoc): RetryPolicy {
  return {
    ...DEFAULT_RETRY,
    ...(s.retry?.attempts ? { attempts: s.retry.attempts } : {}),
    ...(s.retry?.timeoutMs ? { timeoutMs: s.retry.timeoutMs } : {}),
    ...(s.retry?.baseDelayMs !== undefined ? { baseDelayMs: s.retry.baseDelayMs, maxDelayMs: Math.max(s.retry.baseDelayMs * 16, 1) } : {}),
    ...(s.retry?.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: s.retry.maxRetryAfterMs } : {}),
  };
}
