/**
 * TAXII requires TLS: with a certificate the hub serves HTTPS; without one it refuses to listen
 * anywhere but loopback (unless a TLS-terminating proxy is configured).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startLiveHub } from '../support/live-hub';
import { REPO_ROOT } from '../../server/paths';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-tls-'));
const cert = path.join(dir, 'cert.pem');
const key = path.join(dir, 'key.pem');

beforeAll(() => {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('serves HTTPS when given a certificate and key', async () => {
  const hub = await startLiveHub({ env: { PUENTE_TLS_CERT: cert, PUENTE_TLS_KEY: key } });
  try {
    const body = await new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
      https
        .get(
          { host: '127.0.0.1', port: hub.port, path: '/taxii2/', ca: fs.readFileSync(cert), headers: { Accept: 'application/taxii+json;version=2.1' } },
          (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text }));
          },
        )
        .on('error', reject);
    });
    expect(body.status).toBe(200);
    expect(body.type).toBe('application/taxii+json;version=2.1');
    expect(JSON.parse(body.text).api_roots[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/colombia\/$/);
  } finally {
    await hub.stop();
  }
});

it('refuses to serve plain HTTP on a reachable address, naming the settings to fix it', () => {
  const r = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['server/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PUENTE_HOST: '0.0.0.0', PUENTE_JWKS_PATH: path.join(dir, 'jwks.json'), MONGODB_URI: 'mongodb://127.0.0.1:1/' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/TAXII requires TLS.*PUENTE_TLS_CERT.*PUENTE_TRUST_PROXY/s);
});
