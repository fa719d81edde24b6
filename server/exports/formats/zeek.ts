/**
 * Zeek intel framework file (Intel::read_files), tab-separated. The header is the one Zeek writes
 * for its own logs (#separator … #types), which the input framework's ASCII reader accepts and
 * generic Zeek log readers need. URLs without their scheme (Zeek's Intel::URL), networks as
 * Intel::SUBNET, hashes lowercase hex as Intel::FILE_HASH.
 */
import type { ExportValue } from '../values';
import { nameOf, oneLine, type StreamFormat } from './format';

function zeekType(v: ExportValue): string | null {
  switch (v.kind) {
    case 'ipv4':
    case 'ipv6':
      return v.value.includes('/') ? 'Intel::SUBNET' : 'Intel::ADDR';
    case 'domain':
      return 'Intel::DOMAIN';
    case 'url':
      return 'Intel::URL';
    case 'email':
      return 'Intel::EMAIL';
    default:
      return 'Intel::FILE_HASH';
  }
}

/** A field: no tab or newline, `-` (unset) when empty. */
function field(text: string): string {
  const t = oneLine(text.replace(/\t/g, ' '), 300);
  return t === '' ? '-' : t;
}

export const zeekFormat: StreamFormat = {
  mediaType: 'text/plain; charset=utf-8',
  writer: (ctx) => ({
    head: () =>
      [
        '#separator \\x09',
        '#set_separator\t,',
        '#empty_field\t(empty)',
        '#unset_field\t-',
        '#path\tintel',
        `#open\t${ctx.generated}`,
        '#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc',
        '#types\tstring\tenum\tstring\tstring',
        '',
      ].join('\n'),
    item: (it) => {
      let out = '';
      const source = field(`puente:${ctx.group}/${ctx.collection.alias}`);
      const desc = field(`${nameOf(it)} (${it.doc.meta.id}, TLP:${(it.doc.meta.tlp ?? 'unmarked').toUpperCase()})`);
      for (const v of it.values) {
        const type = zeekType(v);
        const value = v.kind === 'url' ? v.value.replace(/^[a-z][a-z0-9+.-]*:\/\//, '') : v.value;
        if (type && !/[\t\n]/.test(value)) out += `${value}\t${type}\t${source}\t${desc}\n`;
      }
      return out;
    },
    tail: () => '',
  }),
};
