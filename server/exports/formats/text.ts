/**
 * Plain-text external dynamic lists (Palo Alto EDL, FortiGate external threat feed, Check Point
 * custom intelligence feed): one value a line, deduplicated, sorted. Addresses are collapsed:
 * a set of addresses and networks that covers a whole CIDR block is written as that block.
 * URLs lose their scheme (EDL URL lists take `host/path`); hashes are lowercase hex.
 */
import ipaddr from 'ipaddr.js';
import type { ExportValue } from '../values';

type Range = [bigint, bigint];

function toBig(bytes: number[]): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function fromBig(n: bigint, bits: number): string {
  const bytes: number[] = [];
  for (let i = bits / 8 - 1; i >= 0; i--) bytes.push(Number((n >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

function rangeOf(value: string, bits: number): Range {
  const [addr, prefix] = value.includes('/') ? ipaddr.parseCIDR(value) : [ipaddr.parse(value), bits];
  const start = toBig(addr.toByteArray());
  const size = 1n << BigInt(bits - prefix);
  const base = start - (start % size);
  return [base, base + size - 1n];
}

/** IPv4 on plain numbers (2^32 is exact in a double): the BigInt path costs 0.4 s per 60,000 addresses. */
function collapse4(values: Iterable<string>): string[] {
  const ranges: [number, number][] = [];
  for (const v of values) {
    const slash = v.indexOf('/');
    const parts = (slash < 0 ? v : v.slice(0, slash)).split('.');
    const start = ((+parts[0]! * 256 + +parts[1]!) * 256 + +parts[2]!) * 256 + +parts[3]!;
    const size = 2 ** (32 - (slash < 0 ? 32 : +v.slice(slash + 1)));
    const base = start - (start % size);
    ranges.push([base, base + size - 1]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) {
      if (r[1] > last[1]) last[1] = r[1];
    } else merged.push([r[0], r[1]]);
  }
  const dotted = (n: number) => `${Math.floor(n / 16777216)}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
  const out: string[] = [];
  for (const [start, end] of merged) {
    let s = start;
    while (s <= end) {
      let size = 1;
      let prefix = 32;
      while (prefix > 0 && s % (size * 2) === 0 && s + size * 2 - 1 <= end) {
        size *= 2;
        prefix--;
      }
      out.push(prefix === 32 ? dotted(s) : `${dotted(s)}/${prefix}`);
      s += size;
    }
  }
  return out;
}

/** Merges overlapping and adjacent ranges, then cuts each into the fewest CIDR blocks. */
export function collapse(values: Iterable<string>, bits: 32 | 128): string[] {
  if (bits === 32) return collapse4(values);
  const ranges = [...values].map((v) => rangeOf(v, bits)).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: Range[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1n) {
      if (r[1] > last[1]) last[1] = r[1];
    } else merged.push([r[0], r[1]]);
  }
  const out: string[] = [];
  for (const [start, end] of merged) {
    let s = start;
    while (s <= end) {
      let size = 1n;
      let prefix = bits;
      // Largest aligned block starting at s that stays within the range.
      while (prefix > 0 && s % (size * 2n) === 0n && s + size * 2n - 1n <= end) {
        size *= 2n;
        prefix--;
      }
      out.push(prefix === bits ? fromBig(s, bits) : `${fromBig(s, bits)}/${prefix}`);
      s += size;
    }
  }
  return out;
}

/** Collects the values of an export (values only, never objects) and writes the list. */
export class TextList {
  private readonly v4 = new Set<string>();
  private readonly v6 = new Set<string>();
  private readonly other = new Set<string>();

  add(v: ExportValue): void {
    if (v.kind === 'ipv4') this.v4.add(v.value);
    else if (v.kind === 'ipv6') this.v6.add(v.value);
    else if (v.kind === 'url') this.other.add(v.value.replace(/^[a-z][a-z0-9+.-]*:\/\//, ''));
    else this.other.add(v.value);
  }

  /** IPv4 then IPv6 in address order, then every other value in byte order. */
  lines(): string[] {
    const rest = [...this.other].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return [...collapse(this.v4, 32), ...collapse(this.v6, 128), ...rest];
  }
}
