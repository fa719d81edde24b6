/**
 * The alert workflow through HTTP into the real database, on both backends, with real tokens:
 * correlation raises an alert, a webhook and an e-mail (local SMTP receiver, parsed with
 * mailparser) announce it, analysts acknowledge, assign, comment and close it, every change is in
 * the history, and closing as a false positive allow-lists its observables for later runs.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { BACKENDS, startTestHub, type TestHub } from '../support/hub';
import { client, type Client } from '../support/taxii';
import { indicator } from '../support/stix';
import { TokenKit, ORG_CO_CERT, ORG_CO_MIN, ORG_EU_CERT } from '../support/auth';
import { TLP2_MARKING_IDS } from '../../server/stix/markings';
import { waitFor } from '../support/wait';

const kit = new TokenKit();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-alerts-'));
const configFile = path.join(dir, 'correlation.json');
fs.writeFileSync(configFile, JSON.stringify({ colombia: { protectedAssets: { cidrs: ['192.0.2.0/24'] } } }));

const mails: ParsedMail[] = [];
const hooks: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
let smtp: SMTPServer;
let smtpPort: number;
let webhook: http.Server;
let webhookPort: number;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onData(stream, _session, done) {
      simpleParser(stream).then((m) => { mails.push(m); done(); }, done);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  smtpPort = (smtp.server.address() as { port: number }).port;
  webhook = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => { hooks.push(JSON.parse(Buffer.concat(chunks).toString())); res.end('ok'); });
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
  webhookPort = (webhook.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
  await new Promise<void>((r) => webhook.close(() => r()));
  fs.rmSync(dir, { recursive: true, force: true });
  kit.cleanup();
});

describe.each(BACKENDS)('alert workflow on %s', (backend) => {
  let t: TestHub;
  let co: Client;
  const tok: Record<string, string> = {};
  const as = (who: string) => ({
    get: (p: string) => request(t.app).get(p).set('Authorization', `Bearer ${tok[who]}`).set('Accept', 'application/json'),
    post: (p: string, body: unknown) => request(t.app).post(p).set('Authorization', `Bearer ${tok[who]}`).set('Accept', 'application/json').set('Content-Type', 'application/json').send(JSON.stringify(body)),
  });
  const run = async () => {
    const res = await request(t.app).post('/colombia/admin/jobs/correlation/run').set('Authorization', `Bearer ${tok.admin}`).expect(200);
    expect(res.body.outcome).toBe('ok');
    return res.body.counts as Record<string, number>;
  };
  let alertId: string;
  const hit = indicator({ name: 'Scanner on the grid', pattern: "[ipv4-addr:value = '192.0.2.77']", object_marking_refs: [TLP2_MARKING_IDS.clear] });

  beforeAll(async () => {
    t = await startTestHub({
      ...kit.env(), PUENTE_CORRELATION_SETTLE_MS: '0', PUENTE_CORRELATION_CONFIG: configFile, PUENTE_ALERT_NOTIFY_MIN_SEVERITY: 'low',
      PUENTE_ALERT_WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/hook`, PUENTE_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      PUENTE_ALERT_EMAIL_TO: 'soc@cert.example', PUENTE_ALERT_EMAIL_FROM: 'puente@cert.example',
    }, undefined, backend);
    tok.admin = kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer', 'admin'] }, 'cert', 'admin-co');
    tok.analyst = kit.token(ORG_CO_CERT, { colombia: ['reader', 'writer'] }, 'person', 'ana@co');
    tok.reader = kit.token(ORG_CO_MIN, { colombia: ['reader'] }, 'person', 'rita@co');
    tok.eu = kit.token(ORG_EU_CERT, { eu: ['reader', 'writer'] }, 'person', 'eve@eu');
    co = client(t.app, { Authorization: `Bearer ${tok.admin}` });
    hooks.length = 0;
    mails.length = 0;
    await co.add('colombia', 'indicators', [hit]);
    expect((await run()).alerts_new).toBe(1);
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('announces the new alert once by webhook and by e-mail', async () => {
    await waitFor(() => hooks.length >= 1 && mails.length >= 1, { message: "webhook and e-mail" });
    expect(hooks).toHaveLength(1);
    alertId = hooks[0]!.alert.id;
    expect(hooks[0]).toMatchObject({ event: 'alert.new', alert: { group: 'colombia', rule: 'asset-match', tlp: 'clear', name: expect.any(String) } });
    expect(mails[0]!.subject).toContain('colombia: asset-match alert');
    expect(mails[0]!.text).toContain(alertId);
    expect((mails[0]!.to as { text: string }).text).toBe('soc@cert.example');
    await run();
    expect(hooks).toHaveLength(1);
  });

  it('lists the alert as new, with filters', async () => {
    const res = await as('analyst').get('/colombia/alerts/?status=new').expect(200);
    expect(res.body.alerts.map((a: { id: string }) => a.id)).toEqual([alertId]);
    expect(res.body.alerts[0]).toMatchObject({ rule: 'asset-match', state: { status: 'new', reason: null, assignee: null, comments: 0 }, object_refs: [hit.id] });
    expect((await as('analyst').get('/colombia/alerts/?status=closed').expect(200)).body.alerts).toEqual([]);
    expect((await as('analyst').get('/colombia/alerts/?rule=targeting').expect(200)).body.alerts).toEqual([]);
    await as('analyst').get('/colombia/alerts/?status=done').expect(400);
  });

  it('acknowledges in bulk, then assigns, comments and records who did what', async () => {
    const ack = await as('analyst').post('/colombia/alerts/acknowledge/', { ids: [alertId, 'grouping--00000000-0000-4000-8000-000000000000'] }).expect(200);
    expect(ack.body).toEqual({ acknowledged: [alertId], skipped: ['grouping--00000000-0000-4000-8000-000000000000'] });
    await as('analyst').post(`/colombia/alerts/${alertId}/`, { status: 'in_progress', assignee: 'ana@co', comment: 'Looking at the firewall logs.' }).expect(200);
    const res = await as('reader').get(`/colombia/alerts/${alertId}/`).expect(200);
    expect(res.body.state).toMatchObject({ status: 'in_progress', assignee: 'ana@co', comments: [{ by: 'ana@co', organisation: ORG_CO_CERT, text: 'Looking at the firewall logs.' }] });
    expect(res.body.state.history.map((h: { by: string; change: unknown }) => [h.by, h.change])).toEqual([
      ['ana@co', { status: 'acknowledged', reason: null }],
      ['ana@co', { status: 'in_progress', reason: null, assignee: 'ana@co', comment: true }],
    ]);
    expect(res.body.grouping.id).toBe(alertId);
  });

  it('refuses triage to a reader (403) and hides the queue from another group (404)', async () => {
    const r = await as('reader').post(`/colombia/alerts/${alertId}/`, { comment: 'mine' });
    expect([r.status, r.body.error_code]).toEqual([403, 'forbidden']);
    expect((await as('reader').post('/colombia/alerts/acknowledge/', { ids: [alertId] })).status).toBe(403);
    await as('eu').get('/colombia/alerts/').expect(404);
    await as('eu').get(`/colombia/alerts/${alertId}/`).expect(404);
  });

  it('needs a reason to close, and allow-lists the evidence when closed as a false positive', async () => {
    expect((await as('analyst').post(`/colombia/alerts/${alertId}/`, { status: 'closed' })).status).toBe(400);
    expect((await as('analyst').post(`/colombia/alerts/${alertId}/`, { status: 'closed', reason: 'benign', allow: true })).status).toBe(400);
    const closed = await as('analyst').post(`/colombia/alerts/${alertId}/`, { status: 'closed', reason: 'false_positive', allow: true }).expect(200);
    expect(closed.body.state).toMatchObject({ status: 'closed', reason: 'false_positive' });
    const list = await as('reader').get('/colombia/alerts/allowlist/').expect(200);
    expect(list.body.entries).toEqual([{ key: 'ipv4:192.0.2.77', added: expect.any(String), by: 'ana@co', alert: alertId }]);
    // A later report of the same address raises nothing; another address still does.
    await co.add('colombia', 'indicators', [indicator({ pattern: "[ipv4-addr:value = '192.0.2.77']" })]);
    const counts = await run();
    expect([counts.alerts_new, counts.suppressed]).toEqual([0, 1]);
    await co.add('colombia', 'indicators', [indicator({ pattern: "[ipv4-addr:value = '192.0.2.78']" })]);
    expect((await run()).alerts_new).toBe(1);
    // Exports respect the allow-list too: the address is in no firewall list; the other one is.
    const indicators = await co.collectionId('colombia', 'indicators');
    const edl = await request(t.app).get(`/colombia/collections/${indicators}/exports/text/`).set('Authorization', `Bearer ${tok.reader}`).expect(200);
    expect(edl.text.split('\n')).not.toContain('192.0.2.77');
    expect(edl.text.split('\n')).toContain('192.0.2.78');
  });
});
