import { formatMicros, nowMicros, reserveMicros } from '../../server/storage/clock';

describe('date_added clock', () => {
  it('never hands out a value inside a reserved range', () => {
    const first = reserveMicros(100_000);
    const next = nowMicros();
    expect(next).toBeGreaterThan(first + 99_999n);
  });

  it('is strictly increasing', () => {
    let last = nowMicros();
    for (let i = 0; i < 10_000; i++) {
      const t = nowMicros();
      expect(t > last).toBe(true);
      last = t;
    }
  });

  it('formats fixed-width microseconds that sort like time', () => {
    expect(formatMicros(1_767_225_600_000_001n)).toBe('2026-01-01T00:00:00.000001Z');
    expect(formatMicros(1_767_225_600_123_456n) > formatMicros(1_767_225_600_000_999n)).toBe(true);
  });
});
