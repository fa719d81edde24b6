import { readFileSync, statSync } from 'node:fs';

export interface ReloadingFile<T> {
  /** The latest good parse; re-checks the file at most once per interval. */
  current(): T;
  close(): void;
}

export interface ReloadOptions<T> {
  intervalMs: number;
  now: () => number;
  /** Value while the file does not exist at start; without it a missing file is fatal. */
  whenMissing?: () => T;
  onReloadError: (path: string, err: Error) => void;
  onReload?: (path: string, value: T) => void;
}

function signature(path: string): string | null {
  try {
    const st = statSync(path);
    // Size and inode too: an atomic rename can land within the same mtime tick.
    return `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * A parsed file that follows its changes by polling mtime: no watcher to leak, works on every
 * filesystem, and rotation takes effect within `intervalMs` without a restart. A file that
 * becomes unreadable or invalid keeps the last good value (a half-written JWKS must not lock
 * everyone out, and a deleted revocation list must not un-revoke tokens).
 */
export function reloadingFile<T>(path: string, parse: (text: string) => T, opts: ReloadOptions<T>): ReloadingFile<T> {
  let seen = signature(path);
  let value: T;
  if (seen === null) {
    if (!opts.whenMissing) throw new Error(`${path}: file not found`);
    value = opts.whenMissing();
  } else {
    value = parse(readFileSync(path, 'utf8'));
  }
  let checkedAt = opts.now();
  let closed = false;
  let failed: string | null | undefined;

  return {
    current() {
      if (closed || opts.now() - checkedAt < opts.intervalMs) return value;
      checkedAt = opts.now();
      let sig: string | null | undefined;
      try {
        sig = signature(path);
        if (sig === seen || sig === failed) return value;
        if (sig === null) throw new Error('file disappeared; keeping the last good version');
        value = parse(readFileSync(path, 'utf8'));
        seen = sig;
        failed = undefined;
        opts.onReload?.(path, value);
      } catch (err) {
        failed = sig; // report each bad version once
        opts.onReloadError(path, err as Error);
      }
      return value;
    },
    close() {
      closed = true;
    },
  };
}
