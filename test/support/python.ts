/**
 * The Python used by the interop tests: one venv at .cache/venv (git-ignored), shared by every
 * interop test. Each test names its own requirements file; installs are additive (pip install -r,
 * never a fresh venv once one works) and idempotent (a marker per requirements-file hash).
 * jest may run test files in parallel, so creating the venv and installing run under a lock file.
 */
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../server/paths';
import { processAlive } from '../../server/storage/postgres/embedded';

const run = promisify(execFile);

export const VENV_DIR = path.join(REPO_ROOT, '.cache', 'venv');
export const VENV_PYTHON = path.join(VENV_DIR, 'bin', 'python');
const LOCK = path.join(REPO_ROOT, '.cache', 'venv.lock');
const MARKERS = path.join(VENV_DIR, '.puente-installed');
/** A lock older than this is taken to be left by a killed run (a cold install takes about a minute). */
const STALE_LOCK_MS = 10 * 60_000;


async function withLock<T>(fn: () => Promise<T>, waitMs = 15 * 60_000): Promise<T> {
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = fs.openSync(LOCK, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = 0;
      let age = 0;
      try {
        holder = Number(fs.readFileSync(LOCK, 'utf8')) || 0;
        age = Date.now() - fs.statSync(LOCK).mtimeMs;
      } catch {
        continue; // released between our attempts
      }
      if ((holder && !processAlive(holder)) || age > STALE_LOCK_MS) {
        fs.rmSync(LOCK, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK} (held by pid ${holder})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

async function venvWorks(): Promise<boolean> {
  try {
    await run(VENV_PYTHON, ['-m', 'pip', '--version']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure the venv exists and holds the packages of `requirementsFile` (absolute or relative
 * to the repository root). Returns the venv's python. The first call takes a minute or so.
 */
export async function ensurePythonRequirements(requirementsFile: string): Promise<string> {
  const file = path.resolve(REPO_ROOT, requirementsFile);
  const hash = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16);
  const marker = path.join(MARKERS, `${path.basename(file)}-${hash}`);
  if (fs.existsSync(marker)) return VENV_PYTHON;
  await withLock(async () => {
    if (fs.existsSync(marker)) return; // another worker installed it while we waited
    if (!(await venvWorks())) {
      // Missing or broken (an interrupted creation): --clear rebuilds it in place.
      await run('python3', ['-m', 'venv', '--clear', VENV_DIR]).catch((err: Error & { stderr?: string }) => {
        throw new Error(`python3 -m venv failed (install python3-venv): ${err.stderr ?? err.message}`);
      });
    }
    await run(VENV_PYTHON, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '-r', file], {
      maxBuffer: 16 * 1024 * 1024,
    }).catch((err: Error & { stderr?: string }) => {
      throw new Error(`pip install -r ${requirementsFile} failed:\n${err.stderr ?? err.message}`);
    });
    fs.mkdirSync(MARKERS, { recursive: true });
    fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
  });
  return VENV_PYTHON;
}

export interface PythonResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script with the venv's python; never rejects on a non-zero exit (the caller asserts). */
export function runPython(script: string, args: string[] = [], opts: { input?: string; timeoutMs?: number } = {}): Promise<PythonResult> {
  return runVenvPython([path.resolve(REPO_ROOT, script), ...args], opts);
}

/**
 * Runs the venv's python with these arguments (e.g. `-m schemathesis.cli …`), in `cwd` (default
 * the repository root) with `env` added; never rejects on a non-zero exit.
 */
export function runVenvPython(
  args: string[],
  opts: { input?: string; timeoutMs?: number; cwd?: string; env?: Record<string, string> } = {},
): Promise<PythonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(VENV_PYTHON, args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
