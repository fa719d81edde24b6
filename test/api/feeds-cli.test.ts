/**
 * `npx puente feeds …` (scripts/feeds.ts) run as a real process against a live hub with real
 * token verification, pulling from the awkward TAXII server: add, list, show, run, runs (with
 * the invalid object and its reason), pause/resume, reset-cursor, remove; the source's bearer
 * token reaches the source and is printed nowhere.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../server/paths';
import { TLP2_MARKING_IDS } from '../../server/stix/markings';
import { ORG_CO_CERT, ORG_EU_CERT, TokenKit } from '../support/auth';
import { startAwkwardTaxii, type AwkwardServer } from '../support/awkward-taxii';
import { TAXII } from '../support/hub';
import { startLiveHub, type LiveHub } from '../support/live-hub';

jest.setTimeout(180_000);

const SOURCE_SECRET = 'src-bearer-4f1d9c2a7e8b0361';
let kit: TokenKit;
let hub: LiveHub;
let upstream: AwkwardServer;
let adminToken: string;
let tokenFile: string;

beforeAll(async () => {
  kit = new TokenKit();
  [hub, upstream] = await Promise.all([startLiveHub({ env: kit.env() }), startAwkwardTaxii('invalid-object', 250)]);
  adminToken = kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer', 'admin'] }, 'person', 'analyst-admin');
  tokenFile = path.join(kit.dir, 'admin.jwt');
  fs.writeFileSync(tokenFile, `${adminToken}\n`);
}, 90_000);

afterAll(async () => {
  await hub?.stop();
  await upstream?.close();
  kit?.cleanup();
});

/** The real CLI, asynchronously (the awkward server answers from this process meanwhile). */
function puente(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/puente.ts', ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME ?? os.tmpdir(), PUENTE_HUB_URL: hub.url, PUENTE_TOKEN: adminToken, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npx puente feeds', () => {
  it('adds, lists, shows, runs, pauses, resumes, resets and removes a subscription; the source secret is never printed', async () => {
    const printed: string[] = [];
    const ok = async (args: string[], env?: Record<string, string>) => {
      const r = await puente(['feeds', ...args, '--group', 'colombia'], env);
      printed.push(r.stdout, r.stderr);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
      return r.stdout;
    };

    const added = await ok(
      ['add', '--name', 'Awkward partner', '--kind', 'taxii21', '--url', upstream.collectionUrl, '--collection', 'indicators', '--tlp', 'green',
        '--label', 'from-partner', '--page-size', '100', '--auth', 'bearer', '--secret-env', 'SRC_TOKEN', '--schedule', '0 3 * * *'],
      { SRC_TOKEN: SOURCE_SECRET },
    );
    const id = /^added ([0-9a-f-]{36})$/m.exec(added)![1]!;
    expect(added).toContain('auth bearer');
    expect(added).toContain(TLP2_MARKING_IDS.green);

    expect(await ok(['list'])).toMatch(new RegExp(`^${id}  active  taxii21 +never run  Awkward partner  ${upstream.collectionUrl}$`, 'm'));

    const run = await ok(['run', id]);
    expect(run).toMatch(/ok +pages 3 {2}new 249 {2}duplicate 0 {2}invalid 1 {2}retries 0/);
    const bad = upstream.objects[5]!.id as string;
    expect(run).toContain(`invalid ${bad}: `);
    expect(upstream.requests.length).toBeGreaterThanOrEqual(3);
    expect(upstream.requests.every((r) => r.authorization === `Bearer ${SOURCE_SECRET}`)).toBe(true);

    // Nothing new upstream: the cursor makes the second run fetch one page and store nothing.
    expect(await ok(['run', id])).toMatch(/ok +pages 1 {2}new 0 {2}duplicate 0 {2}invalid 0/);
    const runs = await ok(['runs', id, '--limit', '5']);
    expect(runs.split('\n').filter((l) => / (ok|failed) +pages/.test(l))).toHaveLength(2);
    expect(runs).toContain(`invalid ${bad}: `);

    expect(await ok(['pause', id])).toMatch(new RegExp(`^${id}  paused`, 'm'));
    expect(await ok(['list'])).toMatch(new RegExp(`^${id}  paused  taxii21 +ok 20`, 'm'));
    const shown = await ok(['show', id]);
    expect(shown).toMatch(/kind taxii21, paused, schedule "0 3 \* \* \*"/);
    expect(shown).toContain('last runs:');
    expect(await ok(['resume', id])).toMatch(new RegExp(`^${id}  active`, 'm'));
    const json = JSON.parse(await ok(['show', id, '--json'])) as { enabled: boolean; cursor: Record<string, unknown>; auth: Record<string, unknown> };
    expect(json.enabled).toBe(true);
    expect(json.auth).toEqual({ type: 'bearer' });
    expect(json.cursor.added_after).toBeDefined();
    expect((JSON.parse(await ok(['reset-cursor', id, '--json'])) as { cursor: unknown }).cursor).toEqual({});

    expect(await ok(['remove', id])).toBe(`removed ${id}\n`);
    expect(await ok(['list'])).toBe('no subscriptions in colombia\n');

    expect(printed.join('\n')).not.toContain(SOURCE_SECRET);
    expect(JSON.stringify(hub.logs())).not.toContain(SOURCE_SECRET);
    // Pause and resume are audited like the other changes, without the secret.
    const audit = await fetch(`${hub.url}/colombia/admin/audit/?limit=1000`, { headers: { Accept: TAXII, Authorization: `Bearer ${adminToken}` } });
    expect(audit.status).toBe(200);
    const entries = await audit.text();
    for (const event of ['subscriptions.added', 'subscriptions.paused', 'subscriptions.resumed', 'subscriptions.cursor_reset', 'subscriptions.removed']) expect(entries).toContain(event);
    expect(entries).not.toContain(SOURCE_SECRET);
  });

  it('reads the admin token from --token-file and says what the hub refused, with exit code 1', async () => {
    const viaFile = await puente(['feeds', 'list', '--group', 'colombia', '--token-file', tokenFile], { PUENTE_TOKEN: '' });
    expect(viaFile).toMatchObject({ code: 0, stderr: '' });

    const outsider = kit.token(ORG_EU_CERT, { eu: ['reader', 'writer', 'admin'] }, 'person', 'eu-admin');
    const refused = await puente(['feeds', 'list', '--group', 'colombia'], { PUENTE_TOKEN: outsider });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^puente feeds: the hub answered 404 to GET \/colombia\/admin\/subscriptions\//);
    expect(refused.stderr).not.toContain(outsider);

    const noCollection = await puente(['feeds', 'add', '--group', 'colombia', '--name', 'x', '--kind', 'taxii21', '--url', upstream.collectionUrl, '--collection', 'no-such']);
    expect(noCollection.code).toBe(1);
    expect(noCollection.stderr).toContain('colombia has no collection "no-such"');
  });
});
