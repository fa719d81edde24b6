/**
 * The real hub as a child process (server/main.ts, the production composition root) listening on
 * a free loopback port, for tests and benchmarks that talk to it over real HTTP. It uses the test
 * database (PUENTE_TEST_MONGODB_URI, started by global-setup) under a fresh database prefix, with
 * no JWKS, so every request acts as the development principal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { MongoClient } from 'mongodb';
import { REPO_ROOT } from '../../server/storage/embedded';

export interface LiveHubOptions {
  /** MongoDB URI; default PUENTE_TEST_MONGODB_URI. */
  mongodbUri?: string;
  /** Extra environment (PUENTE_*), applied last. */
  env?: Record<string, string>;
  /**
   * 'tsx' runs node_modules/.bin/tsx server/main.ts (a launcher process plus the hub);
   * 'node' runs `node --import tsx server/main.ts`, one process, so its pid is the hub's own
   * (for /proc/<pid>/status).
   */
  launcher?: 'tsx' | 'node';
  /** Node flags for launcher 'node' (e.g. --cpu-prof). */
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
  /** SIGTERM, wait for exit, drop this hub's databases. Resolves with the exit code (0 = clean shutdown). */
  stop(opts?: { keepDatabases?: boolean; timeoutMs?: number }): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const killOnExit = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of killOnExit) child.kill('SIGKILL');
});

function childEnv(uri: string, prefix: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // The developer's own PUENTE_* settings (a JWKS path, a port) must not leak into the test hub.
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PUENTE_') && k !== 'MONGODB_URI') env[k] = v;
  return {
    ...env,
    MONGODB_URI: uri,
    PUENTE_PORT: '0',
    PUENTE_HOST: '127.0.0.1',
    PUENTE_DB_PREFIX: prefix,
    PUENTE_LOG_LEVEL: 'info',
    PUENTE_JOBS_ENABLED: 'false',
    ...extra,
  };
}

async function dropDatabases(uri: string, prefix: string): Promise<void> {
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    const { databases } = await client.db().admin().listDatabases({ nameOnly: true });
    for (const d of databases) if (d.name.startsWith(`${prefix}-`)) await client.db(d.name).dropDatabase();
  } finally {
    await client.close();
  }
}

export async function startLiveHub(opts: LiveHubOptions = {}): Promise<LiveHub> {
  const uri = opts.mongodbUri ?? process.env.PUENTE_TEST_MONGODB_URI;
  if (!uri) throw new Error('startLiveHub: no database (run through jest, whose global-setup sets PUENTE_TEST_MONGODB_URI, or pass mongodbUri)');
  const prefix = `l${crypto.randomBytes(5).toString('hex')}`;
  const env = childEnv(uri, prefix, opts.env ?? {});
  const main = path.join('server', 'main.ts');
  const child =
    opts.launcher === 'node'
      ? spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', main], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [main], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
    stop: async ({ keepDatabases = false, timeoutMs = 20_000 } = {}) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      if (!keepDatabases) await dropDatabases(uri, prefix);
      return result;
    },
  };
}
