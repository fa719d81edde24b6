/**
 * Bearer tokens for Puente.
 *   npx tsx scripts/tokens.ts issue --key keys/k1.pem --kid k1 --sub cert-co --org identity--... \
 *     --group colombia=reader,writer --group eu=feed --ttl 30d --iss https://puente.example --aud puente
 *   npx tsx scripts/tokens.ts revoke --jti <jti> --revoked config/revoked.json
 * `issue` prints the JWT on stdout and its jti and expiry on stderr (keep the jti to revoke it).
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { issueToken, parseGroupOptions, parseTtl } from '../server/auth/issue';
import { revokeToken } from '../server/auth/keyfiles';
import { PRINCIPAL_KINDS, type PrincipalKind } from '../server/auth/principal';

const collect = (value: string, previous: string[]) => [...previous, value];

export function tokensProgram(): Command {
  const program = new Command('tokens').description('issue and revoke bearer tokens').exitOverride();
  program
    .command('issue')
    .description('sign a token with a private key whose public half is in the JWKS')
    .requiredOption('--key <file>', 'private key PEM')
    .requiredOption('--kid <kid>', 'key id of that key in the JWKS')
    .requiredOption('--sub <subject>', 'CERT, person or feed name')
    .requiredOption('--org <identity>', 'STIX identity id of the organisation')
    .requiredOption('--group <group=roles>', 'trust group and roles, e.g. colombia=reader,writer (repeatable)', collect, [])
    .option('--kind <kind>', 'cert, person or feed', (v: string) => {
      if (!PRINCIPAL_KINDS.includes(v as PrincipalKind)) throw new InvalidArgumentError('use cert, person or feed');
      return v as PrincipalKind;
    }, 'cert')
    .option('--ttl <ttl>', 'lifetime: 90s, 15m, 12h, 30d', '30d')
    .requiredOption('--iss <issuer>', 'issuer the server expects')
    .requiredOption('--aud <audience>', 'audience the server expects')
    .action((o: { key: string; kid: string; sub: string; org: string; group: string[]; kind: PrincipalKind; ttl: string; iss: string; aud: string }) => {
      const issued = issueToken({
        privateKey: readFileSync(o.key, 'utf8'),
        kid: o.kid,
        subject: o.sub,
        organisation: o.org,
        groups: parseGroupOptions(o.group),
        kind: o.kind,
        ttlSeconds: parseTtl(o.ttl),
        issuer: o.iss,
        audience: o.aud,
      });
      process.stdout.write(`${issued.token}\n`);
      process.stderr.write(`jti ${issued.jti} expires ${issued.expiresAt.toISOString()}\n`);
    });
  program
    .command('revoke')
    .description('add a token id to the revocation list; refused within ~2 s')
    .requiredOption('--jti <jti>', 'token id (printed by issue)')
    .requiredOption('--revoked <file>', 'revocation list JSON (created if missing)')
    .action((o: { jti: string; revoked: string }) => {
      const added = revokeToken({ jti: o.jti, revokedPath: o.revoked });
      process.stderr.write(added ? `revoked ${o.jti}\n` : `${o.jti} was already revoked\n`);
    });
  return program;
}

if (require.main === module) {
  try {
    tokensProgram().parse(process.argv);
  } catch (err) {
    const e = err as { exitCode?: number; code?: string; message: string };
    if (!e.code?.startsWith('commander.')) process.stderr.write(`tokens: ${e.message}\n`);
    process.exitCode = e.exitCode ?? 1;
  }
}
