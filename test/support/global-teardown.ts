import fs from 'node:fs';

/** What keeps the process alive after the run, named: child processes by command, sockets by peer. */
function leftovers(): string[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const out: string[] = [];
  for (const h of handles) {
    const o = h as { constructor?: { name?: string }; spawnargs?: string[]; remoteAddress?: string; remotePort?: number; localPort?: number; address?: () => unknown };
    const name = o.constructor?.name ?? 'handle';
    if (o.spawnargs) out.push(`${name} ${o.spawnargs.slice(0, 3).join(' ')}`);
    else if (o.remoteAddress) out.push(`${name} to ${o.remoteAddress}:${o.remotePort}`);
    else if (name === 'Server' && typeof o.address === 'function') out.push(`Server on ${JSON.stringify(o.address())}`);
    else if (name !== 'WriteStream' && name !== 'ReadStream') out.push(name);
  }
  return out;
}

export default async function globalTeardown(): Promise<void> {
  const handle = (globalThis as Record<string, unknown>).__PUENTE_TEST_DB__ as { stops: (() => Promise<void>)[]; dirs: string[] } | undefined;
  if (handle) {
    for (const stop of handle.stops) await stop();
    for (const dir of handle.dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
  // jest.config's forceExit ends the run whatever is left; this names it, so a leak can be found.
  const left = leftovers();
  if (left.length) process.stderr.write(`\nstill open after the integration run (closed by forceExit): ${left.join('; ')}\n`);
}
