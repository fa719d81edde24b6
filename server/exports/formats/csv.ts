/** SIEM CSV (RFC 4180: CRLF line ends, quoted where needed, by csv-stringify): one row per value. */
import { stringify } from 'csv-stringify/sync';
import { nameOf, sourceOf, type StreamFormat } from './format';

export const CSV_COLUMNS = [
  'value', 'observable_type', 'indicator_id', 'name', 'confidence', 'tlp', 'valid_from', 'valid_until', 'source_organisation', 'labels',
] as const;

const OPTIONS = { record_delimiter: 'windows' as const };

export const csvFormat: StreamFormat = {
  mediaType: 'text/csv; charset=utf-8; header=present',
  writer: () => ({
    head: () => stringify([[...CSV_COLUMNS]], OPTIONS),
    item: (it) => {
      const s = it.stix;
      const labels = Array.isArray(s.labels) ? s.labels.filter((l) => typeof l === 'string').join(';') : '';
      return stringify(
        it.values.map((v) => [
          v.value,
          v.kind,
          it.doc.meta.id,
          nameOf(it),
          typeof s.confidence === 'number' ? String(s.confidence) : '',
          it.doc.meta.tlp ?? '',
          typeof s.valid_from === 'string' ? s.valid_from : '',
          typeof s.valid_until === 'string' ? s.valid_until : '',
          sourceOf(it),
          labels,
        ]),
        OPTIONS,
      );
    },
    tail: () => '',
  }),
};
