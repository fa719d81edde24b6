// IPv4/IPv6 address and CIDR containment for ISSUBSET / ISSUPERSET (STIX 2.1 §9.5).

import ipaddr from 'ipaddr.js';

export interface Network {
  bytes: number[];
  prefix: number;
}

/** Parses '10.0.0.1', '10.0.0.0/8', '2001:db8::1' or '2001:db8::/32'; null if neither. */
export function parseNetwork(text: string): Network | null {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  let bytes: number[];
  if (ipaddr.IPv4.isValidFourPartDecimal(addr)) {
    bytes = ipaddr.IPv4.parse(addr).toByteArray();
  } else if (addr.includes(':') && ipaddr.IPv6.isValid(addr)) {
    bytes = ipaddr.IPv6.parse(addr).toByteArray();
  } else {
    return null;
  }
  const bits = bytes.length * 8;
  if (slash < 0) return { bytes, prefix: bits };
  const p = text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(p) || Number(p) > bits) return null;
  return { bytes, prefix: Number(p) };
}

/** true when every address of `inner` is also in `outer` (same address family). */
export function isSubnetOf(inner: Network, outer: Network): boolean {
  if (inner.bytes.length !== outer.bytes.length || inner.prefix < outer.prefix) return false;
  let bits = outer.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((inner.bytes[i] & mask) !== (outer.bytes[i] & mask)) return false;
  }
  return true;
}
