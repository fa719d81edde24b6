/** The decay settings and arithmetic (server/exports/decay.ts); the HTTP behaviour is test/api/exports-decay.test.ts. */
import { aliveValues, lifetimesOf, parseLifetimes, sightingTime } from '../../server/exports/decay';

describe('parseLifetimes', () => {
  it('reads days per observable kind per trust group, with * for the others', () => {
    const cfg = parseLifetimes('{"colombia":{"ipv4":30},"*":{"sha256":365}}');
    expect(lifetimesOf(cfg, 'colombia')).toEqual({ ipv4: 30 });
    expect(lifetimesOf(cfg, 'eu')).toEqual({ sha256: 365 });
    expect(lifetimesOf(parseLifetimes(undefined), 'eu')).toBeUndefined();
  });

  it.each([
    ['not json', /not JSON/],
    ['[1]', /object of trust groups/],
    ['{"eu":{"ip":30}}', /"ip" is not one of/],
    ['{"eu":{"ipv4":0}}', /whole number of days/],
    ['{"eu":{"ipv4":"30d"}}', /whole number of days/],
  ])('refuses %s, naming the mistake', (json, why) => {
    expect(() => parseLifetimes(json)).toThrow(why);
  });
});

describe('lifetimes', () => {
  const DAY = 86_400_000;
  it('keeps a value younger than its kind allows and values of kinds without a lifetime', () => {
    const values = [{ kind: 'ipv4' as const, value: '10.0.0.1' }, { kind: 'md5' as const, value: 'a'.repeat(32) }];
    expect(aliveValues(values, { ipv4: 30 }, 0, 29 * DAY)).toHaveLength(2);
    expect(aliveValues(values, { ipv4: 30 }, 0, 30 * DAY)).toEqual([values[1]]);
  });

  it('dates a sighting by last_seen, never later than when the hub received it', () => {
    expect(sightingTime({ last_seen: '2026-02-01T00:00:00Z' }, '2026-03-01T00:00:00.000000Z')).toBe(Date.parse('2026-02-01T00:00:00Z'));
    expect(sightingTime({ last_seen: '2030-01-01T00:00:00Z' }, '2026-03-01T00:00:00.000000Z')).toBe(Date.parse('2026-03-01T00:00:00Z'));
  });
});
