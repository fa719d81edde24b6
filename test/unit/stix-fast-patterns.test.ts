import { FAST_PATTERNS } from '../../server/stix/fast-patterns';
import { calendarProblem, compareTimestamps } from '../../server/stix/rules/timestamps';
import { prng } from '../../scripts/bench/prng';

const SAMPLES = [
  'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
  'x-mitre-data-component--8e2e2d2b-17d4-1cbf-a38f-98ee46b3cd3f',
  'ab1--8E2E2D2B-17D4-5CBF-B38F-98EE46B3CD3F',
  '2016-04-06T20:03:48.000Z',
  '2016-04-06T20:03:48Z',
  '2024-12-31T23:59:60.123456789Z',
  '2016-04-06T20:03:48.1Z',
  '\n2016-04-06T20:03:48.000Z',
  '2016-04-06T20:03:48.000Z\n',
  '',
  'x_mitre_version',
  'payload_bin',
  'a_bin',
  'abc_hex',
  'id',
  'external_id',
  'ab',
  'A_b_hex',
  '_bin',
  `a${'b'.repeat(244)}_bin`,
  `a${'b'.repeat(245)}_hex`,
];
const ALPHABET = '0123456789abcdefABCDEFxyz-:.TZ\n _inhx';

/** Each sample with one character replaced, inserted or removed at every position. */
function* mutations(r: () => number): Generator<string> {
  for (const s of SAMPLES) {
    yield s;
    for (let i = 0; i <= s.length; i++) {
      const c = ALPHABET[Math.floor(r() * ALPHABET.length)];
      yield s.slice(0, i) + c + s.slice(i + 1);
      yield s.slice(0, i) + c + s.slice(i);
      yield s.slice(0, i) + s.slice(i + 1);
    }
  }
  for (let k = 0; k < 20_000; k++) {
    const base = SAMPLES[Math.floor(r() * SAMPLES.length)];
    let s = base;
    for (let m = 0; m < 3; m++) {
      const i = Math.floor(r() * (s.length + 1));
      s = s.slice(0, i) + ALPHABET[Math.floor(r() * ALPHABET.length)] + s.slice(i + (r() < 0.5 ? 1 : 0));
    }
    yield s;
  }
}

describe('hand-written schema patterns', () => {
  for (const [source, test] of FAST_PATTERNS) {
    it(`answers as /${source}/ does`, () => {
      const re = new RegExp(source);
      const wrong: string[] = [];
      let accepted = 0;
      for (const s of mutations(prng(7))) {
        const expected = re.test(s);
        if (expected) accepted++;
        if (test(s) !== expected) wrong.push(s);
      }
      expect(wrong).toEqual([]);
      expect(accepted).toBeGreaterThan(20);
    });
  }
});

/** The RegExp-and-slices versions the timestamp rules used before, kept as the reference. */
const TS_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function referenceCalendarProblem(ts: string): string | undefined {
  const m = TS_RE.exec(ts);
  if (!m) return undefined;
  const year = +m[1];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const max = +m[2] === 2 && leap ? 29 : DAYS[+m[2] - 1];
  if (+m[3] > max) return `day ${+m[3]} does not exist in ${m[1]}-${m[2]}`;
  if (m[6] === '60') return 'second 60 (a leap second) is not accepted';
  return undefined;
}
function referenceCompare(a: string, b: string): number {
  const head = a.slice(0, 19) < b.slice(0, 19) ? -1 : a.slice(0, 19) > b.slice(0, 19) ? 1 : 0;
  if (head !== 0) return head;
  let fa = a.slice(19, -1).replace('.', '');
  let fb = b.slice(19, -1).replace('.', '');
  const n = Math.max(fa.length, fb.length);
  fa = fa.padEnd(n, '0');
  fb = fb.padEnd(n, '0');
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

describe('hand-written timestamp rules', () => {
  const stamps = [
    ...mutations(prng(11)),
    '2024-02-29T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '1900-02-29T00:00:00.5Z',
    '2000-02-29T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-00-01T00:00:00Z',
    '2024-01-01T00:00:60Z',
  ];
  it('finds the same calendar problems as the RegExp version', () => {
    const wrong = stamps.filter((s) => calendarProblem(s) !== referenceCalendarProblem(s));
    expect(wrong).toEqual([]);
  });
  it('orders well-formed timestamps as the string version did, fractions padded with zeros', () => {
    const wellFormed = stamps.filter((s) => TS_RE.test(s)).slice(0, 400);
    wellFormed.push('2016-04-06T20:03:48Z', '2016-04-06T20:03:48.0Z', '2016-04-06T20:03:48.0001Z', '2016-04-06T20:03:48.001Z');
    const wrong: string[][] = [];
    for (const a of wellFormed) for (const b of wellFormed) if (compareTimestamps(a, b) !== referenceCompare(a, b)) wrong.push([a, b]);
    expect(wrong).toEqual([]);
    expect(wellFormed.length).toBeGreaterThan(50);
  });
});
