/**
 * Feeds in from MISP (issue 11): a subscription of kind misp, through the admin API over HTTP
 * into the real database, pulling MISP's own published sample events (PyMISP's test files, in
 * test/fixtures/misp with their licence) from a MISP-shaped REST server.
 */
import { startTestHub, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { loadMispEvent, startMispServer, type MispEventJson, type MispServer } from '../support/misp-server';
import { TLP2_MARKING_IDS } from '../../server/stix/markings';
import { DEVELOPMENT_ORGANISATION } from '../../server/auth/development';

const API_KEY = 'misp-key-7Qe2vR9tLx4bN8cW1aZk0pDs';
const FAST = { attempts: 2, timeout_ms: 1500, base_delay_ms: 20 };
const MAPPED = new Set(['ip-src', 'ip-dst', 'domain', 'hostname', 'url', 'link', 'md5', 'sha1', 'sha256', 'email-src', 'email-dst']);

let hub: TestHub;
let c: Client;
let misp: MispServer;
let target: string;
let other: string;
// Ransomware - Xorist: published, tlp:white and three other tags, md5/sha1/sha256 for IDS.
const xorist = loadMispEvent('57c4445b-c548-4654-af0b-4be3950d210f.json');
// Sednit update: unpublished, tlp:white, 68 domain/ip-dst/sha1 attributes for IDS, most in objects.
const sednit = loadMispEvent('existing_event.json');
// Unpublished, no attribute for IDS: contributes nothing.
const plain = loadMispEvent('misp_event.json');

/** The to_ids attributes of an event Puente has a STIX pattern for (objects' attributes included). */
function idsAttributes(e: MispEventJson) {
  return [...(e.Attribute ?? []), ...(e.Object ?? []).flatMap((o) => o.Attribute ?? [])].filter((a) => a.to_ids && MAPPED.has(a.type));
}

beforeAll(async () => {
  [hub, misp] = await Promise.all([startTestHub(), startMispServer(API_KEY, [plain, xorist, sednit])]);
  c = client(hub.app);
  target = await c.collectionId('colombia', 'indicators');
  other = await c.collectionId('colombia', 'incidents');
}, 90_000);

afterAll(async () => {
  await hub?.close();
  await misp?.close();
});

async function subscribe(body: Record<string, unknown>): Promise<string> {
  const res = await c
    .post('/colombia/admin/subscriptions/', { name: 'misp', kind: 'misp', url: misp.url, collection: target, retry: FAST, auth: { type: 'header', header: 'Authorization', value: API_KEY }, ...body })
    .expect(201);
  return res.body.id as string;
}

async function run(id: string) {
  return (await c.post(`/colombia/admin/subscriptions/${id}/run`, '').expect(200)).body as { outcome: string; new: number; duplicate: number; invalid: number; pages: number; errors: string[]; invalid_objects: unknown[] };
}

async function stored(id: string, collection = target) {
  const page = await hub.storage.group('colombia').objects.page({ collection, viewer: { organisation: DEVELOPMENT_ORGANISATION }, versions: { all: true }, limit: 10_000 });
  return page.docs.filter((d) => d.meta.feed?.subscription === id).map((d) => JSON.parse(d.raw) as Record<string, unknown> & { id: string; type: string });
}

describe('a MISP subscription pulling MISP sample events', () => {
  it('turns to_ids attributes into indicators, TLP tags into markings, other tags into labels, and a re-run stores nothing', async () => {
    expect(idsAttributes(xorist)).toHaveLength(3);
    expect(idsAttributes(sednit)).toHaveLength(68);
    expect(idsAttributes(plain)).toHaveLength(0);
    const id = await subscribe({ page_size: 2 });
    const first = await run(id);
    expect(first).toMatchObject({ outcome: 'ok', invalid: 0, new: 3 + 1 + 68 + 1, pages: 2 });
    // MISP saw the key, JSON paging and no filters it was not asked for.
    expect(misp.searches.slice(-2)).toEqual([
      { returnFormat: 'json', page: 1, limit: 2 },
      { returnFormat: 'json', page: 2, limit: 2 },
    ]);

    const objects = await stored(id);
    const byName = new Map(objects.filter((o) => o.type === 'indicator').map((o) => [o.name as string, o]));
    expect(byName.get('0749bae92ca336a02c83d126e04ec628')!.pattern).toBe("[file:hashes.'MD5' = '0749bae92ca336a02c83d126e04ec628']");
    expect(byName.get('77b0c41b7d340b8a3d903f21347bbf06aa766b5b')!.pattern).toBe("[file:hashes.'SHA-1' = '77b0c41b7d340b8a3d903f21347bbf06aa766b5b']");
    expect(byName.get('b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68')!.pattern).toBe(
      "[file:hashes.'SHA-256' = 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68']",
    );
    expect(byName.get('movieultimate.com')!.pattern).toBe("[domain-name:value = 'movieultimate.com']");
    expect(byName.get('95.215.45.43')!.pattern).toBe("[ipv4-addr:value = '95.215.45.43']");
    // Not for IDS, or no STIX pattern for the type: no indicator.
    expect(objects.some((o) => String(o.pattern ?? '').includes('Xorist'))).toBe(false);
    expect([...byName.keys()].some((n) => n.startsWith('HKCU') || n.startsWith('HKEY'))).toBe(false);
    // Times come from MISP's timestamps.
    expect(byName.get('0749bae92ca336a02c83d126e04ec628')!.valid_from).toBe(new Date(1472480395_000).toISOString());

    // tlp:white is TLP 2.0 CLEAR, on the report and its indicators; the other tags are labels.
    const reports = objects.filter((o) => o.type === 'report');
    expect(reports.map((r) => r.name).sort()).toEqual([sednit.info, xorist.info].sort());
    const xr = reports.find((r) => r.name === xorist.info)!;
    expect(xr.object_marking_refs).toEqual([TLP2_MARKING_IDS.clear]);
    expect(byName.get('0749bae92ca336a02c83d126e04ec628')!.object_marking_refs).toEqual([TLP2_MARKING_IDS.clear]);
    expect(xr.labels).toEqual(['circl:incident-classification="malware"', 'ms-caro-malware:malware-type="Ransom"', 'malware_classification:malware-category="Ransomware"']);
    expect((xr.object_refs as string[]).sort()).toEqual(objects.filter((o) => o.type === 'indicator' && o.name && idsAttributes(xorist).some((a) => a.value === o.name)).map((o) => o.id).sort());
    expect(xr.external_references).toEqual([{ source_name: 'misp', external_id: xorist.uuid }]);
    const sr = reports.find((r) => r.name === sednit.info)!;
    expect(sr.labels).toContain('misp-galaxy:threat-actor="Sofacy"');
    expect(sr.labels).not.toContain('tlp:white');
    expect(objects.every((o) => JSON.stringify(o.object_marking_refs) === JSON.stringify([TLP2_MARKING_IDS.clear]))).toBe(true);

    // The cursor is the newest event timestamp: the re-run asks from there and stores nothing new.
    const again = await run(id);
    expect(again).toMatchObject({ outcome: 'ok', new: 0 });
    expect(misp.searches.at(-1)).toMatchObject({ timestamp: sednit.timestamp });
    expect(await stored(id)).toHaveLength(objects.length);
    // From the start again, every object is recognised as already stored (deterministic ids).
    await c.post(`/colombia/admin/subscriptions/${id}/reset-cursor`, '').expect(200);
    expect(await run(id)).toMatchObject({ outcome: 'ok', new: 0, duplicate: objects.length });
  });

  it('skips unpublished events when the published filter is set, and honours a tag filter', async () => {
    // Into a collection of their own: the first test's objects (same ids) would be duplicates.
    const id = await subscribe({ collection: other, filters: { published: true } });
    expect(await run(id)).toMatchObject({ outcome: 'ok', new: 4 });
    expect(misp.searches.at(-1)).toMatchObject({ published: true });
    const objects = await stored(id, other);
    expect(objects.filter((o) => o.type === 'report').map((o) => o.name)).toEqual([xorist.info]);
    expect(objects.some((o) => o.name === 'movieultimate.com')).toBe(false);

    const tagged = await subscribe({ collection: other, filters: { tags: ['misp-galaxy:threat-actor="Sofacy"'] } });
    expect(await run(tagged)).toMatchObject({ outcome: 'ok', new: 69 });
    expect((await stored(tagged, other)).filter((o) => o.type === 'report').map((o) => o.name)).toEqual([sednit.info]);
  });

  it('fails clearly with a wrong API key, stores nothing, and never shows the key', async () => {
    const id = await subscribe({ auth: { type: 'header', header: 'Authorization', value: 'not-the-key-0000000000000000' } });
    const r = await run(id);
    expect(r.outcome).toBe('failed');
    expect(r.new).toBe(0);
    expect(r.errors.join()).toMatch(/refused the credentials \(403\)/);
    expect(await stored(id)).toHaveLength(0);
    const shown = (await c.get(`/colombia/admin/subscriptions/${id}/`).expect(200)).body as { auth: unknown; health: { consecutive_failures: number; last_error?: string } };
    expect(shown.auth).toEqual({ type: 'header', header: 'Authorization' });
    expect(shown.health.consecutive_failures).toBe(1);

    const everything = JSON.stringify([
      shown,
      (await c.get('/colombia/admin/subscriptions/').expect(200)).body,
      (await c.get('/colombia/admin/audit/?limit=1000').expect(200)).body,
      r,
    ]);
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain('not-the-key');
  });
});
