/**
 * SCO value rules the schemas leave out (STIX 2.1 §6): CPE 2.3 names on software, IANA
 * character-set names on file/directory.
 */
import { error } from '../findings';
import type { Rule } from './types';

const CPE_PART = String.raw`(?:(?:\?*|\*?)(?:[a-zA-Z0-9\-._]|\\[\\*?!"#$%&'()+,/:;<=>@\[\]^\x60{|}~])+(?:\?*|\*?)|[*-])`;
// NIST IR 7695 §6.2 formatted string binding.
const CPE23_FS = new RegExp(
  String.raw`^cpe:2\.3:[aho*\-](?::${CPE_PART}){5}(?::(?:[a-zA-Z]{2,3}(?:-(?:[a-zA-Z]{2}|[0-9]{3}))?|[*\-]))(?::${CPE_PART}){4}$`,
);
// NIST IR 7695 §6.1 URI binding, which CPE 2.3 tools also accept.
const CPE_URI = /^cpe:\/[aho]?(?::[a-zA-Z0-9._\-~%!]*){0,6}$/;
// IANA character-set names: the same fallback rule stix2-validator uses without its registry copy.
const CHARSET = /^[a-zA-Z0-9_()-]+$/;

export function isCpe23(value: string): boolean {
  return CPE23_FS.test(value) || CPE_URI.test(value);
}

export const observableRules: Rule = (obj, type, report) => {
  if (typeof obj.cpe === 'string' && !isCpe23(obj.cpe)) {
    error(report, '/cpe', 'cpe', `'cpe' value '${obj.cpe}' is not a CPE 2.3 name (cpe:2.3:part:vendor:product:version:…)`);
  }
  const enc = type === 'directory' ? 'path_enc' : type === 'file' ? 'name_enc' : undefined;
  if (enc && typeof obj[enc] === 'string' && !CHARSET.test(obj[enc] as string)) {
    error(report, `/${enc}`, 'charset', `'${enc}' value '${String(obj[enc])}' is not an IANA character set name`);
  }
};
