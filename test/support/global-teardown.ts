import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const handle = (globalThis as Record<string, unknown>).__PUENTE_TEST_DB__ as { stops: (() => Promise<void>)[]; dirs: string[] } | undefined;
  if (!handle) return;
  for (const stop of handle.stops) await stop();
  for (const dir of handle.dirs) fs.rmSync(dir, { recursive: true, force: true });
}
