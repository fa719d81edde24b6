/**
 * Suricata and Snort rules: one rule per (value, protocol). IP addresses and networks: `ip` both
 * ways (two rules: to and from); domains: DNS query (Suricata `dns.query`, Snort a DNS wire-format
 * content) and TLS SNI (Suricata only); URLs: HTTP host + path. Email addresses and file hashes
 * are not written as rules (Suricata's filemd5/filesha256 read list files: use the text export
 * with observable=md5 etc.).
 *
 * sid: derived from (indicator id, value, protocol) into 1,000,000,000–3,999,999,999, above the
 * Snort/Talos and Emerging Threats ranges (all below 100,000,000) and within Suricata's 32 bits;
 * stable across exports. A collision within one export moves to the next free sid. rev: the
 * version (`modified`) in seconds since the epoch, so a new version has a higher rev.
 */
import crypto from 'node:crypto';
import type { ExportItem } from '../select';
import type { ExportValue } from '../values';
import { nameOf, type ExportContext, type StreamFormat, type StreamWriter } from './format';

export const SID_MIN = 1_000_000_000;
export const SID_SPAN = 3_000_000_000;

export function sidOf(indicatorId: string, value: string, protocol: string): number {
  const h = crypto.createHash('sha256').update(`${indicatorId}|${value}|${protocol}`).digest();
  return SID_MIN + (h.readUInt32BE(0) % SID_SPAN);
}

function revOf(stix: Record<string, unknown>): number {
  const v = typeof stix.modified === 'string' ? stix.modified : typeof stix.created === 'string' ? stix.created : undefined;
  const t = v ? Math.floor(Date.parse(v) / 1000) : NaN;
  return Number.isFinite(t) && t > 0 ? t : 1;
}

/** msg and content: no quote, semicolon, backslash or pipe (rule-language specials), printable. */
function safe(text: string): string {
  return text.replace(/["';\\|:]/g, ' ').replace(/[^\x20-\x7e]/g, '?').replace(/ +/g, ' ').trim().slice(0, 160);
}

/** A host name as DNS wire labels for Snort content: |07|example|03|org|00|. */
function dnsContent(domain: string): string {
  return domain
    .split('.')
    .map((l) => `|${l.length.toString(16).padStart(2, '0')}|${l}`)
    .join('') + '|00|';
}

function hostAndPath(url: string): { host: string; path: string } | null {
  try {
    const u = new URL(url);
    return { host: u.hostname, path: `${u.pathname}${u.search}` };
  } catch {
    return null;
  }
}

type Flavour = 'suricata' | 'snort';

/** Rule bodies (header and match options) per protocol for one value; [] when the flavour has none. */
function bodies(v: ExportValue, flavour: Flavour): [string, string][] {
  switch (v.kind) {
    case 'ipv4':
    case 'ipv6':
      return [
        ['ip-dst', `alert ip any any -> ${v.value} any (`],
        ['ip-src', `alert ip ${v.value} any -> any any (`],
      ];
    case 'domain': {
      if (!/^[a-z0-9.-]+$/.test(v.value)) return [];
      if (flavour === 'snort') return [['dns', `alert udp any any -> any 53 (content:"${dnsContent(v.value)}"; nocase; `]];
      return [
        ['dns', `alert dns any any -> any any (dns.query; content:"${v.value}"; nocase; endswith; `],
        ['tls', `alert tls any any -> any any (tls.sni; content:"${v.value}"; nocase; endswith; `],
      ];
    }
    case 'url': {
      const u = hostAndPath(v.value);
      if (!u || !/^[a-z0-9.-]+$/.test(u.host) || /["';\\|]/.test(u.path)) return [];
      if (flavour === 'snort') {
        return [['http', `alert tcp any any -> any $HTTP_PORTS (content:"${u.host}"; http_header; nocase; content:"${u.path}"; http_uri; `]];
      }
      return [['http', `alert http any any -> any any (http.host; content:"${u.host}"; nocase; http.uri; content:"${u.path}"; startswith; `]];
    }
    default:
      return [];
  }
}

function writer(flavour: Flavour, ctx: ExportContext): StreamWriter {
  const used = new Set<number>();
  return {
    head: () => `# Puente ${flavour} rules: ${ctx.group}/${ctx.collection.alias}, generated ${ctx.generated}\n`,
    item: (it: ExportItem) => {
      let out = '';
      const id = it.doc.meta.id;
      const rev = revOf(it.stix);
      const tlp = it.doc.meta.tlp ?? 'unmarked';
      for (const v of it.values) {
        for (const [protocol, body] of bodies(v, flavour)) {
          let sid = sidOf(id, v.value, protocol);
          while (used.has(sid)) sid = sid + 1 >= SID_MIN + SID_SPAN ? SID_MIN : sid + 1;
          used.add(sid);
          const msg = safe(`PUENTE ${nameOf(it)} ${protocol} ${v.value}`);
          out += `${body}msg:"${msg}"; metadata: stix_id ${id}, tlp ${tlp.replace('+', '_')}, puente_group ${ctx.group}; classtype:trojan-activity; sid:${sid}; rev:${rev};)\n`;
        }
      }
      return out;
    },
    tail: () => '',
  };
}

export const suricataFormat: StreamFormat = { mediaType: 'text/plain; charset=utf-8', writer: (ctx) => writer('suricata', ctx) };
export const snortFormat: StreamFormat = { mediaType: 'text/plain; charset=utf-8', writer: (ctx) => writer('snort', ctx) };
