/**
 * `puente validate [--json] [--quiet] FILE...`: validates STIX bundles, TAXII envelopes or
 * single objects offline, with the same code the server runs on every push.
 * Exit status: 0 when every object is valid, 1 otherwise, 2 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { DomainError } from '../server/errors';
import { DEFAULT_LIMITS, LIMIT_SETTINGS, createValidator, type ObjectVerdict, type ValidationLimits } from '../server/stix';

export interface FileReport {
  file: string;
  ok: boolean;
  /** Set when the file as a whole is refused (unreadable, not JSON, over a limit). */
  error?: { code: string; message: string };
  objects: number;
  invalid: number;
  verdicts: ObjectVerdict[];
}

const PROGRESS_THRESHOLD = 1000;

/** Limits from the same PUENTE_* settings the server reads. */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): ValidationLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_SETTINGS) as (keyof ValidationLimits)[]) {
    const raw = env[LIMIT_SETTINGS[key]];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${LIMIT_SETTINGS[key]} must be a positive integer, got '${raw}'`);
    limits[key] = n;
  }
  return limits;
}

export function validateFiles(files: string[], limits: ValidationLimits, showProgress: boolean): FileReport[] {
  const validator = createValidator({ limits });
  return files.map((file) => {
    let body: unknown;
    try {
      body = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ? 'unreadable' : 'invalid_json';
      return { file, ok: false, error: { code, message: (e as Error).message }, objects: 0, invalid: 0, verdicts: [] };
    }
    const single = body !== null && typeof body === 'object' && !Array.isArray(body) && 'type' in body && (body as { type: unknown }).type !== 'bundle';
    let verdicts: ObjectVerdict[];
    try {
      if (single) {
        verdicts = validator.validateEnvelope({ objects: [body] }).verdicts;
      } else {
        const total = Array.isArray((body as { objects?: unknown }).objects) ? (body as { objects: unknown[] }).objects.length : 0;
        let bar: SingleBar | undefined;
        if (showProgress && total > PROGRESS_THRESHOLD) {
          bar = new SingleBar({ stream: process.stderr, format: `${file} [{bar}] {value}/{total} objects` }, Presets.shades_classic);
          bar.start(total, 0);
        }
        try {
          verdicts = validator.validateEnvelope(body, bar ? (done) => bar.update(done) : undefined).verdicts;
        } finally {
          bar?.stop();
        }
      }
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      return { file, ok: false, error: { code: e.code, message: e.message }, objects: 0, invalid: 0, verdicts: [] };
    }
    const invalid = verdicts.filter((v) => !v.ok).length;
    return { file, ok: invalid === 0, objects: verdicts.length, invalid, verdicts };
  });
}

function printText(reports: FileReport[], quiet: boolean, out: NodeJS.WritableStream): void {
  for (const r of reports) {
    if (r.error) {
      out.write(`${r.file}: REFUSED (${r.error.code}) ${r.error.message}\n`);
      continue;
    }
    for (const v of r.verdicts) {
      const who = `${r.file}: objects[${v.index}]${v.id ? ` ${v.id}` : ''}`;
      for (const e of v.errors) out.write(`${who} ERROR ${e.path || '/'}: ${e.message} [${e.code}]\n`);
      if (!quiet) for (const w of v.warnings) out.write(`${who} warning ${w.path || '/'}: ${w.message} [${w.code}]\n`);
    }
    out.write(`${r.file}: ${r.ok ? 'valid' : 'INVALID'}, ${r.objects} object(s), ${r.invalid} invalid\n`);
  }
}

export async function runValidate(files: string[], options: { json?: boolean; quiet?: boolean }): Promise<number> {
  const reports = validateFiles(files, limitsFromEnv(), Boolean(process.stderr.isTTY) && !options.json);
  const ok = reports.every((r) => r.ok);
  if (options.json) {
    process.stdout.write(JSON.stringify({ ok, files: reports }, null, 2) + '\n');
  } else {
    printText(reports, Boolean(options.quiet), process.stdout);
  }
  return ok ? 0 : 1;
}

export function validateCommand(): Command {
  return new Command('validate')
    .description('validate STIX 2.1 bundles, TAXII envelopes or objects offline, as the server does')
    .argument('<files...>', 'JSON files to validate')
    .option('--json', 'print a JSON report on stdout')
    .option('--quiet', 'do not print warnings')
    .action(async (files: string[], options: { json?: boolean; quiet?: boolean }) => {
      process.exitCode = await runValidate(files, options);
    });
}

/** Commander exits 1 on usage errors; this CLI promises 2. */
export function usageExitCodes(program: Command): Command {
  program.exitOverride((err) => {
    process.exit(err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2);
  });
  for (const sub of program.commands) usageExitCodes(sub);
  return program;
}

if (require.main === module) {
  const cmd = usageExitCodes(validateCommand().name('validate'));
  cmd.parseAsync(process.argv).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  });
}
