/**
 * ERROR_CATALOGUE and openapi.yaml agree: every code the hub can send is documented, under the
 * status the catalogue gives it, and the document lists no code the catalogue does not hold.
 * Also: openapi.yaml passes `redocly lint` (offline).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ERROR_CATALOGUE, type ErrorCode } from '../../server/http/errors';
import { OpenApi } from '../support/openapi';

const ROOT = path.join(__dirname, '..', '..');
const api = new OpenApi();
const catalogue = ERROR_CATALOGUE as Record<string, { status: number; title: string }>;

/** Catalogued codes that no code path sends yet. */
const NOT_YET_SENT: readonly ErrorCode[] = [];

type Json = Record<string, unknown>;

/** The error codes a response's schema allows, or [] when it is not an error response. */
function codesOf(response: Json): { codes: string[]; httpStatus?: string }[] {
  const out: { codes: string[]; httpStatus?: string }[] = [];
  for (const media of Object.values((response.content ?? {}) as Record<string, Json>)) {
    if (!media.schema) continue;
    const schema = api.deref(media.schema);
    const branches = ((schema.allOf as Json[] | undefined) ?? [schema]).map((b) => api.deref(b));
    const error = api.components('schemas').Error;
    if (!branches.includes(error!)) continue;
    const narrowed = branches.find((b) => b !== error && (b.properties as Json | undefined)?.error_code);
    const props = (narrowed?.properties ?? {}) as Record<string, Json>;
    const codeSchema = props.error_code;
    const codes = codeSchema
      ? ((codeSchema.enum as string[] | undefined) ?? [codeSchema.const as string])
      : (api.components('schemas').ErrorCode!.enum as string[]);
    out.push({ codes, httpStatus: props.http_status?.const as string | undefined });
  }
  return out;
}

/** Every (operation, status, code) the document promises. */
function documented(): { where: string; status: number; code: string; httpStatus?: string }[] {
  const rows: { where: string; status: number; code: string; httpStatus?: string }[] = [];
  for (const op of api.operations()) {
    const [method, template] = op.split(' ') as [string, string];
    const responses = api.paths()[template]![method.toLowerCase()] as Json;
    for (const [status, declared] of Object.entries(responses.responses as Json)) {
      for (const { codes, httpStatus } of codesOf(api.deref(declared))) {
        for (const code of codes) rows.push({ where: `${op} ${status}`, status: Number(status), code, httpStatus });
      }
    }
  }
  return rows;
}

/** The codes the server source names where it raises or sends an error (the ways it does so today). */
function codesInSource(): { code: string; status?: number; file: string }[] {
  const found: { code: string; status?: number; file: string }[] = [];
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  const patterns = [
    /new (?:BadRequest|Unauthenticated|PayloadTooLarge)\(\s*'([a-z_]+)'/g,
    /readonly code = '([a-z_]+)'/g,
    /\b(?:bad|refuse)\(\s*'([a-z_]+)'/g,
  ];
  for (const file of walk(path.join(ROOT, 'server'))) {
    const text = fs.readFileSync(file, 'utf8');
    const rel = path.relative(ROOT, file);
    for (const re of patterns) for (const m of text.matchAll(re)) found.push({ code: m[1]!, file: rel });
    // A class whose code is one of a union: `readonly code: 'a' | 'b' = 'a'`.
    for (const m of text.matchAll(/readonly code: ((?:'[a-z_]+'(?: \| )?)+)/g)) for (const c of m[1]!.matchAll(/'([a-z_]+)'/g)) found.push({ code: c[1]!, file: rel });
    for (const m of text.matchAll(/sendError\(\s*res,\s*(\d{3}),\s*'([a-z_]+)'/g)) found.push({ code: m[2]!, status: Number(m[1]), file: rel });
  }
  return found;
}

describe('error catalogue and openapi.yaml', () => {
  it('lists exactly the catalogued codes in components/schemas/ErrorCode', () => {
    const listed = api.components('schemas').ErrorCode!.enum as string[];
    expect([...listed].sort()).toEqual(Object.keys(catalogue).sort());
  });

  it('declares every code only under the status the catalogue gives it', () => {
    const wrong = documented()
      .filter((r) => catalogue[r.code]?.status !== r.status || (r.httpStatus !== undefined && r.httpStatus !== String(r.status)))
      .map((r) => `${r.where}: ${r.code} (catalogue: ${catalogue[r.code]?.status ?? 'absent'}, http_status ${r.httpStatus})`);
    expect(wrong).toEqual([]);
  });

  it('declares every code the server sends on at least one operation, and a response for every catalogued status', () => {
    const rows = documented();
    const missing = Object.keys(catalogue).filter((c) => !NOT_YET_SENT.includes(c as ErrorCode) && !rows.some((r) => r.code === c));
    expect(missing).toEqual([]);
    const statuses = new Set(Object.values(catalogue).map((e) => e.status));
    const withResponse = new Set(rows.map((r) => r.status));
    expect([...statuses].filter((s) => !withResponse.has(s))).toEqual([]);
  });

  it('finds every code the server source raises in the catalogue, with the status it sends', () => {
    const found = codesInSource();
    expect(found.length).toBeGreaterThan(10); // the scan still sees the code (guards against a silent regex miss)
    const uncatalogued = found.filter((f) => !catalogue[f.code] || (f.status !== undefined && catalogue[f.code]!.status !== f.status));
    expect(uncatalogued).toEqual([]);
    // A code leaves NOT_YET_SENT (and must then be declared on its operations) once something sends it.
    const unsent = Object.keys(catalogue).filter((c) => !found.some((f) => f.code === c));
    expect(unsent.sort()).toEqual([...NOT_YET_SENT].sort());
  });

  it('passes redocly lint with redocly.yaml, without the network', () => {
    const run = spawnSync('npx', ['redocly', 'lint', 'openapi.yaml'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_UPDATE_NOTIFIER: '1' },
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect({ status: run.status, output: run.status === 0 ? '' : output }).toEqual({ status: 0, output: '' });
    expect(output).toMatch(/Your API description is valid/); // no errors and no warnings
  }, 120_000);
});
