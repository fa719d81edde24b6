/**
 * Conformance: schemathesis (PyPI) generates requests from openapi.yaml, valid and invalid, and
 * sends them to the real hub (server/main.ts as a child process) with real tokens, running every
 * check it has: no 5xx, every status, header, media type and body as the document describes,
 * requests valid by the document accepted and invalid ones refused, 405 with `Allow` for methods
 * a path does not take, authentication not ignored, and the stateful phase over the document's
 * links. The only failures dropped are the ones test/interop/schemathesis/puente_hooks.py names
 * (values that must have been issued by the hub, which no schema can say).
 *
 * PUENTE_ST_EXAMPLES (default 40 per operation and phase) and PUENTE_ST_SEED reproduce or widen a run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../server/paths';
import { ORG_CO_CERT, ORG_CO_MIN, TokenKit } from '../support/auth';
import { startLiveHub, type LiveHub } from '../support/live-hub';
import { ensurePythonRequirements, runVenvPython, type PythonResult } from '../support/python';
import { envelope, indicator, malware } from '../support/stix';

const TAXII = 'application/taxii+json;version=2.1';
const HERE = path.join(REPO_ROOT, 'test', 'interop', 'schemathesis');
const EXAMPLES = process.env.PUENTE_ST_EXAMPLES ?? '40';

let hub: LiveHub;
let kit: TokenKit;
let work: string;
let collection: string;
const tokens: Record<'writer' | 'reader', string> = { writer: '', reader: '' };

async function taxii(method: string, url: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${hub.url}${url}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: TAXII, ...(body ? { 'Content-Type': TAXII } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** The command line, printed with each run so a failure can be replayed by hand. */
function schemathesisArgs(token: string): string[] {
  return [
    '-m', 'schemathesis.cli',
    '--no-color',
    '--config-file', path.join(HERE, 'schemathesis.toml'),
    'run', path.join(REPO_ROOT, 'openapi.yaml'),
    '--url', hub.url,
    '--checks', 'all',
    '--phases', 'examples,coverage,fuzzing,stateful',
    '--header', `Authorization: Bearer ${token}`,
    '--max-examples', EXAMPLES,
    ...(process.env.PUENTE_ST_SEED ? ['--seed', process.env.PUENTE_ST_SEED] : []),
    // One worker: CPython 3.11 before 3.11.8 raises a spurious SystemError ("AST constructor recursion
    // depth mismatch", cpython gh-106905) when threads parse source, which hypothesis does.
    '--workers', '1',
    '--no-shrink',
    '--generation-database', 'none',
    '--request-timeout', '30',
  ];
}

/** The FAILURES and ERRORS sections of schemathesis's report (empty when there is none). */
function failures(out: string): string {
  const start = out.search(/={3,} (FAILURES|ERRORS) ={3,}/);
  if (start < 0) return '';
  const end = out.search(/={3,} (WARNINGS|SUMMARY) ={3,}/);
  return out.slice(out.lastIndexOf('\n', start) + 1, end > start ? end : undefined);
}

async function schemathesis(role: keyof typeof tokens): Promise<PythonResult & { cases: number; seconds: number }> {
  const started = Date.now();
  const run = await runVenvPython(schemathesisArgs(tokens[role]), {
    cwd: work, // schemathesis writes its cache folder into the working directory
    timeoutMs: 300_000,
    env: {
      SCHEMATHESIS_HOOKS: 'puente_hooks',
      PYTHONPATH: HERE,
      PUENTE_ST_COLLECTION: collection,
      COLUMNS: '160',
    },
  });
  const cases = Number(/(\d+) generated/.exec(run.stdout)?.[1] ?? 0);
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(`schemathesis as ${role}: ${cases} cases in ${seconds.toFixed(1)} s (exit ${run.code})\n`);
  return { ...run, cases, seconds };
}

function expectNoFailure(run: PythonResult & { cases: number }): void {
  const found = failures(run.stdout);
  if (run.code !== 0 || found) {
    const summary = run.stdout.slice(run.stdout.search(/={3,} SUMMARY ={3,}/));
    throw new Error(`schemathesis reported failures (exit ${run.code}):\n${found}\n${summary}\n${run.stderr.slice(-4000)}`);
  }
  expect(run.cases).toBeGreaterThan(500);
}

beforeAll(async () => {
  await ensurePythonRequirements('test/interop/schemathesis/requirements.txt');
  kit = new TokenKit();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-schemathesis-'));
  // The generated requests come fast: the rate limit is proven elsewhere (test/api/openapi-responses.test.ts).
  hub = await startLiveHub({ env: { ...kit.env(), PUENTE_RATE_LIMIT_PER_MINUTE: '1000000' } });
  tokens.writer = kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer'] });
  tokens.reader = kit.token(ORG_CO_MIN, { colombia: ['reader'] });
  const cols = (await taxii('GET', '/colombia/collections/', tokens.writer)).collections as { id: string; alias: string }[];
  collection = cols.find((c) => c.alias === 'indicators')!.id;
  const seeded = await taxii('POST', `/colombia/collections/${collection}/objects/`, tokens.writer, envelope(indicator(), indicator(), malware()));
  expect(seeded).toMatchObject({ success_count: 3 });
}, 600_000);

afterAll(async () => {
  kit?.cleanup();
  if (work) fs.rmSync(work, { recursive: true, force: true });
  if (hub) expect(await hub.stop()).toEqual({ code: 0, signal: null });
}, 60_000);

describe('schemathesis, every check, against a live hub', () => {
  it('finds no failure with a writer token', async () => {
    expectNoFailure(await schemathesis('writer'));
  }, 300_000);

  it('finds no failure with a reader token (writes are 403)', async () => {
    expectNoFailure(await schemathesis('reader'));
  }, 300_000);

  it('drew no 5xx from the hub', () => {
    const requests = hub.logs().filter((l) => l.msg === 'http.request');
    expect(requests.length).toBeGreaterThan(1000);
    expect(requests.filter((l) => Number(l.status) >= 500)).toEqual([]);
  });
});
