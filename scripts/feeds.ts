/**
 * Feed subscriptions of a running hub, through its admin API (issue 11):
 *   npx puente feeds list --group colombia
 *   npx puente feeds add --group colombia --name "MITRE ATT&CK Enterprise" --kind taxii21 \
 *     --url https://attack-taxii.mitre.org/api/v21/collections/x-mitre-collection--1f5f1533-f617-4ca8-9ab4-6a02367fa019/ \
 *     --collection frameworks --tlp clear --schedule "0 3 * * *"
 *   npx puente feeds show|run|pause|resume|reset-cursor|remove <id> --group colombia
 *   npx puente feeds runs <id> --group colombia [--limit 20]
 * Unlike `puente admin` it talks HTTP to the hub (PUENTE_HUB_URL, default http://127.0.0.1:6100):
 * a run must happen inside the hub (its lease, metrics and schedule), and the embedded database
 * is the running hub's. The admin's bearer token comes from PUENTE_TOKEN or --token-file; source
 * credentials from files or environment variables, never from the command line (shell history,
 * `ps`). Nothing secret is ever printed: the hub answers without credentials.
 */
import fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { TLP2_MARKING_IDS } from '../server/stix/markings';
import type { Tlp } from '../server/stix/markings';

const TAXII = 'application/taxii+json;version=2.1';

interface HubOptions {
  hub?: string;
  group: string;
  tokenFile?: string;
  json?: boolean;
}

export class HubError extends Error {}

function hubUrl(o: HubOptions): string {
  return (o.hub ?? process.env.PUENTE_HUB_URL ?? 'http://127.0.0.1:6100').replace(/\/+$/, '');
}

function token(o: HubOptions): string | undefined {
  if (o.tokenFile) return fs.readFileSync(o.tokenFile, 'utf8').trim();
  return process.env.PUENTE_TOKEN?.trim() || undefined;
}

async function call(o: HubOptions, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const t = token(o);
  const url = `${hubUrl(o)}/${encodeURIComponent(o.group)}/${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { Accept: TAXII, ...(body !== undefined ? { 'Content-Type': TAXII } : {}), ...(t ? { Authorization: `Bearer ${t}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new HubError(`cannot reach the hub at ${hubUrl(o)} (${cause?.code ?? (err as Error).message}); set PUENTE_HUB_URL or --hub`);
  }
  const text = await res.text();
  let answer: Record<string, unknown> = {};
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not a TAXII answer: reported below by status
  }
  if (!res.ok) {
    const why = [answer.title, answer.description].filter(Boolean).join(': ') || text.slice(0, 200);
    throw new HubError(`the hub answered ${res.status} to ${method} /${o.group}/${path}: ${why}`);
  }
  return answer;
}

/** A collection given by alias (as `puente admin collections` shows it) or by id. */
async function collectionId(o: HubOptions, given: string): Promise<string> {
  const list = await call(o, 'GET', 'collections/');
  const cols = (list.collections ?? []) as { id: string; alias?: string }[];
  const hit = cols.find((c) => c.id === given || c.alias === given);
  if (!hit) throw new HubError(`${o.group} has no collection "${given}" (give an alias or id: npx puente admin collections --group ${o.group})`);
  return hit.id;
}

/** A secret from a file (trailing newline dropped) or an environment variable. */
function secret(file: string | undefined, env: string | undefined, what: string): string {
  if (file) return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  if (env) {
    const v = process.env[env];
    if (!v) throw new HubError(`${what}: the environment variable ${env} is not set`);
    return v;
  }
  throw new HubError(`${what}: give --secret-file <file> or --secret-env <VAR>`);
}

interface AddOptions extends HubOptions {
  name: string;
  kind: string;
  url: string;
  collection: string;
  remoteCollection?: string;
  schedule?: string;
  start?: string;
  tlp?: Tlp;
  marking: string[];
  maxConfidence?: number;
  label: string[];
  filter: string[];
  column: string[];
  pageSize?: number;
  partnerOrganisation?: string;
  auth: string;
  username?: string;
  header?: string;
  secretFile?: string;
  secretEnv?: string;
  cert?: string;
  key?: string;
  ca?: string;
  paused?: boolean;
  from?: string;
}

