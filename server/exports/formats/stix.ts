/** A STIX 2.1 bundle of the selection; each object is its stored JSON text, byte for byte. */
import crypto from 'node:crypto';
import type { StreamFormat } from './format';

export const stixFormat: StreamFormat = {
  mediaType: 'application/stix+json;version=2.1',
  writer: () => {
    let first = true;
    return {
      head: () => `{"type":"bundle","id":"bundle--${crypto.randomUUID()}"`,
      item: (it) => {
        const sep = first ? ',"objects":[' : ',';
        first = false;
        return sep + it.doc.raw;
      },
      // STIX 2.1 §8: `objects`, when present, is not empty.
      tail: () => (first ? '}' : ']}'),
    };
  },
};
