/**
 * The search filters that need the STIX object itself (labels, sectors, markings, confidence,
 * created/modified, source organisation, words): pure functions over the parsed object and its
 * metadata, run on what storage returns, the same for both backends.
 */
import { normaliseTimestamp } from '../storage/clock';
import type { ObjectMeta } from '../storage/objects';

export interface Range {
  from?: string;
  to?: string;
}

export interface SearchFilters {
  types?: string[];
  labels?: string[];
  sectors?: string[];
  /** TLP names (clear, green, amber, amber+strict, red, none) or marking-definition ids. */
  markings?: string[];
  confidence?: { min?: number; max?: number };
  created?: Range;
  modified?: Range;
  added?: Range;
  organisations?: string[];
  collections?: string[];
}

/** Lower-case words of letters and digits: the tokens text search compares. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Whether the object's name, description, aliases and labels hold every word. */
export function hasWords(stix: Record<string, unknown>, words: string[]): boolean {
  const text = [stix.name, stix.description].filter((x): x is string => typeof x === 'string');
  const have = new Set(wordsOf([...text, ...strings(stix.aliases), ...strings(stix.labels)].join(' ')));
  return words.every((w) => have.has(w));
}

/** The organisation that first submitted the object (a released copy keeps its origin's). */
export function sourceOrganisation(meta: ObjectMeta): string {
  return meta.origin?.organisation ?? meta.org;
}

/** STIX timestamps compared in their sortable form (6 fraction digits, as the bounds are given). */
function inRange(value: unknown, r: Range | undefined): boolean {
  if (!r) return true;
  const v = typeof value === 'string' ? normaliseTimestamp(value, 6) : undefined;
  if (!v) return false;
  return (!r.from || v >= r.from) && (!r.to || v <= r.to);
}

export function passes(stix: Record<string, unknown>, meta: ObjectMeta, f: SearchFilters): boolean {
  if (f.labels?.length) {
    const labels = strings(stix.labels).map((l) => l.toLowerCase());
    if (!f.labels.some((l) => labels.includes(l.toLowerCase()))) return false;
  }
  if (f.sectors?.length) {
    const sectors = strings(stix.sectors);
    if (!f.sectors.some((s) => sectors.includes(s))) return false;
  }
  if (f.markings?.length) {
    const refs = strings(stix.object_marking_refs);
    const tlp = meta.tlp ?? 'none';
    if (!f.markings.some((m) => m === tlp || refs.includes(m))) return false;
  }
  if (f.confidence) {
    const c = stix.confidence;
    if (typeof c !== 'number') return false;
    if (f.confidence.min !== undefined && c < f.confidence.min) return false;
    if (f.confidence.max !== undefined && c > f.confidence.max) return false;
  }
  if (!inRange(stix.created, f.created) || !inRange(stix.modified, f.modified)) return false;
  if (f.organisations?.length && !f.organisations.includes(sourceOrganisation(meta))) return false;
  return true;
}
