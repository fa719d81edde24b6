/**
 * A MISP event (the JSON MISP's own API and PyMISP's MISPEvent.load read): one attribute per
 * value, `to_ids` set, TLP as a `tlp:*` tag on each attribute and the strictest one on the event.
 * Attribute uuids are UUIDv5 of (indicator id, value), stable across exports.
 */
import crypto from 'node:crypto';
import { uuidV5 } from '../../names';
import { mostRestrictive, type Tlp } from '../../stix/markings';
import type { ExportValue } from '../values';
import { nameOf, type StreamFormat } from './format';

const MISP_NAMESPACE = '1d5c4a3e-9f0b-5e6f-8a7b-70756e74656d';

function typeAndCategory(v: ExportValue): [string, string] {
  switch (v.kind) {
    case 'ipv4':
    case 'ipv6':
      return ['ip-dst', 'Network activity'];
    case 'domain':
      return ['domain', 'Network activity'];
    case 'url':
      return ['url', 'Network activity'];
    case 'email':
      return ['email-src', 'Payload delivery'];
    default:
      return [v.kind, 'Payload delivery'];
  }
}

function seconds(text: unknown): string {
  const t = typeof text === 'string' ? Date.parse(text) : NaN;
  return String(Number.isNaN(t) ? Math.floor(Date.now() / 1000) : Math.floor(t / 1000));
}

export const mispFormat: StreamFormat = {
  mediaType: 'application/json',
  writer: (ctx) => {
    let first = true;
    let strictest: Tlp | null = null;
    const now = seconds(ctx.generated);
    return {
      head: () => {
        const event = {
          uuid: crypto.randomUUID(),
          info: `Puente export: ${ctx.group}/${ctx.collection.alias} (${ctx.collection.title})`,
          date: ctx.generated.slice(0, 10),
          timestamp: now,
          threat_level_id: '4',
          analysis: '2',
          distribution: '0',
          published: false,
          // The creating organisation is the hub's trust group (the submitters are in each comment and in the csv).
          Orgc: { name: `Puente ${ctx.group}`, uuid: uuidV5(`orgc|${ctx.group}`, MISP_NAMESPACE) },
        };
        return `{"Event":${JSON.stringify(event).slice(0, -1)},"Attribute":[`;
      },
      item: (it) => {
        const tlp = it.doc.meta.tlp;
        strictest = mostRestrictive(strictest, tlp);
        const parts = it.values.map((v) => {
          const [type, category] = typeAndCategory(v);
          const attribute: Record<string, unknown> = {
            uuid: uuidV5(`${it.doc.meta.id}|${v.kind}|${v.value}`, MISP_NAMESPACE),
            type,
            category,
            value: v.value,
            to_ids: true,
            comment: `${nameOf(it)} (${it.doc.meta.id})`,
            timestamp: seconds(it.stix.modified ?? it.stix.created),
            ...(typeof it.stix.valid_from === 'string' ? { first_seen: it.stix.valid_from } : {}),
            ...(typeof it.stix.valid_until === 'string' ? { last_seen: it.stix.valid_until } : {}),
            Tag: tlp ? [{ name: `tlp:${tlp}` }] : [],
          };
          return JSON.stringify(attribute);
        });
        const sep = first ? '' : ',';
        first = false;
        return sep + parts.join(',');
      },
      tail: () => `],"Tag":${JSON.stringify(strictest ? [{ name: `tlp:${strictest}` }] : [])}}}`,
    };
  },
};
