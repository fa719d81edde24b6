/** `puente <command>`: a thin dispatcher; each command lives in its own script. */
import { Command } from 'commander';
import { usageExitCodes, validateCommand } from './validate';
import { adminProgram } from './admin';
import { dbProgram } from './db';
import { feedsProgram } from './feeds';
import { keysProgram } from './keys';
import { tokensProgram } from './tokens';
import { webhooksProgram } from './webhooks';

const program = new Command('puente').description('Puente TAXII 2.1 / STIX 2.1 hub tools');
program.addCommand(validateCommand());
program.addCommand(adminProgram());
program.addCommand(dbProgram());
program.addCommand(feedsProgram());
program.addCommand(keysProgram());
program.addCommand(tokensProgram());
program.addCommand(webhooksProgram());
program
  .command('serve')
  .description('run the hub, as `npm start` does (settings from PUENTE_* in the environment); SIGTERM or SIGINT stops it gracefully')
  .action(async () => {
    const { main } = await import('../server/main');
    await main();
  });

usageExitCodes(program)
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  });
