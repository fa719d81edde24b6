/**
 * Language tags (STIX 2.1 §3.2 `lang`, §7.1 language-content, §6.14 software.languages):
 * RFC 5646 well-formed tags.
 */
import { error } from '../findings';
import { type Rule, isRecord } from './types';

// RFC 5646 §2.1 langtag, plus the private-use and grandfathered irregular forms used in practice.
const LANGTAG = new RegExp(
  '^(?:' +
    '(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})' + // language (+extlang)
    '(?:-[a-z]{4})?' + // script
    '(?:-(?:[a-z]{2}|\\d{3}))?' + // region
    '(?:-(?:[a-z\\d]{5,8}|\\d[a-z\\d]{3}))*' + // variants
    '(?:-[\\da-wy-z](?:-[a-z\\d]{2,8})+)*' + // extensions
    '(?:-x(?:-[a-z\\d]{1,8})+)?' + // private use
    '|x(?:-[a-z\\d]{1,8})+' +
    '|i-(?:ami|bnn|default|enochian|hak|klingon|lux|mingo|navajo|pwn|tao|tay|tsu)|en-gb-oed|sgn-(?:be-fr|be-nl|ch-de)' +
    ')$',
  'i',
);
const PROPERTY_NAME = /^[a-z0-9_]{3,250}$/;

export function isLanguageTag(tag: string): boolean {
  return tag.length <= 256 && LANGTAG.test(tag);
}

export const languageRules: Rule = (obj, type, report) => {
  const lang = obj.lang;
  if (typeof lang === 'string' && !isLanguageTag(lang)) {
    error(report, '/lang', 'language-tag', `'lang' value '${lang}' is not an RFC 5646 language tag (e.g. 'en', 'pt-BR')`);
  }
  const gm = obj.granular_markings;
  if (Array.isArray(gm)) {
    gm.forEach((g, i) => {
      if (isRecord(g) && typeof g.lang === 'string' && !isLanguageTag(g.lang)) {
        error(report, `/granular_markings/${i}/lang`, 'language-tag', `granular marking 'lang' value '${g.lang}' is not an RFC 5646 language tag`);
      }
    });
  }
  if (type === 'language-content' && isRecord(obj.contents)) {
    for (const [tag, value] of Object.entries(obj.contents)) {
      if (!isLanguageTag(tag)) {
        error(report, `/contents/${tag}`, 'language-tag', `'contents' key '${tag}' is not an RFC 5646 language tag`);
      }
      if (isRecord(value)) {
        for (const prop of Object.keys(value)) {
          if (!PROPERTY_NAME.test(prop)) {
            error(report, `/contents/${tag}/${prop}`, 'language-content-property', `'${prop}' in contents '${tag}' is not a valid property name (3-250 characters of a-z, 0-9, '_')`);
          }
        }
      }
    }
  }
  if (type === 'software' && Array.isArray(obj.languages)) {
    obj.languages.forEach((l, i) => {
      // ISO 639-2 three-letter codes are accepted for compatibility with STIX 2.0 content.
      if (typeof l === 'string' && !isLanguageTag(l) && !/^[a-z]{3}$/.test(l)) {
        error(report, `/languages/${i}`, 'language-tag', `software language '${l}' is not an RFC 5646 language tag`);
      }
    });
  }
};
