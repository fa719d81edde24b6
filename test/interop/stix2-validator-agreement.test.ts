/**
 * Agreement with the OASIS stix2-validator (PyPI), object by object, on every bundle,
 * envelope and object in test/fixtures/stix (copied from ../shared/data) and reference/. Every deliberate
 * difference is listed in docs/validation.md and asserted below; a new one fails the test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIMITS, createValidator } from '../../server/stix';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'stix');
/** Reference data the hub ships (ATT&CK for ICS), checked like the fixtures. */
const REFERENCE = path.join(ROOT, 'reference');
const VENV = path.join(ROOT, '.cache', 'venv');
const PYTHON = path.join(VENV, 'bin', 'python');
const HELPER = path.join(__dirname, 'stix2-validator-verdicts.py');

interface Case {
  name: string;
  bundleVersion: string | null;
  objects: unknown[];
}
type Oasis = Record<string, { index: number; id: string | null; valid: boolean; errors: string[] }[]>;

/** Deliberate differences: "case#index" -> which side rejects, and why (docs/validation.md). */
const DOCUMENTED: Record<string, { puente: boolean; oasis: boolean; reason: string }> = {
  'cti-stix-validator/v21-test-base-objects-extracted.json#indicator_tests.py:VALID_INDICATOR#0': {
    puente: false,
    oasis: true,
    reason: "created_by_ref must refer to an identity (STIX 2.1 §3.2); it refers to a 'source--' id",
  },
  'cti-stix-validator/v21-test-base-objects-extracted.json#spec_version_tests.py:VALID_BUNDLE#0': {
    puente: false,
    oasis: true,
    reason: 'an SDO without spec_version is STIX 2.0 content; Puente accepts STIX 2.1 only',
  },
};

function ensureValidator(): void {
  if (existsSync(PYTHON) && tryImport()) return;
  execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit', timeout: 120_000 });
  execFileSync(path.join(VENV, 'bin', 'pip'), ['install', '--quiet', 'stix2-validator'], { stdio: 'inherit', timeout: 15 * 60_000 });
}

function tryImport(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import stix2validator'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? jsonFiles(full) : name.endsWith('.json') ? [full] : [];
    });
}

function collectCases(): Case[] {
  const cases: Case[] = [];
  const files = [...jsonFiles(FIXTURES).map((f) => [f, path.relative(FIXTURES, f)]), ...jsonFiles(REFERENCE).map((f) => [f, path.relative(ROOT, f)])];
  for (const [file, name] of files as [string, string][]) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue; // not JSON: both tools refuse the file before looking at objects
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) continue;
    const d = doc as Record<string, unknown>;
    if (name.endsWith('v21-test-base-objects-extracted.json')) {
      for (const [key, o] of Object.entries(d) as [string, Record<string, unknown>][]) {
        if (o.type === 'bundle') cases.push({ name: `${name}#${key}`, bundleVersion: (o.spec_version as string) ?? '2.1', objects: (o.objects as unknown[]) ?? [] });
        else cases.push({ name: `${name}#${key}`, bundleVersion: null, objects: [o] });
      }
    } else if (Array.isArray(d.objects)) {
      cases.push({ name, bundleVersion: (d.spec_version as string) ?? '2.1', objects: d.objects });
    } else if (typeof d.type === 'string' && typeof d.id === 'string') {
      cases.push({ name, bundleVersion: null, objects: [d] });
    }
  }
  return cases;
}

describe('agreement with the OASIS stix2-validator', () => {
  const cases = collectCases();
  let oasis: Oasis;

  beforeAll(() => {
    ensureValidator();
    const out = execFileSync(PYTHON, [HELPER], { input: JSON.stringify({ cases }), encoding: 'utf8', maxBuffer: 1 << 28, timeout: 10 * 60_000 });
    oasis = JSON.parse(out) as Oasis;
  }, 600_000);

  it('covers every bundle and object in the fixtures', () => {
    expect(cases.length).toBeGreaterThan(100);
    expect(cases.reduce((n, c) => n + c.objects.length, 0)).toBeGreaterThan(2400);
  });

  it('gives the same verdict per object, except the documented differences', () => {
    const validator = createValidator({ limits: DEFAULT_LIMITS });
    const differences: Record<string, { puente: boolean; oasis: boolean }> = {};
    let invalidBoth = 0;
    for (const c of cases) {
      const ours = validator.validateEnvelope({ objects: c.objects }).verdicts;
      ours.forEach((v, i) => {
        const theirs = oasis[c.name][i];
        if (v.ok !== theirs.valid) differences[`${c.name}#${i}`] = { puente: v.ok, oasis: theirs.valid };
        else if (!v.ok) invalidBoth++;
      });
    }
    const expected = Object.fromEntries(Object.entries(DOCUMENTED).map(([k, { puente, oasis: o }]) => [k, { puente, oasis: o }]));
    expect(differences).toEqual(expected);
    expect(invalidBoth).toBe(5);
  });
});