export async function subscriptionBody(o: AddOptions): Promise<Record<string, unknown>> {
  const base: Record<string, unknown> = o.from ? (JSON.parse(fs.readFileSync(o.from, 'utf8')) as Record<string, unknown>) : {};
  const body: Record<string, unknown> = { ...base, name: o.name, kind: o.kind, url: o.url, collection: await collectionId(o, o.collection) };
  if (o.remoteCollection) body.remote_collection = o.remoteCollection;
  if (o.schedule) body.schedule = o.schedule;
  if (o.start) body.start = o.start;
  const markings = [...(o.tlp ? [TLP2_MARKING_IDS[o.tlp]] : []), ...o.marking];
  if (markings.length) body.markings = markings;
  if (o.maxConfidence !== undefined) body.max_confidence = o.maxConfidence;
  if (o.label.length) body.labels = o.label;
  if (o.filter.length) {
    const filters: Record<string, string> = { ...(base.filters as Record<string, string> | undefined) };
    for (const f of o.filter) {
      const at = f.indexOf('=');
      if (at < 1) throw new HubError(`--filter ${f}: write name=value (e.g. match[type]=indicator,malware)`);
      const name = f.slice(0, at);
      filters[/^(type|id|version|spec_version)$/.test(name) ? `match[${name}]` : name] = f.slice(at + 1);
    }
    body.filters = filters;
  }
  if (o.column.length) body.columns = Object.fromEntries(o.column.map((c) => { const at = c.lastIndexOf('='); return [c.slice(0, at), c.slice(at + 1)]; }));
  if (o.pageSize !== undefined) body.page_size = o.pageSize;
  if (o.partnerOrganisation) body.partner_organisation = o.partnerOrganisation;
  if (o.ca) body.ca = fs.readFileSync(o.ca, 'utf8');
  if (o.paused) body.enabled = false;
  switch (o.auth) {
    case 'none':
      if (!base.auth) body.auth = { type: 'none' };
      break;
    case 'basic':
      if (!o.username) throw new HubError('--auth basic needs --username');
      body.auth = { type: 'basic', username: o.username, password: secret(o.secretFile, o.secretEnv, 'the Basic password') };
      break;
    case 'bearer':
      body.auth = { type: 'bearer', token: secret(o.secretFile, o.secretEnv, 'the bearer token') };
      break;
    case 'header':
      if (!o.header) throw new HubError('--auth header needs --header <name>');
      body.auth = { type: 'header', header: o.header, value: secret(o.secretFile, o.secretEnv, 'the API key') };
      break;
    case 'tls':
      if (!o.cert || !o.key) throw new HubError('--auth tls needs --cert <pem file> and --key <pem file>');
      body.auth = { type: 'tls', cert: fs.readFileSync(o.cert, 'utf8'), key: fs.readFileSync(o.key, 'utf8') };
      break;
    default:
      throw new HubError(`--auth ${o.auth}: use none, basic, bearer, header or tls`);
  }
  return body;
}

type Sub = Record<string, unknown> & { id: string; name: string; kind: string; url: string; enabled: boolean; health: Record<string, unknown>; cursor: Record<string, unknown> };
type Run = Record<string, unknown> & { id: string; started: string; outcome: string; pages: number; new: number; duplicate: number; invalid: number; retries: number; errors: string[]; invalid_objects: { id: string; reason: string }[]; ms?: number; withheld?: number };

const out = (s: string) => process.stdout.write(`${s}\n`);

function subscriptionLine(s: Sub): string {
  const h = s.health;
  const state = s.enabled ? 'active' : 'paused';
  const health = h.consecutive_failures ? `failing x${String(h.consecutive_failures)}` : h.last_success ? `ok ${String(h.last_success)}` : 'never run';
  return `${s.id}  ${state.padEnd(6)}  ${s.kind.padEnd(7)}  ${health}  ${s.name}  ${s.url}`;
}

