// The OASIS cti-pattern-validator corpus (test/fixtures/stix-patterns, BSD-3-Clause, see LICENSE
// there): every STIX 2.1 entry must get the validator's verdict. Decisions are in docs/patterns.md.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePattern } from '../../server/stix/pattern';

type Entry = string | { pattern: string; expected?: string; test?: string };
const corpus = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'stix-patterns', 'patterns-corpus-extracted.json'), 'utf8'),
) as Record<'v20' | 'v21', Record<string, Entry[]>>;

interface Case {
  version: string;
  section: string;
  pattern: string;
  valid: boolean;
  /** 0-based column the OASIS validator reports ("Error found at line 1:N"), if any. */
  oasisColumn: number | null;
}

function cases(version: 'v20' | 'v21'): Case[] {
  const out: Case[] = [];
  for (const [section, entries] of Object.entries(corpus[version])) {
    for (const e of entries) {
      const pattern = typeof e === 'string' ? e : e.pattern;
      const expected = typeof e === 'string' ? undefined : e.expected;
      const valid = expected === undefined && !section.includes('FAIL');
      const m = expected === undefined ? null : /line 1:(\d+)\./.exec(expected);
      out.push({ version, section, pattern, valid, oasisColumn: m ? Number(m[1]) : null });
    }
  }
  return out;
}

const v21 = cases('v21');
const key = (c: Case): string => `${c.valid}|${c.pattern}`;
const v21Keys = new Set(v21.map(key));
// v2.0 entries not repeated in v2.1: see docs/patterns.md for why each does (not) apply.
const v20Only = cases('v20').filter((c) => !v21Keys.has(key(c)));

// Valid for the OASIS validator, invalid under STIX 2.1 naming rules (strict mode only).
const STRICT_DIFFERENCES: Record<string, RegExp> = {
  "[x_whatever:detected == t'2018-03-22T12:11:14.1Z']": /object type 'x_whatever' may only contain lowercase letters, digits and '-'/,
};
function strictDifference(pattern: string): RegExp | undefined {
  if (/^\[x:created = /.test(pattern)) return /object type 'x' must be 3 to 250 characters long/;
  return STRICT_DIFFERENCES[pattern];
}

describe('OASIS pattern corpus, STIX 2.1 entries', () => {
  it('holds the expected number of entries', () => {
    expect(v21).toHaveLength(106);
    expect(v21.filter((c) => c.valid)).toHaveLength(79);
  });

  it.each(v21.map((c) => [c.section, c.pattern, c] as const))(
    '%s: gives the OASIS verdict with strict off: %s',
    (_section, pattern, c) => {
      const r = parsePattern(pattern, { strict: false });
      expect(r.ok).toBe(c.valid);
      if (!r.ok && c.oasisColumn !== null) expect(r.error.column - 1).toBe(c.oasisColumn);
    },
  );

  it.each(v21.map((c) => [c.section, c.pattern, c] as const))(
    '%s: gives the OASIS verdict in strict mode or a documented STIX 2.1 naming error: %s',
    (_section, pattern, c) => {
      const r = parsePattern(pattern);
      const difference = c.valid ? strictDifference(pattern) : undefined;
      if (difference) {
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.message).toMatch(difference);
        return;
      }
      expect(r.ok).toBe(c.valid);
      if (!r.ok && c.oasisColumn !== null) expect(r.error.column - 1).toBe(c.oasisColumn);
    },
  );

  it('counts 11 strict-mode differences, all about object type names', () => {
    const differing = v21.filter((c) => c.valid && !parsePattern(c.pattern).ok);
    expect(differing).toHaveLength(11);
  });

  it('rejects the corpus timestamps that name days that do not exist, in strict mode', () => {
    for (const day of ['2024-02-30', '2024-04-31', '2023-02-29']) {
      const r = parsePattern(`[file:created = t'${day}T12:00:00Z']`);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/names day \d+ of a month that has \d+ days/);
    }
    expect(parsePattern("[file:created = t'2024-02-29T12:00:00Z']").ok).toBe(true);
    expect(parsePattern("[file:created = t'2000-02-29T12:00:00Z']").ok).toBe(true);
  });
});

describe('OASIS pattern corpus, STIX 2.0 entries', () => {
  it('differs from the 2.1 entries only by one duplicate-qualifier case', () => {
    // The 2.0 specification example with IN(443,...) also appears among the 2.1 PASS_CASES.
    expect(v20Only.map((c) => c.pattern)).toEqual(['[foo:bar = 1] REPEATS 1 TIMES REPEATS 2 TIMES']);
  });

  it('shares every other 2.0 entry with the 2.1 set, so the 2.1 tests cover them', () => {
    const twins = cases('v20').filter((c) => v21Keys.has(key(c)));
    expect(twins.length).toBeGreaterThan(100);
  });

  it('rejects duplicate REPEATS on one observation, which 2.0 allowed and 2.1 forbids', () => {
    const r = parsePattern('[foo:bar = 1] REPEATS 1 TIMES REPEATS 2 TIMES', { strict: false });
    expect(r).toMatchObject({ ok: false, error: { column: 31, message: expect.stringMatching(/^duplicate REPEATS qualifier/) } });
  });
});
