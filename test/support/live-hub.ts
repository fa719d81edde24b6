/**
 * The real hub as a child process (server/main.ts, the production composition root) listening on
 * a free loopback port, for tests and benchmarks that talk to it over real HTTP. It uses a test
 * database (started by global-setup; PostgreSQL unless `backend` says otherwise) under a fresh
 * name prefix, with no JWKS, so every request acts as the development principal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from '../../server/paths';
import type { Backend } from '../../server/storage/contract';
import { openStorage, type StorageSettings } from '../../server/storage/open';
import { testDatabase } from './hub';

export interface LiveHubOptions {
  /** Default: postgres (PUENTE_TEST_POSTGRES_URL). */
  backend?: Backend;
  /** Overrides the test database's connection settings (benchmarks). */
  database?: Pick<StorageSettings, 'mongodbUri' | 'postgresUrl'>;
  /** Extra environment (PUENTE_*), applied last. */
  env?: Record<string, string>;
  /**
   * 'tsx' runs node_modules/.bin/tsx server/main.ts (a launcher process plus the hub);
   * 'node' runs `node --import tsx server/main.ts`, one process, so its pid is the hub's own
   * (for /proc/<pid>/status);
   * 'dist' runs the compiled hub with the node flags of package.json's `start` script, as
   * `npm start` does (one process; dist/ must be built);
   * 'npm' runs `npm start` itself (pid is npm's; dist/ must be built);
   * 'cli' runs `scripts/puente.sh serve` (`npx puente serve`; exec's node on dist/).
   */
  launcher?: 'tsx' | 'node' | 'dist' | 'npm' | 'cli';
  /** The database name prefix (default: a random one); the same prefix reopens a hub's data. */
  prefix?: string;
  /** Node flags for launchers 'node' and 'dist' (e.g. --cpu-prof). */
  nodeArgs?: string[];
  startTimeoutMs?: number;
}

export interface LogLine {
  msg?: string;
  level?: number;
  [key: string]: unknown;
}

export interface LiveHub {
  url: string;
  port: number;
  pid: number;
  prefix: string;
  /** Parsed pino lines so far (the last 5,000). */
  logs(): LogLine[];
  stderr(): string;
  /** Sends `signal` and resolves when the process has exited (no drop of databases). */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, wait for exit, drop this hub's databases. Resolves with the exit code (0 = clean shutdown). */
  stop(opts?: { keepDatabases?: boolean; timeoutMs?: number }): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const killOnExit = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of killOnExit) child.kill('SIGKILL');
});

function childEnv(db: Pick<StorageSettings, 'mongodbUri' | 'postgresUrl'>, prefix: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // The developer's own PUENTE_* settings (a JWKS path, a port) must not leak into the test hub.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PUENTE_') && k !== 'MONGODB_URI') env[k] = v;
  return {
    ...env,
    ...(db.mongodbUri ? { MONGODB_URI: db.mongodbUri } : {}),
    ...(db.postgresUrl ? { PUENTE_POSTGRES_URL: db.postgresUrl } : {}),
    PUENTE_PORT: '0',
    PUENTE_HOST: '127.0.0.1',
    PUENTE_DB_PREFIX: prefix,
    PUENTE_LOG_LEVEL: 'info',
    PUENTE_JOBS_ENABLED: 'false',
    // 2,500 framework objects per group: only where a test asks for them.
    PUENTE_FRAMEWORKS_SEED: 'false',
    ...extra,
  };
}

/** Drops every database/schema of this prefix. */
export async function dropDatabases(db: Pick<StorageSettings, 'mongodbUri' | 'postgresUrl'>, prefix: string): Promise<void> {
  const { storage } = await openStorage({ ...db, dataDir: '', dbPrefix: prefix });
  try {
    await storage.dropAll();
  } finally {
    await storage.close();
  }
}

/** The arguments after `node` in package.json's `start` script (`exec node <flags> dist/server/main.js`). */
export function startScriptArgs(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const at = words.indexOf('node');
  if (at < 0 || !words.at(-1)!.endsWith('.js')) throw new Error(`package.json start script is not \`node … main.js\`: ${pkg.scripts.start}`);
  return words.slice(at + 1);
}

export async function startLiveHub(opts: LiveHubOptions = {}): Promise<LiveHub> {
  const db = opts.database ?? testDatabase(opts.backend);
  const prefix = opts.prefix ?? `l${crypto.randomBytes(5).toString('hex')}`;
  const env = childEnv(db, prefix, opts.env ?? {});
  const main = path.join('server', 'main.ts');
  const run = (command: string, args: string[]) => spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const child =
    opts.launcher === 'node'
      ? run(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', main])
      : opts.launcher === 'dist'
        ? run(process.execPath, [...(opts.nodeArgs ?? []), ...startScriptArgs()])
        : opts.launcher === 'npm'
          ? run('npm', ['start', '--silent'])
          : opts.launcher === 'cli'
            ? run(path.join(REPO_ROOT, 'scripts', 'puente.sh'), ['serve'])
            : run(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [main]);
  killOnExit.add(child);

  const logs: LogLine[] = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      killOnExit.delete(child);
      resolve({ code, signal });
    });
  });

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the hub did not log server.listening within ${opts.startTimeoutMs ?? 60_000} ms; stderr:\n${stderr}`));
    }, opts.startTimeoutMs ?? 60_000);
    readline.createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: 'non-json', text };
      }
      logs.push(line);
      if (logs.length > 5_000) logs.shift();
      if (line.msg === 'server.listening' && typeof line.port === 'number') {
        clearTimeout(timer);
        resolve(line.port);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the hub exited (code ${code}, signal ${signal}) before listening; stderr:\n${stderr}`));
    });
  });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    prefix,
    logs: () => [...logs],
    stderr: () => stderr,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    stop: async ({ keepDatabases = false, timeoutMs = 20_000 } = {}) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      if (!keepDatabases) await dropDatabases(db, prefix);
      return result;
    },
  };
}