function runLines(r: Run): string[] {
  const lines = [
    `${r.started}  ${r.outcome.padEnd(7)}  pages ${r.pages}  new ${r.new}  duplicate ${r.duplicate}  invalid ${r.invalid}  retries ${r.retries}${r.withheld !== undefined ? `  withheld ${r.withheld}` : ''}${r.ms !== undefined ? `  ${r.ms} ms` : ''}  run ${r.id}`,
  ];
  for (const x of r.invalid_objects ?? []) lines.push(`    invalid ${x.id}: ${x.reason}`);
  for (const e of r.errors ?? []) lines.push(`    error: ${e}`);
  return lines;
}

function showLines(s: Sub): string[] {
  const h = s.health;
  const auth = s.auth as { type: string; username?: string; header?: string };
  return [
    `${s.name} (${s.id})`,
    `  kind ${s.kind}, ${s.enabled ? 'active' : 'paused'}, schedule "${String(s.schedule)}", start ${String(s.start)}, page size ${String(s.page_size)}`,
    `  source ${s.url}${s.remote_collection ? ` collection ${String(s.remote_collection)}` : ''}, auth ${auth.type}${auth.username ? ` (user ${auth.username})` : ''}${auth.header ? ` (header ${auth.header})` : ''}`,
    `  into collection ${String(s.collection)}; markings when none: ${(s.markings as string[]).join(', ') || '-'}; labels: ${(s.labels as string[]).join(', ') || '-'}${s.max_confidence !== undefined ? `; confidence at most ${String(s.max_confidence)}` : ''}`,
    `  cursor ${Object.keys(s.cursor).length ? JSON.stringify(s.cursor) : '(start point)'}`,
    `  health: last success ${String(h.last_success ?? '-')}, last failure ${String(h.last_failure ?? '-')}, consecutive failures ${String(h.consecutive_failures ?? 0)}${h.last_error ? `, last error: ${String(h.last_error)}` : ''}`,
    ...((s.runs as Run[] | undefined)?.length ? ['  last runs:', ...(s.runs as Run[]).flatMap(runLines).map((l) => `    ${l}`)] : []),
  ];
}

const collect = (value: string, previous: string[]) => [...previous, value];
const integer = (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('not a whole number');
  return Number(v);
};

