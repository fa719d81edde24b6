/**
 * An embedded MongoDB-compatible server: a `mongod` from PATH if there is one, otherwise
 * FerretDB 1.24.2 on SQLite, built once from the wrapper module in scripts/ferretdb and cached
 * in .cache/ferretdb. It proves the MongoDB backend in the tests (a real wire-protocol server)
 * and reads the data folders of earlier versions (`puente db migrate --from ferretdb`); the
 * hub's embedded default is PostgreSQL. It listens on loopback only, on a free port, and stops
 * when its parent stops.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from '../../paths';

const WRAPPER_DIR = path.join(REPO_ROOT, 'scripts', 'ferretdb');
const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'ferretdb');
export const FERRETDB_BINARY = path.join(CACHE_DIR, 'puente-ferretdb');

export interface EmbeddedDatabase {
  kind: 'mongod' | 'ferretdb';
  uri: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** Progress messages for a person (the first FerretDB build takes a minute or two). */
  onProgress?: (message: string) => void;
  /** FerretDB even when a `mongod` is on PATH (reading FerretDB's own files). */
  preferFerretDb?: boolean;
}

export class EmbeddedDatabaseUnavailable extends Error {}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Builds the FerretDB wrapper if the cached binary is missing. Returns the build time in ms (0 if cached). */
export function ensureFerretDbBuilt(onProgress?: (m: string) => void): number {
  if (fs.existsSync(FERRETDB_BINARY)) return 0;
  if (!onPath('go')) {
    throw new EmbeddedDatabaseUnavailable(
      'No database: MONGODB_URI is not set, there is no `mongod` on PATH, and Go (>= 1.24) is not installed to build ' +
        'the embedded FerretDB. Install Go (e.g. `apt-get install golang` or from go.dev) or MongoDB, or set MONGODB_URI.',
    );
  }
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  onProgress?.('building the embedded FerretDB 1.24.2 (first run only; about a minute or two)…');
  const started = Date.now();
  // Build to a temporary name, then rename: two concurrent first runs never see half a binary.
  const tmp = `${FERRETDB_BINARY}.${process.pid}.tmp`;
  const result = spawnSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', tmp, '.'], {
    cwd: WRAPPER_DIR,
    env: { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
    encoding: 'utf8',
    // A module proxy that stops answering must fail the build, not hang the test run.
    timeout: 20 * 60_000,
  });
  if (result.status !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new EmbeddedDatabaseUnavailable(
      `Building the embedded FerretDB failed (go build in scripts/ferretdb):\n${result.stderr || result.error}`,
    );
  }
  fs.renameSync(tmp, FERRETDB_BINARY);
  return Date.now() - started;
}

function waitForExit(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  // If the hub dies without stopping the database, the child still goes: FerretDB watches
  // its stdin; this handler covers mongod and a normal process exit.
  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);
  return async () => {
    process.removeListener('exit', onExit);
    child.kill('SIGTERM');
    await waitForExit(child, 10_000);
  };
}

async function startFerretDb(dir: string): Promise<EmbeddedDatabase> {
  const child = spawn(FERRETDB_BINARY, [`--sqlite-dir=${dir}`, '--listen-addr=127.0.0.1:0'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // GOGC=400: FerretDB decodes every document it scans; fewer collections cut its CPU by ~25 %
    // for ~60 MB more memory (docs/correlation.md).
    env: { ...process.env, DO_NOT_TRACK: '1', GOGC: process.env.GOGC ?? '400' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const uri = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      try {
        resolve(String(JSON.parse(line).uri));
      } catch {
        reject(new EmbeddedDatabaseUnavailable(`unexpected output from FerretDB: ${line}`));
      }
    });
    child.once('exit', (code) =>
      reject(new EmbeddedDatabaseUnavailable(`FerretDB exited with code ${code} before listening:\n${stderr}`)),
    );
    child.once('error', (err) => reject(new EmbeddedDatabaseUnavailable(`cannot start FerretDB: ${err.message}`)));
  });
  return { kind: 'ferretdb', uri, stop: stopper(child) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startMongod(mongod: string, dir: string): Promise<EmbeddedDatabase> {
  const port = await freePort();
  const child = spawn(mongod, ['--dbpath', dir, '--bind_ip', '127.0.0.1', '--port', String(port), '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 30_000;
    const attempt = () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (child.exitCode !== null) reject(new EmbeddedDatabaseUnavailable(`mongod exited with code ${child.exitCode}`));
        else if (Date.now() > deadline) reject(new EmbeddedDatabaseUnavailable('mongod did not listen within 30 s'));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
  return { kind: 'mongod', uri: `mongodb://127.0.0.1:${port}/`, stop: stopper(child) };
}

export async function startEmbeddedDatabase(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const mongod = opts.preferFerretDb ? undefined : onPath('mongod');
  if (mongod) {
    const dir = path.resolve(opts.dataDir, 'mongod');
    fs.mkdirSync(dir, { recursive: true });
    return startMongod(mongod, dir);
  }
  ensureFerretDbBuilt(opts.onProgress);
  const dir = path.resolve(opts.dataDir, 'ferretdb');
  fs.mkdirSync(dir, { recursive: true });
  return startFerretDb(dir);
}
