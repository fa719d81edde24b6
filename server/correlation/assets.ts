/**
 * Matching values against a group's protected assets: an address inside a protected range, a
 * range overlapping one, a domain equal to or under a protected domain, a URL or e-mail on such a
 * host, an AS number. Also the pattern side: one STIX pattern comparison against the assets.
 */
import ipaddr from 'ipaddr.js';
import type { ProtectedAssets } from './config';
import { normaliseDomain, normaliseEmail } from './observables';
import type { Comparison, PatternValue } from './types';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface AssetIndex {
  ranges: { text: string; range: Range }[];
  domains: string[];
  domainSet: Set<string>;
  asns: Set<number>;
  ids: Set<string>;
}

/** Throws on an unparseable range or domain: configuration must fail at start-up, not match nothing. */
export function indexAssets(assets: ProtectedAssets): AssetIndex {
  const ranges = assets.cidrs.map((text) => {
    const t = text.includes('/') ? text : `${text}/${ipaddr.parse(text).kind() === 'ipv4' ? 32 : 128}`;
    return { text, range: toRange(t) };
  });
  const domains = assets.domains.map((d) => {
    const n = normaliseDomain(d);
    if (!n) throw new Error(`protected domain "${d}" is not a domain name`);
    return n;
  });
  return { ranges, domains, domainSet: new Set(domains), asns: new Set(assets.asns), ids: new Set(assets.ids) };
}

function toRange(cidr: string): Range {
  const [addr, bits] = ipaddr.parseCIDR(cidr.trim());
  return [addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr, bits];
}

function overlaps(a: Range, b: Range): boolean {
  if (a[0].kind() !== b[0].kind()) return false;
  // Two prefixes overlap iff the shorter one contains the other's network address.
  const [wide, narrow] = a[1] <= b[1] ? [a, b] : [b, a];
  return narrow[0].match(wide as [never, number]);
}

/** Protected ranges an address or CIDR text falls in or overlaps. */
export function matchIp(text: string, idx: AssetIndex): string[] {
  let r: Range;
  try {
    const t = text.trim();
    if (t.includes('/')) r = toRange(t);
    else {
      const a = ipaddr.process(t);
      r = [a, a.kind() === 'ipv4' ? 32 : 128];
    }
  } catch {
    return [];
  }
  return idx.ranges.filter((p) => overlaps(r, p.range)).map((p) => p.text);
}

/** Protected domains equal to or a parent of `name`. */
export function matchDomain(name: string, idx: AssetIndex): string[] {
  const d = normaliseDomain(name);
  if (!d) return [];
  // Walk up the labels: a.b.example.org, b.example.org, example.org, org.
  const out: string[] = [];
  for (let rest = d; ; rest = rest.slice(rest.indexOf('.') + 1)) {
    if (idx.domainSet.has(rest)) out.push(rest);
    if (!rest.includes('.')) return out;
  }
}

export function matchHost(host: string, idx: AssetIndex): string[] {
  const h = host.replace(/^\[|\]$/g, '');
  return ipaddr.isValid(h) ? matchIp(h, idx) : matchDomain(h, idx);
}

export function matchUrl(text: string, idx: AssetIndex): string[] {
  try {
    return matchHost(new URL(text.trim()).hostname, idx);
  } catch {
    return [];
  }
}

export function matchEmail(text: string, idx: AssetIndex): string[] {
  const e = normaliseEmail(text);
  return e ? matchDomain(e.slice(e.lastIndexOf('@') + 1), idx) : [];
}

/** Matches of one SCO property value, by what the property holds. */
export function matchValue(objectType: string, prop: string, value: unknown, idx: AssetIndex): string[] {
  if (objectType === 'autonomous-system' && prop === 'number') {
    return idx.asns.has(Number(value)) ? [`AS${Number(value)}`] : [];
  }
  if (typeof value !== 'string') return [];
  if (objectType === 'ipv4-addr' || objectType === 'ipv6-addr') return matchIp(value, idx);
  if (objectType === 'domain-name') return matchDomain(value, idx);
  if (objectType === 'url') return matchUrl(value, idx);
  if (objectType === 'email-addr') return matchEmail(value, idx);
  // network-traffic:dst_ref.value and the like: an address or a host name.
  if (objectType === 'network-traffic') return matchHost(value, idx);
  return [];
}

/** SQL LIKE (STIX 2.1 §9.7: % and _) as an anchored, case-sensitive regular expression. */
export function likeToRegExp(like: string): RegExp {
  const body = like.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * Does a LIKE/MATCHES test on domain names cover a protected domain or a name under it? Intersecting
 * two regular languages is out of scope: test the domain, a probe subdomain, and whether the
 * expression's literal text ends with the domain (`^vpn\.ministry\.example\.eu$`).
 */
function matchDomainPattern(re: RegExp, source: string, idx: AssetIndex): string[] {
  const literal = source.toLowerCase().replace(/\\(.)/g, '$1').replace(/\$$/, '');
  return idx.domains.filter((p) => {
    if (re.test(p) || re.test(`puente-probe.${p}`)) return true;
    const at = literal.length - p.length;
    return literal.endsWith(p) && (at === 0 || !/[a-z0-9-]/.test(literal[at - 1]));
  });
}

function scalarValues(v: PatternValue): PatternValue[] {
  return v.type === 'set' ? v.value : [v];
}

const HOST_TYPES = new Set(['domain-name', 'ipv4-addr', 'ipv6-addr', 'url', 'email-addr', 'network-traffic', 'autonomous-system']);

/**
 * Protected assets one comparison names. Only comparisons that assert the value (=, IN,
 * ISSUBSET, ISSUPERSET, LIKE, MATCHES without NOT) can name an asset; != and NOT do not.
 */
export function matchComparison(c: Comparison, idx: AssetIndex): string[] {
  if (c.negated || c.value === null || !HOST_TYPES.has(c.objectType)) return [];
  const prop = String(c.path[c.path.length - 1] ?? '');
  if (prop !== 'value' && prop !== 'number') return [];
  if (c.objectType === 'network-traffic' && !c.path.some((p) => p === 'src_ref' || p === 'dst_ref')) return [];
  const out = new Set<string>();
  switch (c.op) {
    case '=':
    case 'IN':
    case 'ISSUBSET':
    case 'ISSUPERSET':
      for (const v of scalarValues(c.value)) {
        if (v.type === 'string' || v.type === 'int') for (const m of matchValue(c.objectType, prop, v.value, idx)) out.add(m);
      }
      break;
    case 'LIKE':
    case 'MATCHES': {
      if (c.objectType !== 'domain-name' || c.value.type !== 'string') break;
      let re: RegExp;
      try {
        re = c.op === 'LIKE' ? likeToRegExp(c.value.value.toLowerCase()) : new RegExp(c.value.value, 'i');
      } catch {
        break;
      }
      for (const m of matchDomainPattern(re, c.value.value, idx)) out.add(m);
      break;
    }
    default:
      break;
  }
  return [...out];
}
