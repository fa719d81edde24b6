/**
 * House rules (README, architecture): only server/storage talks to a database driver (and the
 * benchmarks' baseline, which is the driver by definition), and no import circle in server/ or
 * scripts/ (madge).
 */
import fs from 'node:fs';
import path from 'node:path';
import madge from 'madge';

const ROOT = path.resolve(__dirname, '..', '..');
const DRIVERS = ['mongodb', 'mongoose', 'pg', 'pg-copy-streams', 'bson'];
/** The benchmarks' baseline is by definition the database client itself, running the hub's queries. */
const BASELINE = path.join(ROOT, 'scripts', 'bench', 'baseline.ts');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Module specifiers of import/export-from/require/import() in a TypeScript file. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]!);
  return out;
}

describe('architecture', () => {
  it('finds driver imports with the same scanner the rule uses', () => {
    expect(importsOf("import { MongoClient } from 'mongodb';\nconst pg = require('pg');\nimport 'bson';")).toEqual(['mongodb', 'pg', 'bson']);
  });

  it('lets no file outside server/storage import a database driver', () => {
    const offenders: string[] = [];
    for (const file of [...sources(path.join(ROOT, 'server')), ...sources(path.join(ROOT, 'scripts'))]) {
      if (file.startsWith(path.join(ROOT, 'server', 'storage') + path.sep) || file === BASELINE) continue;
      for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
        if (DRIVERS.some((d) => spec === d || spec.startsWith(`${d}/`))) offenders.push(`${path.relative(ROOT, file)} imports ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('has no import circle in server/ or scripts/', async () => {
    const graph = await madge([path.join(ROOT, 'server'), path.join(ROOT, 'scripts')], {
      fileExtensions: ['ts'],
      tsConfig: path.join(ROOT, 'tsconfig.json'),
    });
    expect(graph.circular()).toEqual([]);
  });
});
