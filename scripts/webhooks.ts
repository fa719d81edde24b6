/**
 * Webhooks of a trust group, the same use cases as the admin API (server/push/webhooks.ts), on
 * the hub's database (MONGODB_URI, PUENTE_POSTGRES_URL, else the embedded PostgreSQL in
 * PUENTE_DATA_DIR: stop the hub first, it holds the data folder). Changes are audited as the
 * CLI. The secret is read from a file or stdin, never from the command line (ps shows those).
 *   npx puente webhooks add --group colombia --collection indicators --url https://soc.example.org/puente \
 *     --organisation identity--… --secret-file ./secret [--filter max_tlp=green] [--alerts] [--batch-size 100]
 *   npx puente webhooks list --group colombia
 *   npx puente webhooks show|pause|resume|remove|deliveries --group colombia <id>
 */
import fs from 'node:fs';
import { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../server/config';
import type { Principal } from '../server/auth/principal';
import { Webhooks } from '../server/push/webhooks';
import type { Storage } from '../server/storage/contract';
import { withCliStorage } from '../server/storage/open';
import { TrustGroups } from '../server/storage/trust-groups';
import { AuditLog } from '../server/taxii/audit';

const CLI_ORGANISATION = 'identity--00000000-0000-4000-8000-0000000000c1';

function withWebhooks<T>(group: string, organisation: string | undefined, work: (w: Webhooks, p: Principal, db: Storage) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  return withCliStorage(config, async (db) => {
    const groups = new TrustGroups(db, 0);
    const audit = new AuditLog(groups, pino({ level: 'silent' }));
    try {
      const w = new Webhooks({ groups, audit, batchMax: config.webhookBatchMax, wake: () => {} });
      return await work(w, { subject: 'cli', organisation: organisation ?? CLI_ORGANISATION, roles: { [group]: ['admin'] } }, db);
    } finally {
      await audit.close();
    }
  });
}

const print = (x: unknown): void => void process.stdout.write(`${JSON.stringify(x, null, 2)}\n`);

function readSecret(file: string): string {
  return fs.readFileSync(file === '-' ? 0 : file, 'utf8').replace(/\r?\n$/, '');
}

export function webhooksProgram(): Command {
  const program = new Command('webhooks').description('webhooks: signed pushes of a collection\'s changes to a consumer');
  program
    .command('list')
    .requiredOption('--group <group>')
    .action((o: { group: string }) => withWebhooks(o.group, undefined, async (w, p) => print(await w.list(p, o.group))));
  program
    .command('add')
    .requiredOption('--group <group>')
    .requiredOption('--collection <id or alias>')
    .requiredOption('--url <url>')
    .requiredOption('--organisation <identity>', 'the owner organisation: the webhook gets only what it may read')
    .requiredOption('--secret-file <path>', 'file holding the signing secret ("-": stdin)')
    .option('--name <name>', 'a name to recognise it by', 'webhook')
    .option('--filter <param=value>', 'an export filter (repeatable), e.g. max_tlp=green', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--alerts', 'also deliver the group\'s new correlation alerts')
    .option('--batch-size <n>', 'most objects per delivery', (v) => Number(v))
    .option('--start <when>', '"now", "everything" or a timestamp', 'now')
    .action((o: { group: string; collection: string; url: string; organisation: string; secretFile: string; name: string; filter: string[]; alerts?: boolean; batchSize?: number; start: string }) =>
      withWebhooks(o.group, o.organisation, async (w, p, db) => {
        const cols = await db.group(o.group).collections.list();
        const collection = cols.find((c) => c._id === o.collection || c.alias === o.collection)?._id ?? o.collection;
        const filters = Object.fromEntries(o.filter.map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
        print(await w.create(p, o.group, {
          name: o.name, collection, url: o.url, secret: readSecret(o.secretFile), filters, start: o.start,
          ...(o.alerts ? { alerts: true } : {}), ...(o.batchSize !== undefined ? { batch_size: o.batchSize } : {}),
        }));
      }),
    );
  const one = (name: string, run: (w: Webhooks, p: Principal, group: string, id: string) => Promise<unknown>) =>
    program
      .command(`${name} <id>`)
      .requiredOption('--group <group>')
      .action((id: string, o: { group: string }) => withWebhooks(o.group, undefined, async (w, p) => print(await run(w, p, o.group, id))));
  one('show', (w, p, g, id) => w.show(p, g, id));
  one('pause', (w, p, g, id) => w.pause(p, g, id));
  one('resume', (w, p, g, id) => w.resume(p, g, id));
  one('remove', (w, p, g, id) => w.remove(p, g, id));
  one('deliveries', (w, p, g, id) => w.deliveries(p, g, id, () => ({ limit: '20' })));
  return program;
}

if (require.main === module) {
  webhooksProgram()
    .parseAsync(process.argv)
    .catch((e: unknown) => {
      process.stderr.write(`puente webhooks: ${(e as Error).message}\n`);
      process.exit(1);
    });
}
