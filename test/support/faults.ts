/**
 * Pieces of the fault tests (test/faults/): a compiled hub, clients that keep posting and paging
 * until told to stop, and what the hub holds, read back over TAXII.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../server/paths';
import { collectionId } from '../../server/storage/collections';
import { TAXII } from './hub';
import { indicator } from './stix';

/** Builds dist/ when a source under server/ is newer than it (npm start runs dist/). */
export function ensureBuilt(): void {
  const main = path.join(REPO_ROOT, 'dist', 'server', 'main.js');
  const built = fs.existsSync(main) ? fs.statSync(main).mtimeMs : 0;
  const newest = (dir: string): number =>
    Math.max(0, ...fs.readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs)));
  if (Math.max(newest(path.join(REPO_ROOT, 'server')), newest(path.join(REPO_ROOT, 'scripts'))) > built) execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit', timeout: 10 * 60_000 });
}

export function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-fault-'));
  fs.chmodSync(dir, 0o755); // the embedded PostgreSQL runs as user postgres when we are root
  return dir;
}

/** postgres processes working in <dataDir>/postgres (the server, or what is left of it). */
export function postgresIn(dataDir: string): number[] {
  const cluster = path.join(dataDir, 'postgres');
  return fs
    .readdirSync('/proc')
    .filter((pid) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/cwd`) === cluster && fs.readFileSync(`/proc/${pid}/comm`, 'utf8') === 'postgres\n';
      } catch {
        return false;
      }
    })
    .map(Number);
}

export async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 30_000, everyMs = 50): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, everyMs))) {
    if (await ok()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | null;
  contentType: string | null;
}
/** A request that did not get an answer: a reset, a refused connection, a timeout. */
export interface Failure {
  error: string;
}

export async function call(url: string, init: RequestInit = {}, timeoutMs = 20_000): Promise<Answer | Failure> {
  try {
    const res = await fetch(url, { ...init, headers: { Accept: TAXII, ...(init.headers ?? {}) }, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { unparsed: text.slice(0, 200) };
    }
    return { status: res.status, body, retryAfter: res.headers.get('retry-after'), contentType: res.headers.get('content-type') };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return { error: `${(err as Error).name}: ${cause?.code ?? (err as Error).message}` };
  }
}

export const isAnswer = (r: Answer | Failure): r is Answer => 'status' in r;

export const incidents = (group = 'colombia') => collectionId(group, 'incidents');

export function newEnvelope(size: number): { body: string; ids: string[] } {
  const objects = Array.from({ length: size }, () => indicator());
  return { body: JSON.stringify({ objects }), ids: objects.map((o) => o.id as string) };
}

export interface Posted {
  /** Date.now() when the request was sent. */
  started: number;
  ids: string[];
  body: string;
  answer: Answer | Failure;
}

/**
 * `clients` loops that each post envelopes of `size` new indicators until `stop()` (waiting
 * `pauseMs` after each answer); every envelope and its answer is kept.
 */
export function posters(base: string, clients: number, size: number, pauseMs = 0) {
  let running = true;
  const posted: Posted[] = [];
  const url = `${base}/colombia/collections/${incidents()}/objects/`;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const e = newEnvelope(size);
      const started = Date.now();
      const answer = await call(url, { method: 'POST', body: e.body, headers: { 'Content-Type': TAXII } });
      posted.push({ ...e, started, answer });
      if (!isAnswer(answer)) await new Promise((r) => setTimeout(r, 50)); // the hub is gone: do not spin
      else if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    }
  });
  return {
    posted,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Ids a 202 acknowledged as stored. */
export function acknowledged(posted: Posted[]): string[] {
  return posted.flatMap((p) =>
    isAnswer(p.answer) && p.answer.status === 202 ? ((p.answer.body.successes as { id: string }[] | undefined) ?? []).map((s) => s.id) : [],
  );
}

/** Every object id of the collection, paged over TAXII (one entry per stored version). */
export async function storedIds(base: string, col = incidents()): Promise<string[]> {
  const ids: string[] = [];
  let next: string | undefined;
  for (;;) {
    const q = `limit=1000${next ? `&next=${encodeURIComponent(next)}` : ''}`;
    const r = await call(`${base}/colombia/collections/${col}/objects/?${q}`, {}, 60_000);
    if (!isAnswer(r) || (r.status !== 200 && r.status !== 404)) throw new Error(`paging failed: ${JSON.stringify(r)}`);
    ids.push(...((r.body.objects as { id: string }[] | undefined) ?? []).map((o) => o.id));
    next = r.body.next as string | undefined;
    if (!r.body.more || !next) return ids;
  }
}

export function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
}
