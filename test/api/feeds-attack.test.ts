/**
 * The README's one-command ATT&CK subscription (issue 11, "Done when"): the command is read from
 * the README's feeds section and run as written in a shell, only the source's origin pointed at a
 * local TAXII 2.1 server (the awkward test server, no fault) serving the ATT&CK for ICS 18.1
 * bundle shipped in reference/ics-attack, and the admin token file path made absolute. Then
 * `feeds run`, and the ATT&CK objects must be in the collection the command names.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../server/paths';
import { ORG_CO_CERT, TokenKit } from '../support/auth';
import { startAwkwardTaxii, type AwkwardServer } from '../support/awkward-taxii';
import { TAXII } from '../support/hub';
import { startLiveHub, type LiveHub } from '../support/live-hub';

jest.setTimeout(180_000);

const ATTACK_ORIGIN = 'https://attack-taxii.mitre.org';
const bundle = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'reference', 'ics-attack', 'ics-attack-18.1.json'), 'utf8')) as { objects: Record<string, unknown>[] };
// A slice keeps the run short and still holds every kind of ATT&CK object that matters here.
const wanted = ['attack-pattern', 'x-mitre-tactic', 'malware', 'intrusion-set', 'x-mitre-matrix', 'x-mitre-collection', 'identity', 'marking-definition'];
const slice = [
  ...bundle.objects.filter((o) => wanted.includes(String(o.type))),
  ...bundle.objects.filter((o) => o.type === 'relationship').slice(0, 100),
];

let kit: TokenKit;
let hub: LiveHub;
let upstream: AwkwardServer;
let token: string;
let tokenFile: string;

beforeAll(async () => {
  kit = new TokenKit();
  // Not seeded: the frameworks collection starts empty, so everything in it came by the feed.
  [hub, upstream] = await Promise.all([startLiveHub({ env: { ...kit.env(), PUENTE_FRAMEWORKS_SEED: 'false' } }), startAwkwardTaxii('none', 1)]);
  upstream.objects.splice(0, upstream.objects.length, ...slice);
  token = kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer', 'admin'] }, 'person', 'analyst-admin');
  tokenFile = path.join(kit.dir, 'admin.jwt');
  fs.writeFileSync(tokenFile, `${token}\n`);
}, 90_000);

afterAll(async () => {
  await hub?.stop();
  await upstream?.close();
  kit?.cleanup();
});

/** The shell block after "MITRE's public ATT&CK collection" in the README's feeds section. */
function documentedCommand(): string {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf("MITRE's public ATT&CK collection");
  expect(at).toBeGreaterThan(0);
  return /```sh\n([\s\S]*?)```/.exec(readme.slice(at))![1]!.trim();
}

function shell(command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME ?? os.tmpdir(), PUENTE_HUB_URL: hub.url, npm_config_offline: 'true' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the documented ATT&CK subscription', () => {
  it('is added by the README command, and a run brings the ATT&CK objects into the collection it names', async () => {
    const documented = documentedCommand();
    expect(documented).toContain(`--url ${ATTACK_ORIGIN}/api/v21/collections/x-mitre-collection--`);
    const local = upstream.url.replace(/\/api1\/$/, '');
    const command = documented.replaceAll(ATTACK_ORIGIN, local).replace('$(cat admin.jwt)', `$(cat '${tokenFile}')`);
    const collection = /--collection (\S+)/.exec(documented)![1]!;

    const added = await shell(command);
    expect({ code: added.code, stderr: added.stderr }).toEqual({ code: 0, stderr: '' });
    const id = /^added ([0-9a-f-]{36})$/m.exec(added.stdout)![1]!;
    expect(added.stdout).toContain(`${local}/api/v21/collections/x-mitre-collection--1f5f1533-f617-4ca8-9ab4-6a02367fa019/`);

    const run = await shell(`PUENTE_TOKEN=$(cat '${tokenFile}') npx puente feeds run ${id} --group colombia`);
    expect({ code: run.code, stderr: run.stderr, stdout: run.code ? run.stdout : '' }).toEqual({ code: 0, stderr: '', stdout: '' });
    // ATT&CK's x-mitre-collection lists every object of the release (1,824 for ICS, many more for
    // Enterprise): over PUENTE_MAX_PROPERTIES, it alone is kept out and listed; the rest is stored.
    const manifest = slice.find((o) => o.type === 'x-mitre-collection')!;
    expect(run.stdout).toMatch(new RegExp(`ok +pages \\d+ {2}new ${slice.length - 1} {2}duplicate 0 {2}invalid 1`));
    expect(run.stdout).toContain(`invalid ${manifest.id as string}: an array with 1824 members at /objects/0/x_mitre_contents exceeds 1000 (setting PUENTE_MAX_PROPERTIES)`);
    // The source was asked at the collection URL the command gave.
    expect(upstream.requests.every((r) => r.url.startsWith('/api/v21/collections/x-mitre-collection--1f5f1533-f617-4ca8-9ab4-6a02367fa019/objects/'))).toBe(true);

    const headers = { Accept: TAXII, Authorization: `Bearer ${token}` };
    const cols = (await (await fetch(`${hub.url}/colombia/collections/`, { headers })).json()) as { collections: { id: string; alias?: string }[] };
    const col = cols.collections.find((x) => x.alias === collection || x.id === collection)!;
    const got = (await (await fetch(`${hub.url}/colombia/collections/${col.id}/objects/?match[type]=attack-pattern&limit=1000`, { headers })).json()) as { objects: { id: string; external_references?: { source_name: string; external_id?: string }[] }[] };
    const techniques = slice.filter((o) => o.type === 'attack-pattern');
    expect(got.objects.map((o) => o.id).sort()).toEqual(techniques.map((o) => o.id as string).sort());
    expect(got.objects.some((o) => o.external_references?.some((r) => r.source_name === 'mitre-attack' && r.external_id === 'T0800'))).toBe(true);
  });
});
