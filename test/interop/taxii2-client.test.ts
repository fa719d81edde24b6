/**
 * Interop: the OASIS TAXII 2.1 client (taxii2-client) and STIX library (stix2), in Python, against
 * the real hub (server/main.ts as a child process) over real HTTP. The Python side runs the whole
 * session once (test/interop/taxii_client_flow.py) and reports facts per step; each test below
 * asserts one step, and prints the step's error (request, status, body) when the client failed.
 */
import { startLiveHub, type LiveHub } from '../support/live-hub';
import { ensurePythonRequirements, runPython } from '../support/python';

type Step = { ok: boolean; skipped?: string; error?: unknown; [fact: string]: unknown };
type Report = { base: string; steps: Record<string, Step> };

let hub: LiveHub;
let report: Report;

beforeAll(async () => {
  await ensurePythonRequirements('test/interop/requirements.txt');
  hub = await startLiveHub();
  const run = await runPython('test/interop/taxii_client_flow.py', [hub.url], { timeoutMs: 120_000 });
  try {
    report = JSON.parse(run.stdout) as Report;
  } catch {
    throw new Error(`taxii_client_flow.py printed no report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}, 600_000);

afterAll(async () => {
  if (hub) {
    const exit = await hub.stop();
    expect(exit).toEqual({ code: 0, signal: null });
  }
}, 60_000);

/** The step's facts, after checking that the client got through it. */
function step(name: string): Step {
  const s = report.steps[name];
  if (!s) throw new Error(`no step ${name} in the report`);
  if (!s.ok) throw new Error(`step ${name} failed:\n${JSON.stringify(s, null, 2)}`);
  return s;
}

describe('the OASIS taxii2-client against a live hub', () => {
  it('1. discovers the API roots the development principal belongs to', () => {
    const s = step('discovery');
    expect(s.title).toBe('Puente');
    expect(s.api_roots).toEqual([`${hub.url}/colombia/`, `${hub.url}/eu/`, `${hub.url}/nato-liaison/`]);
    expect(s.default).toBe(`${hub.url}/colombia/`);
    expect(s.root_versions).toEqual(['application/taxii+json;version=2.1']);
    expect(s.root_max_content_length).toBe(10 * 1024 * 1024);
  });

  it('2. lists the collections with their permissions, and reads one by URL', () => {
    const s = step('collections');
    const byAlias = Object.fromEntries((s.collections as { alias: string; can_read: boolean; can_write: boolean }[]).map((c) => [c.alias, c]));
    expect(Object.keys(byAlias).sort()).toEqual(['alerts', 'frameworks', 'incidents', 'indicators', 'released-in']);
    expect(byAlias.indicators).toMatchObject({ can_read: true, can_write: true, media_types: ['application/stix+json;version=2.1'] });
    expect(byAlias.alerts).toMatchObject({ can_read: true, can_write: false });
    expect(s.chosen).toMatchObject({ can_read: true, can_write: true });
  });

  it('3. adds a bundle of STIX objects made with stix2 and polls its status until complete', () => {
    const s = step('add');
    const status = s.status as Record<string, unknown> & { successes: { id: string; message?: string }[] };
    expect(status).toMatchObject({ status: 'complete', polled_status: 'complete', total_count: 7, success_count: 7, failure_count: 0, pending_count: 0 });
    expect(status.successes.map((x) => x.id).sort()).toEqual([...(s.posted_ids as string[])].sort());
  });

  it('3b. raises no warning about properties that STIX 2.1 defines (e.g. malware is_family, §4.11)', () => {
    const s = step('add');
    const status = s.status as { successes: { id: string; message?: string }[] };
    // Objects made by the OASIS library with spec-defined properties only: any message is a false alarm.
    expect(status.successes.filter((x) => x.message)).toEqual([]);
  });

  it('4. pages through objects and the manifest after added_after, two at a time, seeing each added object once', () => {
    const s = step('paging');
    const posted = s.posted_ids as string[];
    expect(s.page_sizes).toEqual([2, 2, 2, 1]);
    expect(s.page_more).toEqual([true, true, true, false]);
    expect(s.next_present).toEqual([true, true, true, false]);
    expect([...(s.seen_ids as string[])].sort()).toEqual([...posted].sort());
    expect(s.seen_ids).not.toContain(s.marker_id); // §3.4.2: added_after is strictly after
    expect([...(s.round_trip_equal as string[])].sort()).toEqual([...posted].sort()); // stored exactly as sent
    expect(s.manifest_page_sizes).toEqual([2, 2, 2, 1]);
    expect(s.manifest_ids).toEqual(s.seen_ids);
    expect(s.manifest_entry).toMatchObject({ media_type: 'application/stix+json;version=2.1' });
  });

  it('5. keeps both versions of an object: versions, manifest and match[version] first/last/all/exact', () => {
    const s = step('versions');
    const [v1, v2] = s.expected_versions as string[];
    expect(s).toMatchObject({ status: 'complete', success_count: 1, versions_more: false });
    expect(s.versions).toEqual([v1, v2]);
    expect((s.manifest_last as { version: string }[]).map((m) => m.version)).toEqual([v2]);
    expect(s.manifest_all_versions).toEqual([v1, v2]);
    expect(s.get_object_latest).toEqual([v2]);
    expect(s.get_object_latest_name).toEqual(['C2 address (confirmed)']);
    expect(s.get_object_first).toEqual([v1]);
    expect(s.get_object_all).toEqual([v1, v2].sort());
    expect(s.get_object_exact).toEqual([v1]);
  });

  it('6. deletes an object: it is gone from objects, manifest and versions, and nothing else is', () => {
    const s = step('delete');
    expect(s.present_before).toBe(1);
    expect(s.after).toMatchObject({
      object: { status: 404, body: { http_status: '404' } },
      versions: { status: 404, body: { http_status: '404' } },
    });
    expect(s.in_manifest_after).toBe(false);
    expect(s.in_objects_after).toBe(false);
    expect(s.others_still_there).toEqual(s.expected_others);
  });

  it('logs every request the client made, with no server error', () => {
    const requests = hub.logs().filter((l) => l.msg === 'http.request');
    expect(requests.length).toBeGreaterThan(20);
    expect(requests.filter((l) => Number(l.status) >= 500)).toEqual([]);
  });
});
