/**
 * Database commands.
 *   npx puente db migrate --from ferretdb   copies the FerretDB data folder of earlier versions
 *                                           (PUENTE_DATA_DIR/ferretdb) into this hub's database
 * The target is the hub's own database (PUENTE_POSTGRES_URL, else the embedded PostgreSQL in
 * PUENTE_DATA_DIR; MONGODB_URI is refused: a MongoDB deployment needs no migration). Stop the hub
 * first. The FerretDB files are left untouched; run it again after an interruption.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../server/config';
import { REPO_ROOT } from '../server/paths';
import { migrateStorage } from '../server/storage/migrate';
import { MongoStorage } from '../server/storage/mongo/database';
import { startEmbeddedDatabase } from '../server/storage/mongo/embedded';
import { withCliStorage } from '../server/storage/open';

async function migrateFromFerretDb(): Promise<void> {
  const config = loadConfig(process.env);
  if (config.mongodbUri) throw new Error('MONGODB_URI is set: the migration copies into PostgreSQL (unset it, or set PUENTE_POSTGRES_URL).');
  const dataDir = path.resolve(REPO_ROOT, config.dataDir);
  const folder = path.join(dataDir, 'ferretdb');
  if (!fs.existsSync(folder) || !fs.readdirSync(folder).some((f) => f.endsWith('.sqlite'))) {
    throw new Error(`there is no FerretDB data in ${folder} (PUENTE_DATA_DIR=${config.dataDir})`);
  }
  const ferret = await startEmbeddedDatabase({ dataDir, preferFerretDb: true, onProgress: (m) => process.stderr.write(`${m}\n`) });
  try {
    const from = await MongoStorage.connect(ferret.uri, { prefix: config.dbPrefix });
    try {
      await withCliStorage(config, async (to) => {
        let last = 0;
        const report = await migrateStorage(from, to, (m) => {
          if (Date.now() - last < 2000) return;
          last = Date.now();
          process.stderr.write(`${m}\n`);
        });
        process.stdout.write(
          `migrated ${report.groups} trust groups, ${report.collections} collections, ${report.objects} objects, ${report.audit} audit entries from ${folder}\n`,
        );
      });
    } finally {
      await from.close();
    }
  } finally {
    await ferret.stop();
  }
}

export function dbProgram(): Command {
  const program = new Command('db').description('database commands');
  program
    .command('migrate')
    .description('copy the data of an earlier embedded database into this hub\'s database')
    .requiredOption('--from <source>', 'where from: ferretdb (PUENTE_DATA_DIR/ferretdb of earlier versions)')
    .action(async (o: { from: string }) => {
      if (o.from !== 'ferretdb') throw new Error(`--from ${o.from}: the only source is ferretdb`);
      await migrateFromFerretDb();
    });
  return program;
}
