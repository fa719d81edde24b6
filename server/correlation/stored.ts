/** Stored objects as the rules see them: plain data, built by the loader from storage rows. */
import type { Tlp } from '../stix/markings';

/** A STIX object as stored: never modified by correlation. */
export type StixObject = Record<string, unknown> & { id: string; type: string };

/** Server-owned metadata kept beside each stored object (never inside it). */
export interface ObjectMeta {
  /** TAXII date_added, sortable fixed-width form. */
  date_added: string;
  /** STIX identity id of the submitting organisation. */
  organisation: string;
  /** Trust group (API root) the object was submitted to. */
  group: string;
  tlp: Tlp | null;
  /** Organisation identity ids allowed to read; empty = every member of the group. */
  readers: string[];
  /** Other trust groups this object has been released to (absent = none). */
  released_to?: string[];
}

export interface StoredObject {
  stix: StixObject;
  meta: ObjectMeta;
}
