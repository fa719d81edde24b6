/**
 * The web console end to end in headless Chromium (Debian's chromium driven by playwright-core)
 * against a real hub and database with real tokens: log in, search a value, open an object with
 * its graph, acknowledge and close an alert from the queue, and, as another organisation of the
 * same trust group, find the AMBER object nowhere. Screenshots go to test-artifacts/.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestHub, type TestHub } from '../support/hub';
import { client } from '../support/taxii';
import { indicator, malware, stixId } from '../support/stix';
import { TokenKit, ORG_CO_CERT, ORG_CO_MIN } from '../support/auth';
import { TLP2_MARKING_IDS } from '../../server/stix/markings';
import { REPO_ROOT } from '../../server/paths';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const kit = new TokenKit();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-console-'));
let t: TestHub;
let server: http.Server;
let base: string;
let browser: Browser;
const tok: Record<string, string> = {};
const violations: string[] = [];

const secret = indicator({ name: 'Amber secret lead', pattern: "[ipv4-addr:value = '203.0.113.99']", object_marking_refs: [TLP2_MARKING_IDS.amber] });
const family = malware({ name: 'Gridcrusher' });
const rel = {
  type: 'relationship', spec_version: '2.1', id: stixId('relationship'), created: '2026-01-03T00:00:00.000Z', modified: '2026-01-03T00:00:00.000Z',
  relationship_type: 'indicates', source_ref: secret.id, target_ref: family.id, object_marking_refs: [TLP2_MARKING_IDS.amber],
};
const scanner = indicator({ name: 'Scanner on the grid', pattern: "[ipv4-addr:value = '192.0.2.77']", object_marking_refs: [TLP2_MARKING_IDS.clear] });

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const config = path.join(dir, 'correlation.json');
  fs.writeFileSync(config, JSON.stringify({ colombia: { protectedAssets: { cidrs: ['192.0.2.0/24'] } } }));
  t = await startTestHub({ ...kit.env(), PUENTE_CORRELATION_SETTLE_MS: '0', PUENTE_CORRELATION_CONFIG: config });
  tok.admin = kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer', 'admin'] }, 'cert', 'admin-co');
  tok.ana = kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer'] }, 'person', 'ana@co');
  tok.rita = kit.token(ORG_CO_MIN, { colombia: ['reader'] }, 'person', 'rita@co');
  const co = client(t.app, { Authorization: `Bearer ${tok.admin}` });
  await co.add('colombia', 'indicators', [secret, family, rel, scanner]);
  await request(t.app).post('/colombia/admin/jobs/correlation/run').set('Authorization', `Bearer ${tok.admin}`).expect(200);
  server = http.createServer(t.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => server.close(() => r()));
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
  kit.cleanup();
  expect(violations).toEqual([]);
});

async function loggedIn(token: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  // CSP refusals and script errors; a 404 for an object the user may not read is expected.
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy|Refused/.test(m.text())) violations.push(m.text()); });
  page.on('pageerror', (e) => violations.push(e.message));
  await page.goto(`${base}/console/`);
  await page.getByLabel('Bearer token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Search' }).waitFor();
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

describe('the console in headless Chromium', () => {
  it('is served with a strict CSP and no inline script', async () => {
    const res = await request(t.app).get('/console/').expect(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    await request(t.app).get('/console/vendor/cytoscape.esm.min.mjs').expect(200);
  });

  it('logs in, searches a value, and opens the object with its markings and graph', async () => {
    const page = await loggedIn(tok.ana!);
    await page.getByLabel('Observable value').fill('203.0.113.99');
    await page.getByRole('button', { name: 'Look up', exact: true }).click();
    await page.locator('#results').getByRole('link', { name: 'Amber secret lead' }).waitFor();
    await shot(page, 'console-search');
    await page.locator('#results').getByRole('link', { name: 'Amber secret lead' }).click();
    await page.getByRole('heading', { name: 'indicator: Amber secret lead' }).waitFor();
    await page.locator('#links').getByText('indicates').waitFor();
    await page.locator('#graph canvas').first().waitFor();
    expect(await page.locator('pre').first().textContent()).toContain(secret.id as string);
    expect(await page.locator('main').textContent()).toContain('TLP:AMBER');
    await shot(page, 'console-object');
  });

  it('acknowledges an alert from the keyboard and closes it with a reason', async () => {
    const page = await loggedIn(tok.ana!);
    await page.goto(`${base}/console/#/alerts`);
    await page.locator('#queue tbody tr.current').waitFor();
    await page.locator('#queue tbody tr').first().press('a');
    await page.locator('#queue tbody tr .status', { hasText: 'acknowledged' }).waitFor();
    await shot(page, 'console-alerts');
    await page.locator('#queue tbody tr').first().press('Enter');
    await page.getByRole('heading', { name: /^Alert: / }).waitFor();
    await page.getByLabel('status').selectOption('closed');
    await page.getByLabel('reason').selectOption('true_positive');
    await page.getByLabel('comment').fill('Confirmed with the operator.');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#alert-status', { hasText: 'closed' }).waitFor();
    expect(await page.locator('#history li').count()).toBe(2);
  });

  it('draws objects added per day as the API counts them for each user, and feed health for admins only', async () => {
    const today = async (token: string) => {
      const res = await request(t.app).get('/colombia/search/activity/?days=14').set('Authorization', `Bearer ${token}`).set('Accept', 'application/json').expect(200);
      return res.body.days[13].objects as number;
    };
    const admin = await loggedIn(tok.admin!);
    await admin.goto(`${base}/console/#/dashboard`);
    await admin.getByRole('heading', { name: 'Objects added per day (last 14 days)' }).waitFor();
    const bars = admin.locator('.bar-row .bar-n');
    expect(await bars.count()).toBe(14);
    expect(Number(await bars.last().textContent())).toBe(await today(tok.admin!));
    await admin.getByRole('heading', { name: 'Feeds' }).waitFor();
    await admin.getByText('No subscriptions.').waitFor();
    await shot(admin, 'console-dashboard');
    const rita = await loggedIn(tok.rita!);
    await rita.goto(`${base}/console/#/dashboard`);
    await rita.getByRole('heading', { name: 'Objects added per day (last 14 days)' }).waitFor();
    const ritaToday = Number(await rita.locator('.bar-row .bar-n').last().textContent());
    expect(ritaToday).toBe(await today(tok.rita!));
    // The AMBER indicator and its AMBER relationship are the admin's organisation's only.
    expect(ritaToday).toBeLessThanOrEqual((await today(tok.admin!)) - 2);
    await rita.getByText("Feed health is shown to the group's admins.").waitFor();
  });

  it('shows another organisation of the group the AMBER object nowhere', async () => {
    const page = await loggedIn(tok.rita!);
    const main = page.locator('main');
    await page.getByLabel('Observable value').fill('203.0.113.99');
    await page.getByRole('button', { name: 'Look up', exact: true }).click();
    await page.getByText('No matches.').waitFor();
    await page.getByLabel('Words in name, description, aliases, labels').fill('amber secret');
    await page.getByRole('button', { name: 'Search text' }).click();
    await page.getByText('No matches.').waitFor();
    await page.getByRole('link', { name: 'Collections' }).click();
    await page.getByRole('link', { name: 'Indicators' }).click();
    await page.getByRole('heading', { name: 'Objects' }).waitFor();
    expect(await main.textContent()).not.toMatch(/amber/i);
    expect(await main.textContent()).toContain('Scanner on the grid');
    await page.goto(`${base}/console/#/object/${encodeURIComponent(await colId('indicators'))}/${secret.id}`);
    await page.getByText('Not found (or not yours to see).').waitFor();
    await page.goto(`${base}/console/#/object/${encodeURIComponent(await colId('indicators'))}/${family.id}`);
    await page.getByRole('heading', { name: 'malware: Gridcrusher' }).waitFor();
    await page.locator('#links').getByText('No relationships.').waitFor();
    await page.goto(`${base}/console/#/dashboard`);
    await page.getByRole('heading', { name: 'Objects by TLP' }).waitFor();
    expect(await main.textContent()).not.toMatch(/amber/i);
    await shot(page, 'console-other-organisation');
  });
});

async function colId(alias: string): Promise<string> {
  return client(t.app, { Authorization: `Bearer ${tok.admin}` }).collectionId('colombia', alias);
}
