/** The benchmark's TAXII client: timed requests to the hub, as a feed consumer or producer makes them. */
import http from 'node:http';

const TAXII = 'application/taxii+json;version=2.1';

export interface Reply {
  ms: number;
  status: number;
  body: string;
  headers: Headers;
}

export class HubClient {
  /**
   * POSTs go through node:http with kept-alive connections rather than fetch: the client shares
   * the machine's 2 cores with the hub and its database, and fetch spends about twice the CPU
   * per envelope (measured 5-6 ms of this process per 1,000-object POST with fetch).
   */
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  constructor(
    private readonly base: string,
    readonly group: string,
  ) {}

  /** GET, timed until the whole body is read. */
  async get(path: string, params: Record<string, string> = {}): Promise<Reply> {
    const qs = new URLSearchParams(params).toString();
    const t0 = performance.now();
    const res = await fetch(`${this.base}/${this.group}/${path}${qs ? `?${qs}` : ''}`, { headers: { accept: TAXII } });
    const body = await res.text();
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 500)}`);
    return { ms, status: res.status, body, headers: res.headers };
  }

  async collections(): Promise<Record<string, string>> {
    const { body } = await this.get('collections/');
    const { collections } = JSON.parse(body) as { collections: { id: string; alias: string }[] };
    return Object.fromEntries(collections.map((c) => [c.alias, c.id]));
  }

  /** POST an envelope; resolves with its ms once the hub answered 202 with every object stored. */
  async post(col: string, body: string, expected: number): Promise<number> {
    const t0 = performance.now();
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        `${this.base}/${this.group}/collections/${col}/objects/`,
        { method: 'POST', agent: this.agent, headers: { accept: TAXII, 'content-type': TAXII, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const ms = performance.now() - t0;
    if (status !== 202) throw new Error(`POST objects: ${status} ${text.slice(0, 500)}`);
    const reply = JSON.parse(text) as { success_count: number; failures: unknown[] };
    if (reply.success_count !== expected) {
      throw new Error(`POST objects: ${reply.success_count}/${expected} stored: ${JSON.stringify(reply.failures).slice(0, 800)}`);
    }
    return ms;
  }
}

/** The `next` token of an envelope, read from its head without parsing megabytes. */
export function nextToken(body: string): string | undefined {
  const head = /^\{"more":(true|false)(?:,"next":("(?:[^"\\]|\\.)*"))?/.exec(body);
  return head?.[1] === 'true' && head[2] ? (JSON.parse(head[2]) as string) : undefined;
}

/**
 * The keyset position inside a `next` token (white-box: the token body is base64url JSON
 * [added, key], server/http/pagination.ts), so the baseline can run the same page.
 */
export function tokenCursor(token: string): { added: string; key: string } {
  const [added, key] = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as [string, string];
  return { added, key };
}

/** Runs `jobs` with at most `concurrency` at a time; resolves with their results in order. */
export async function pooled<T>(concurrency: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return out;
}
