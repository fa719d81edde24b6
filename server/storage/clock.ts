/**
 * TAXII date_added with microsecond precision (TAXII 2.1 §3.2: timestamps in date_added are
 * at least millisecond precision; we keep microseconds). A BSON date holds milliseconds, so
 * date_added is stored as a fixed-width string, which sorts like the time it names.
 * Within this process every value is unique and increasing.
 */
let lastMicros = 0n;
const startWall = BigInt(Date.now()) * 1000n;
const startHr = process.hrtime.bigint();

export function nowMicros(): bigint {
  const elapsed = (process.hrtime.bigint() - startHr) / 1000n;
  let t = startWall + elapsed;
  if (t <= lastMicros) t = lastMicros + 1n;
  lastMicros = t;
  return t;
}

/** Reserves `n` consecutive values; returns the first. No other call in this process gets any of them. */
export function reserveMicros(n: number): bigint {
  const first = nowMicros();
  lastMicros = first + BigInt(Math.max(n, 1) - 1);
  return first;
}

export function formatMicros(micros: bigint): string {
  const ms = Number(micros / 1000n);
  const frac = (micros % 1_000_000n).toString().padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

export function dateAdded(): string {
  return formatMicros(nowMicros());
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$/;

/**
 * Normalises an RFC 3339 UTC timestamp to a fixed-width, sortable form with `digits` fraction
 * digits (truncated, never rounded up). Returns undefined when the text is not a valid timestamp.
 */
export function normaliseTimestamp(text: string, digits = 6): string | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = ''] = m;
  const date = new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, Math.min(+s!, 59)));
  if (
    date.getUTCFullYear() !== +y! ||
    date.getUTCMonth() !== +mo! - 1 ||
    date.getUTCDate() !== +d! ||
    +h! > 23 ||
    +mi! > 59 ||
    +s! > 60
  ) {
    return undefined;
  }
  return `${y}-${mo}-${d}T${h}:${mi}:${s}.${frac.slice(0, digits).padEnd(digits, '0')}Z`;
}

/** A STIX version timestamp in the stored, sortable form (9 fraction digits). */
export function versionKey(text: string): string | undefined {
  return normaliseTimestamp(text, 9);
}
