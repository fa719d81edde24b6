import { FAST_PATTERNS } from '../../server/stix/fast-patterns';

/** mulberry32, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
];
const ALPHABET = '0123456789abcdefABCDEFxyz-:.TZ\n ';

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
      expect(accepted).toBeGreaterThan(50);
    });
  }
});
