/**
 * The search reads (analysts' search API), the same on every backend. Storage narrows by what its
 * indexes can bound (observable keys, domain suffixes, words, collections, types, date_added) and
 * returns candidates in (date_added, key) order; the STIX-property filters (labels, confidence,
 * created/modified, markings, sectors) run on the parsed object in search/filters.ts, the same code
 * for both backends.
 */
import type { Viewer } from './objects';

/** What bounds the candidate set: exactly one of these. */
export type SearchMatch =
  /** Observable keys as indexed at ingestion (meta.keys), exact. */
  | { keys: string[] }
  /** Domain names: objects naming the domain or one of its subdomains (domain, URL host, e-mail domain). */
  | { domains: string[] }
  /** Words of name, description, aliases and labels (all of them). */
  | { words: string[] }
  /** Nothing but the filters below (a collection range). */
  | { all: true };

export interface SearchQuery {
  match: SearchMatch;
  /** Collections the caller may read (never empty). */
  collections: string[];
  viewer: Viewer;
  types?: string[];
  /** date_added bounds, inclusive. */
  addedFrom?: string;
  addedTo?: string;
  /** Keyset cursor: the last (added, key) already examined. */
  after?: { added: string; key: string };
  limit: number;
}