/** Errors of the hub, the options or a file: the message only, exit code 1 (2 stays for usage). */
function act<A extends unknown[]>(work: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await work(...args);
    } catch (err) {
      process.stderr.write(`puente feeds: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  };
}

export function feedsProgram(): Command {
  const program = new Command('feeds').description('feed subscriptions and federation mirrors of a running hub (its admin API)');
  const common = (c: Command) =>
    c
      .requiredOption('--group <group>', 'trust group (API root)')
      .option('--hub <url>', 'the hub (default PUENTE_HUB_URL, else http://127.0.0.1:6100)')
      .option('--token-file <file>', "a group admin's bearer token (default PUENTE_TOKEN)")
      .option('--json', 'print the hub\'s JSON answer');
  const print = (o: HubOptions, answer: unknown, text: () => string[]) => (o.json ? out(JSON.stringify(answer, null, 2)) : text().forEach(out));

  common(program.command('list').description('subscriptions with state and health')).action(
    act(async (o: HubOptions) => {
      const a = await call(o, 'GET', 'admin/subscriptions/');
      const subs = a.subscriptions as Sub[];
      print(o, a, () => (subs.length ? subs.map(subscriptionLine) : [`no subscriptions in ${o.group}`]));
    }),
  );

  common(program.command('add').description('add a subscription (source credentials from a file or an environment variable)'))
    .requiredOption('--name <name>')
    .requiredOption('--kind <kind>', 'taxii21, taxii20, misp, csv, text or mirror')
    .requiredOption('--url <url>', 'discovery, API root or collection URL; MISP base URL; list URL; a mirror: the partner collection')
    .requiredOption('--collection <alias|id>', 'the local collection (a mirror: the one pushed)')
    .option('--remote-collection <id|title>', 'the collection at a discovery or API root URL')
    .option('--schedule <cron>', 'cron expression (default */15 * * * *)')
    .option('--start <when>', '"everything" (default) or an added_after timestamp')
    .option('--tlp <tlp>', 'TLP put on objects that carry no marking (default amber)', (v: string) => {
      if (!(v in TLP2_MARKING_IDS)) throw new InvalidArgumentError(`use ${Object.keys(TLP2_MARKING_IDS).join(', ')}`);
      return v as Tlp;
    })
    .option('--marking <id>', 'a marking-definition id put on objects that carry none (repeatable)', collect, [])
    .option('--max-confidence <n>', 'cap confidence at n', integer)
    .option('--label <label>', 'label added to every object (repeatable)', collect, [])
    .option('--filter <name=value>', 'type=indicator,malware (match[type]), id=…, published=true, tags=… (repeatable)', collect, [])
    .option('--column <col=type>', 'CSV/text: column index or header -> observable type (repeatable)', collect, [])
    .option('--page-size <n>', 'objects per page asked of the source', integer)
    .option('--partner-organisation <identity>', 'mirror: objects this organisation submitted are not sent back')
    .option('--auth <type>', 'none, basic, bearer, header or tls', 'none')
    .option('--username <user>', 'Basic user name')
    .option('--header <name>', 'API key header name')
    .option('--secret-file <file>', 'file holding the Basic password, bearer token or API key')
    .option('--secret-env <VAR>', 'environment variable holding it')
    .option('--cert <file>', 'TLS client certificate (PEM)')
    .option('--key <file>', 'TLS client key (PEM)')
    .option('--ca <file>', 'CA bundle (PEM) to trust for the source')
    .option('--paused', 'add it paused (no scheduled runs until resumed)')
    .option('--from <file>', 'a JSON subscription body the options above complete or override')
    .action(
      act(async (o: AddOptions) => {
        const a = (await call(o, 'POST', 'admin/subscriptions/', await subscriptionBody(o))) as Sub;
        print(o, a, () => [`added ${a.id}`, ...showLines(a)]);
      }),
    );

  common(program.command('show <id>').description('one subscription: settings, cursor, health, last runs')).action(
    act(async (id: string, o: HubOptions) => {
      const a = (await call(o, 'GET', `admin/subscriptions/${encodeURIComponent(id)}/`)) as Sub;
      print(o, a, () => showLines(a));
    }),
  );

  common(program.command('run <id>').description('run now and wait for the run record; exit code 1 when it fails')).action(
    act(async (id: string, o: HubOptions) => {
      const a = (await call(o, 'POST', `admin/subscriptions/${encodeURIComponent(id)}/run`)) as Run;
      print(o, a, () => runLines(a));
      if (a.outcome === 'failed') process.exitCode = 1;
    }),
  );

  for (const [name, what] of [['pause', 'stop scheduled runs (run still works)'], ['resume', 'resume scheduled runs'], ['reset-cursor', 'the next run starts from the start point']] as const) {
    common(program.command(`${name} <id>`).description(what)).action(
      act(async (id: string, o: HubOptions) => {
        const a = (await call(o, 'POST', `admin/subscriptions/${encodeURIComponent(id)}/${name}`)) as Sub;
        print(o, a, () => [subscriptionLine(a)]);
      }),
    );
  }

  common(program.command('remove <id>').description('remove a subscription (objects already pulled stay)')).action(
    act(async (id: string, o: HubOptions) => {
      const a = await call(o, 'DELETE', `admin/subscriptions/${encodeURIComponent(id)}/`);
      print(o, a, () => [`removed ${id}`]);
    }),
  );

  common(program.command('runs <id>').description('run history, newest first, with invalid objects and errors'))
    .option('--limit <n>', 'how many runs (1 to 100)', integer, 20)
    .action(
      act(async (id: string, o: HubOptions & { limit: number }) => {
        const a = await call(o, 'GET', `admin/subscriptions/${encodeURIComponent(id)}/runs/?limit=${o.limit}`);
        const runs = a.runs as Run[];
        print(o, a, () => (runs.length ? runs.flatMap(runLines) : ['no runs yet']));
      }),
    );
  return program;
}
