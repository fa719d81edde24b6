/**
 * Federation: a collection mirrored to a partner hub. Objects of the local collection are read
 * in (date_added, key) order after the mirror's cursor and POSTed as envelopes to the partner's
 * TAXII 2.1 collection (exact JSON text); the status is followed until complete; a failed POST
 * fails the run with the cursor left where it was, so the next run retries it (the partner
 * dedupes by id and version). Only what a sharing policy may move leaves: CLEAR, GREEN and
 * unmarked objects; AMBER, AMBER+STRICT and RED never do. No loop: objects the partner's
 * organisation submitted here, or that a subscription pulled from the partner's host, are not
 * sent back.
 */
import { SourceError, fetchWithRetry, retryPolicy, safeUrl } from './http';
import type { FeedRunDoc, SubscriptionDoc } from '../storage/feeds';
import type { ObjectDoc } from '../storage/objects';
import type { GroupStores } from '../storage/trust-groups';
import type { RunnerDeps } from './deps';

const TAXII21 = 'application/taxii+json;version=2.1';
const LEAVES = new Set([null, 'clear', 'green']);
/** Reads as nobody in particular: restricted objects are never in the page. */
const MIRROR_VIEWER = { organisation: 'identity--00000000-0000-4000-8000-00000000feed' };
const STATUS_POLLS = 20;

function sameHost(a: string, b: string): boolean {
  try {
    return new URL(a).host === new URL(b).host;
  } catch {
    return false;
  }
}

export function leaves(d: ObjectDoc, s: Pick<SubscriptionDoc, 'url' | 'partnerOrganisation'>): boolean {
  if (d.meta.restricted || !LEAVES.has(d.meta.tlp)) return false;
  if (s.partnerOrganisation && d.meta.org === s.partnerOrganisation) return false;
  if (d.meta.feed && sameHost(d.meta.feed.source, s.url)) return false;
  return true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function pushPage(_d: RunnerDeps, g: GroupStores, s: SubscriptionDoc, run: FeedRunDoc, stillOurs: () => Promise<void>): Promise<void> {
  const target = s.url.endsWith('/') ? s.url : `${s.url}/`;
  const apiRoot = target.replace(/collections\/[^/]+\/$/, '');
  const policy = retryPolicy(s);
  const onRetry = () => void run.retries++;
  let after = s.cursor.added && s.cursor.key ? { added: s.cursor.added, key: s.cursor.key } : undefined;
  for (;;) {
    const page = await g.objects.page({ collection: s.collection, viewer: MIRROR_VIEWER, versions: { all: true }, after, limit: s.pageSize });
    run.pages++;
    const out = page.docs.filter((x) => leaves(x, s));
    if (out.length) {
      const body = `{"objects":[${out.map((x) => x.raw).join(',')}]}`;
      const r = await fetchWithRetry(`${target}objects/`, { method: 'POST', headers: { Accept: TAXII21, 'Content-Type': TAXII21 }, body, auth: s.auth, ca: s.ca }, policy, onRetry);
      if (r.status !== 202 && r.status !== 200) throw new SourceError(`${safeUrl(target)} answered ${r.status} to the envelope`, r.status);
      let status = JSON.parse(r.text) as { id?: string; status?: string; success_count?: number; failures?: { id: string; message?: string }[] };
      for (let i = 0; status.status !== 'complete' && status.id && i < STATUS_POLLS; i++) {
        await sleep(Math.min(5000, 250 * 2 ** i));
        const st = await fetchWithRetry(`${apiRoot}status/${status.id}/`, { headers: { Accept: TAXII21 }, auth: s.auth, ca: s.ca }, policy, onRetry);
        if (st.status === 200) status = JSON.parse(st.text) as typeof status;
      }
      if (status.status !== 'complete') throw new SourceError(`the partner's status ${status.id ?? ''} is still pending; the next run retries this page`);
      run.new += out.length - (status.failures?.length ?? 0);
      for (const f of status.failures ?? []) {
        run.invalid++;
        if (run.invalidObjects.length < 100) run.invalidObjects.push({ id: f.id, reason: (f.message ?? '').slice(0, 500) });
      }
    }
    run.withheld = (run.withheld ?? 0) + page.docs.length - out.length;
    const last = page.docs.at(-1);
    await stillOurs();
    if (last) {
      after = { added: last.meta.added, key: last._id };
      await g.subscriptions.update(s._id, { cursor: { added: after.added, key: after.key } });
    }
    await g.subscriptions.saveRun(run);
    if (!page.more) return;
  }
}
