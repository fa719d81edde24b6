/** Small numeric and formatting helpers of the benchmark. */

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.ceil(at)]! - s[lo]!) * (at - lo);
}

export const median = (xs: readonly number[]) => quantile(xs, 0.5);

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Milliseconds with about three significant digits. */
export function ms(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return fmt(n, n < 10 ? 2 : n < 100 ? 1 : 0);
}

/** A size as people say it: 1k, 10k, 1M. */
export function size(n: number): string {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return fmt(n);
}

export const mib = (kib: number) => fmt(kib / 1024);

export function table(head: string[], rows: string[][], right = true): string {
  const align = head.map((_, i) => (i === 0 || !right ? '---' : '---:'));
  return [head, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}
