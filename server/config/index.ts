/** Configuration: load from an explicit env map -> validate -> freeze. A bad value stops start-up. */
import { groupNameProblem, IDENTITY_ID, isLoopbackHost } from '../names';
import { SETTINGS, type Setting } from './settings';

type Settings = typeof SETTINGS;
type ValueOf<S extends Setting> = S['type'] extends 'int'
  ? number
  : S['type'] extends 'bool'
    ? boolean
    : S['type'] extends 'list'
      ? string[]
      : string;
type Required<S> = S extends { default: unknown } ? true : false;

export type Config = {
  readonly [S in Settings[number] as S['key']]: Required<S> extends true ? ValueOf<S> : ValueOf<S> | undefined;
};

export class ConfigError extends Error {}

function parse(setting: Setting, raw: string): unknown {
  const fail = (why: string): never => {
    throw new ConfigError(`${setting.env}=${JSON.stringify(raw)} is not valid: ${why} (${setting.describe})`);
  };
  switch (setting.type) {
    case 'int': {
      if (!/^\d+$/.test(raw.trim())) fail('expected a whole number');
      const n = Number(raw);
      if (setting.min !== undefined && n < setting.min) fail(`must be at least ${setting.min}`);
      if (setting.max !== undefined && n > setting.max) fail(`must be at most ${setting.max}`);
      return n;
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      return fail('expected true or false');
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'enum':
      if (!setting.values?.includes(raw)) fail(`expected one of ${setting.values?.join(', ')}`);
      return raw;
    default:
      if (raw.trim() === '') fail('must not be empty');
      return raw;
  }
}


function crossCheck(c: Record<string, unknown>): void {
  const bad = (env: string, why: string): never => {
    throw new ConfigError(`${env}: ${why}`);
  };
  if (!!c.tlsCert !== !!c.tlsKey) bad('PUENTE_TLS_CERT/PUENTE_TLS_KEY', 'give both or neither');
  for (const g of c.trustGroups as string[]) {
    const problem = groupNameProblem(g);
    if (problem) bad('PUENTE_TRUST_GROUPS', problem);
  }
  if ((c.pageSizeDefault as number) > (c.pageSizeMax as number)) {
    bad('PUENTE_PAGE_SIZE_DEFAULT', 'must not exceed PUENTE_PAGE_SIZE_MAX');
  }
  if (c.paginationSecret !== undefined && (c.paginationSecret as string).length < 32) {
    bad('PUENTE_PAGINATION_SECRET', 'must be at least 32 characters');
  }
  if (c.allowHs256 && (!c.hs256Secret || (c.hs256Secret as string).length < 32)) {
    bad('PUENTE_HS256_SECRET', 'PUENTE_ALLOW_HS256 needs a secret of at least 32 characters');
  }
  if (!c.allowHs256 && c.hs256Secret) bad('PUENTE_HS256_SECRET', 'is set but PUENTE_ALLOW_HS256 is off');
  if (!/^(majority|\d{1,2}|[A-Za-z][A-Za-z0-9_-]{0,63})$/.test(c.mongodbWriteConcern as string)) bad('PUENTE_MONGODB_WRITE_CONCERN', 'use majority, a number of members or a tag set name');
  if (c.mongodbUri && c.postgresUrl) bad('MONGODB_URI/PUENTE_POSTGRES_URL', 'give one database, not both');
  if (!/^[A-Za-z0-9_-]{1,20}$/.test(c.dbPrefix as string)) bad('PUENTE_DB_PREFIX', 'use a-z, 0-9, _ or -, up to 20');
  // The development principal holds every role: never on a reachable address.
  if (!c.jwksPath && !isLoopbackHost(c.host as string)) {
    bad('PUENTE_JWKS_PATH', `is required when PUENTE_HOST (${c.host as string}) is not a loopback address: without it every caller would act as the development principal`);
  }
  if (!IDENTITY_ID.test(c.puenteIdentity as string)) {
    bad('PUENTE_IDENTITY', 'must be a STIX identity id (identity--<uuid>, lower case)');
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const setting of SETTINGS as readonly Setting[]) {
    const raw = env[setting.env];
    out[setting.key] = raw === undefined || raw === '' ? setting.default : parse(setting, raw);
  }
  crossCheck(out);
  for (const v of Object.values(out)) if (Array.isArray(v)) Object.freeze(v);
  return Object.freeze(out) as Config;
}

export { isLoopbackHost as isLoopback } from '../names';
