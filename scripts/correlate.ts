/**
 * npm run correlate -- --group <name> [--full]
 * Runs the correlation job for one trust group now, under the same lease as the scheduler
 * (so it never overlaps a scheduled run), and prints the run record. --full ignores the
 * checkpoint and goes over everything again; alerts already stored are kept, none duplicated.
 */
import { Command } from 'commander';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/logger';
import { createMetrics } from '../server/metrics';
import { withCliStorage } from '../server/storage/open';
import { buildHub } from '../server/hub';

async function main() {
  const opts = new Command().requiredOption('--group <name>').option('--full', 'ignore the checkpoint', false).parse().opts<{ group: string; full: boolean }>();
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  await withCliStorage(config, async (storage) => {
    const hub = await buildHub({ config, log, metrics: createMetrics(false), storage });
    const run = await hub.jobs.run('correlation', opts.group, 'cli', { full: opts.full });
    process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
    await hub.stop();
    process.exitCode = run.outcome === 'ok' ? 0 : 1;
  });
}

main().catch((err) => {
  process.stderr.write(`correlate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
