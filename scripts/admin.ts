/**
 * Trust groups, collections and sharing policy.
 *   npx puente admin group create nato-liaison --title "NATO liaison"
 *   npx puente admin collection create --group eu --alias ics --title "ICS incidents" [--read-only]
 *   npx puente admin policy set --group colombia --collection indicators --release-to eu,nato-liaison
 *   npx puente admin collections --group eu
 * Uses the hub's database settings (MONGODB_URI, PUENTE_POSTGRES_URL, else the embedded
 * PostgreSQL in PUENTE_DATA_DIR: stop the hub first, it holds the data folder).
 */
import { Command } from 'commander';
import { loadConfig } from '../server/config';
import type { Storage } from '../server/storage/contract';
import { withCliStorage } from '../server/storage/open';
import { createCollection, createGroup, setSharingPolicy } from '../server/admin';

function withDatabase<T>(work: (db: Storage) => Promise<T>): Promise<T> {
  return withCliStorage(loadConfig(process.env), work);
}

export function adminProgram(): Command {
  const program = new Command('admin').description('trust groups, collections and sharing policy');
  const group = program.command('group').description('trust groups');
  group
    .command('create <name>')
    .option('--title <title>')
    .option('--description <text>')
    .action((name: string, o: { title?: string; description?: string }) =>
      withDatabase(async (db) => {
        await createGroup(db, name, o.title, o.description);
        process.stdout.write(`trust group ${name} ready (API root /${name}/)\n`);
      }),
    );
  const collection = program.command('collection').description('collections');
  collection
    .command('create')
    .requiredOption('--group <group>')
    .requiredOption('--alias <alias>')
    .requiredOption('--title <title>')
    .option('--description <text>')
    .option('--read-only', 'clients may read but not add or delete')
    .action((o: { group: string; alias: string; title: string; description?: string; readOnly?: boolean }) =>
      withDatabase(async (db) => {
        const c = await createCollection(db, o.group, o);
        process.stdout.write(`collection ${c.alias} in ${o.group}: ${c._id}\n`);
      }),
    );
  program
    .command('collections')
    .requiredOption('--group <group>')
    .action((o: { group: string }) =>
      withDatabase(async (db) => {
        for (const c of await db.group(o.group).collections.list()) {
          process.stdout.write(`${c._id}  ${c.alias}  ${c.writable ? 'read/write' : 'read-only'}  release-to: ${c.releaseTo.join(',') || '-'}\n`);
        }
      }),
    );
  const policy = program.command('policy').description('sharing policy');
  policy
    .command('set')
    .requiredOption('--group <group>')
    .requiredOption('--collection <alias>')
    .requiredOption('--release-to <groups>', 'comma-separated trust groups; empty to stop releasing')
    .action((o: { group: string; collection: string; releaseTo: string }) =>
      withDatabase(async (db) => {
        const to = o.releaseTo.split(',').map((s) => s.trim()).filter(Boolean);
        await setSharingPolicy(db, o.group, o.collection, to);
        process.stdout.write(`${o.group}/${o.collection} releases CLEAR, GREEN and unmarked objects to: ${to.join(', ') || 'nobody'}\n`);
      }),
    );
  return program;
}

if (require.main === module) {
  adminProgram()
    .parseAsync(process.argv)
    .catch((e: unknown) => {
      process.stderr.write(`puente admin: ${(e as Error).message}\n`);
      process.exit(1);
    });
}
