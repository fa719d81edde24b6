/**
 * A hub killed with SIGKILL in the middle of a subscription run (issue 11): it was pulling a big
 * upstream (the awkward TAXII server, well-behaved, many pages). After a restart on the same
 * database the run resumes from the saved cursor: nothing stored before the kill is lost, at
 * most one page is fetched again, nothing is stored twice, and the interrupted run is closed.
 */
import crypto from 'node:crypto';
import { DEVELOPMENT_ORGANISATION } from '../../server/auth/development';
import type { Storage } from '../../server/storage/contract';
import { startAwkwardTaxii, type AwkwardServer } from '../support/awkward-taxii';
import { call, isAnswer, until } from '../support/faults';
import { openTestStorage, TAXII } from '../support/hub';
import { startLiveHub, type LiveHub } from '../support/live-hub';

jest.setTimeout(240_000);

const TOTAL = 20_000;
const PAGE = 250;
const prefix = `k${crypto.randomBytes(5).toString('hex')}`;
// The lease of the killed run expires after its minimum lifetime; the restarted hub waits for it.
const env = { PUENTE_JOB_LEASE_SECONDS: '10', PUENTE_RATE_LIMIT_PER_MINUTE: '1000000' };
let upstream: AwkwardServer;
let hub: LiveHub | undefined;
let storage: Storage;

beforeAll(async () => {
  [upstream, storage] = await Promise.all([startAwkwardTaxii('none', TOTAL), openTestStorage('postgres', prefix)]);
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  await storage?.close();
  await upstream?.close();
});

// One process (launcher 'node'): SIGKILL reaches the hub itself, not a launcher above it.
const startHub = () => startLiveHub({ launcher: 'node', prefix, env });

async function pulled(col: string, id: string) {
  const page = await storage.group('colombia').objects.page({ collection: col, viewer: { organisation: DEVELOPMENT_ORGANISATION }, versions: { all: true }, limit: TOTAL * 2 });
  return page.docs.filter((d) => d.meta.feed?.subscription === id).map((d) => d.meta.id);
}

it('resumes from the saved cursor after kill -9 mid-run: nothing lost, at most one page again, no duplicates', async () => {
  hub = await startHub();
  const cols = await call(`${hub.url}/colombia/collections/`);
  const col = ((isAnswer(cols) ? cols.body.collections : []) as { id: string; alias: string }[]).find((c) => c.alias === 'indicators')!.id;
  const added = await call(`${hub.url}/colombia/admin/subscriptions/`, {
    method: 'POST',
    headers: { 'Content-Type': TAXII },
    body: JSON.stringify({ name: 'big upstream', kind: 'taxii21', url: upstream.collectionUrl, collection: col, page_size: PAGE, schedule: '0 3 * * *', retry: { attempts: 3, base_delay_ms: 50 } }),
  });
  const id = (isAnswer(added) && added.body.id) as string;
  expect(typeof id).toBe('string');

  // Run now; kill the hub the moment its saved cursor passes page 10 (a cursor saved before its
  // page is stored would be caught here: the page would be lost). The answer never comes.
  const running = call(`${hub.url}/colombia/admin/subscriptions/${id}/run`, { method: 'POST' }, 200_000);
  const subscriptions = storage.group('colombia').subscriptions;
  await until('the cursor past page 10', async () => Number((await subscriptions.get(id))?.cursor.next ?? 0) >= 10 * PAGE, 60_000, 1);
  await hub.kill('SIGKILL');
  hub = undefined;
  expect(isAnswer(await running)).toBe(false);
  const fetchedBefore = upstream.requests.length;

  // What the dead hub left: a prefix of the upstream, stored once, and a cursor no further than it.
  const before = await pulled(col, id);
  const sub = (await subscriptions.get(id))!;
  const resumeAt = Number(sub.cursor.next);
  expect(before.length).toBeGreaterThan(0);
  expect(before.length).toBeLessThan(TOTAL);
  expect(new Set(before).size).toBe(before.length);
  expect(new Set(before)).toEqual(new Set(upstream.objects.slice(0, before.length).map((o) => o.id)));
  expect(resumeAt).toBeLessThanOrEqual(before.length);
  expect(before.length - resumeAt).toBeLessThanOrEqual(PAGE);

  hub = await startHub();
  let run: Record<string, unknown> = {};
  await until('the killed run\'s lease to expire', async () => {
    const r = await call(`${hub!.url}/colombia/admin/subscriptions/${id}/run`, { method: 'POST' }, 200_000);
    run = isAnswer(r) ? r.body : {};
    return run.outcome !== 'skipped';
  }, 60_000, 1000);
  expect(run).toMatchObject({ outcome: 'ok', invalid: 0, new: TOTAL - before.length, duplicate: before.length - resumeAt });

  // The first request after the restart carried the saved cursor: not the first page again.
  const after = upstream.requests.slice(fetchedBefore).map((r) => new URL(r.url, 'http://x').searchParams.get('next'));
  expect(after[0]).toBe(String(resumeAt));
  expect(after).not.toContain(null);

  const all = await pulled(col, id);
  expect(all).toHaveLength(TOTAL);
  expect(new Set(all)).toEqual(new Set(upstream.objects.map((o) => o.id)));

  // The interrupted run is closed in the history, not left running.
  const runs = await call(`${hub.url}/colombia/admin/subscriptions/${id}/runs/?limit=100`);
  const outcomes = ((isAnswer(runs) ? runs.body.runs : []) as { outcome: string; errors: string[] }[]).filter((r) => r.outcome !== 'skipped');
  expect(outcomes.map((r) => r.outcome)).toEqual(['ok', 'failed']);
  expect(outcomes[1]!.errors.join()).toMatch(/^interrupted: /);
});
