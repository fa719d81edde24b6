/**
 * Signing keys for Puente tokens.
 *   npx tsx scripts/keys.ts create --alg ES256 --kid puente-2025-01 --out-private keys/puente-2025-01.pem --jwks config/jwks.json
 *   npx tsx scripts/keys.ts retire --kid puente-2024-07 --jwks config/jwks.json
 * The server re-reads the JWKS within ~2 s: no restart.
 */
import { Command, InvalidArgumentError } from 'commander';
import { createKey, KEY_ALGS, retireKey } from '../server/auth/keyfiles';
import type { AsymmetricAlg } from '../server/auth/jwks';

export function keysProgram(): Command {
  const program = new Command('keys').description('create and retire token signing keys').exitOverride();
  program
    .command('create')
    .description('generate a key pair: private PEM (mode 0600) to --out-private, public JWK added to --jwks')
    .requiredOption('--alg <alg>', `one of ${KEY_ALGS.join(', ')}`, (v: string) => {
      if (!KEY_ALGS.includes(v as AsymmetricAlg)) throw new InvalidArgumentError(`use ${KEY_ALGS.join(', ')}`);
      return v as AsymmetricAlg;
    })
    .requiredOption('--kid <kid>', 'key id, [A-Za-z0-9._-]{1,64}')
    .requiredOption('--out-private <file>', 'private key PEM to write (must not exist)')
    .requiredOption('--jwks <file>', 'JWKS file to add the public key to (created if missing)')
    .action((o: { alg: AsymmetricAlg; kid: string; outPrivate: string; jwks: string }) => {
      createKey({ alg: o.alg, kid: o.kid, privateKeyPath: o.outPrivate, jwksPath: o.jwks });
      process.stderr.write(`key ${o.kid} (${o.alg}) added to ${o.jwks}; private key in ${o.outPrivate}\n`);
    });
  program
    .command('retire')
    .description('remove a key from the JWKS; tokens it signed stop verifying')
    .requiredOption('--kid <kid>', 'key id')
    .requiredOption('--jwks <file>', 'JWKS file')
    .action((o: { kid: string; jwks: string }) => {
      retireKey({ kid: o.kid, jwksPath: o.jwks });
      process.stderr.write(`key ${o.kid} removed from ${o.jwks}\n`);
    });
  return program;
}

if (require.main === module) {
  try {
    keysProgram().parse(process.argv);
  } catch (err) {
    const e = err as { exitCode?: number; code?: string; message: string };
    if (!e.code?.startsWith('commander.')) process.stderr.write(`keys: ${e.message}\n`);
    process.exitCode = e.exitCode ?? 1;
  }
}
