/** What every streamed export format is: a head, one chunk per selected object, a tail. */
import type { CollectionDoc } from '../../storage/collections';
import type { ExportItem } from '../select';

export interface ExportContext {
  group: string;
  collection: CollectionDoc;
  /** When the export was made (ISO 8601). */
  generated: string;
}

export interface StreamWriter {
  head(): string;
  item(it: ExportItem): string;
  tail(): string;
}

export interface StreamFormat {
  mediaType: string;
  /** A fresh writer per export (writers may keep small state: sids used, strictest TLP). */
  writer(ctx: ExportContext): StreamWriter;
}

/** Text safe inside a rule's quoted msg, a Zeek field or a CSV cell: printable, one line, bounded. */
export function oneLine(text: unknown, max = 200): string {
  const s = typeof text === 'string' ? text : '';
  let out = '';
  for (const ch of s) out += ch.charCodeAt(0) < 0x20 || ch === '\u007f' ? ' ' : ch;
  return out.replace(/ {2,}/g, ' ').trim().slice(0, max);
}

/** The indicator's display name: its name, else its id. */
export function nameOf(it: ExportItem): string {
  return oneLine(it.stix.name) || it.doc.meta.id;
}

/** Source organisation: the original submitter of a released copy, else the submitter. */
export function sourceOf(it: ExportItem): string {
  return it.doc.meta.origin?.organisation ?? it.doc.meta.org;
}
