/**
 * A MISP instance through its REST API (POST /events/restSearch, JSON): published and tag
 * filters, paged by `page`/`limit` within `timestamp` ≥ the newest event timestamp already seen.
 * Each event becomes a report of indicators (one per to_ids attribute of a type with a STIX
 * pattern, objects' attributes included); ids are UUIDv5 of the MISP uuids and times come from
 * MISP's timestamps, so a re-fetched event is a no-op unless MISP changed it. TLP tags become
 * the TLP 2.0 markings; other event tags become labels.
 */
import { uuidV5 } from '../names';
import { TLP2_MARKING_IDS, type Tlp } from '../stix/markings';
import type { FeedCursor } from '../storage/feeds';
import { fetchWithRetry, safeUrl, SourceError } from './http';
import { indicatorFor } from './observables';
import type { SourceContext, SourcePage } from './pages';

const ATTRIBUTE_TYPES: Record<string, string> = {
  'ip-src': 'auto', 'ip-dst': 'auto', domain: 'domain-name', hostname: 'domain-name', url: 'url', link: 'url',
  md5: 'md5', sha1: 'sha1', sha256: 'sha256', 'email-src': 'email-addr', 'email-dst': 'email-addr',
};

interface MispAttribute {
  uuid?: string;
  type?: string;
  value?: string;
  to_ids?: boolean | string;
  timestamp?: string | number;
  comment?: string;
}

interface MispEvent {
  uuid?: string;
  info?: string;
  date?: string;
  timestamp?: string | number;
  Attribute?: MispAttribute[];
  Object?: { Attribute?: MispAttribute[] }[];
  Tag?: { name?: string }[];
}

function iso(epoch: string | number | undefined, fallback: string): string {
  const n = Number(epoch);
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString() : fallback;
}

const TLP_TAGS: Record<string, Tlp> = { white: 'clear', clear: 'clear', green: 'green', amber: 'amber', 'amber+strict': 'amber+strict', red: 'red' };

/** STIX objects for one MISP event (plain function: tests call it on MISP's sample events). */
export function eventToStix(e: MispEvent, now = new Date().toISOString()): unknown[] {
  if (!e.uuid) return [];
  const time = iso(e.timestamp, now);
  const tags = (e.Tag ?? []).map((t) => String(t.name ?? '')).filter(Boolean);
  const tlp = tags.map((t) => /^tlp:(.+)$/i.exec(t)?.[1]?.toLowerCase()).find((t): t is string => !!t && t in TLP_TAGS);
  const markings = tlp ? { object_marking_refs: [TLP2_MARKING_IDS[TLP_TAGS[tlp]!]] } : {};
  const labels = tags.filter((t) => !/^tlp:/i.test(t)).map((t) => t.slice(0, 250));
  const attrs = [...(e.Attribute ?? []), ...(e.Object ?? []).flatMap((o) => o.Attribute ?? [])];
  const out: unknown[] = [];
  for (const a of attrs) {
    const t = a.type ? ATTRIBUTE_TYPES[a.type] : undefined;
    if (!t || !a.value || !(a.to_ids === true || a.to_ids === '1')) continue;
    const at = iso(a.timestamp, time);
    const name = `misp:${e.uuid}:${a.uuid ?? a.value}`;
    const ind = indicatorFor(t, a.value, () => uuidV5(name), at, { ...markings, ...(a.comment ? { description: a.comment.slice(0, 1000) } : {}) });
    if (ind) out.push(ind);
  }
  if (!out.length) return out;
  out.push({
    type: 'report',
    spec_version: '2.1',
    id: `report--${uuidV5(`misp:event:${e.uuid}`)}`,
    created: time,
    modified: time,
    name: (e.info ?? e.uuid).slice(0, 250),
    published: time,
    report_types: ['threat-report'],
    object_refs: out.map((o) => (o as { id: string }).id),
    ...(labels.length ? { labels } : {}),
    ...markings,
    external_references: [{ source_name: 'misp', external_id: e.uuid }],
  });
  return out;
}

export function mispPage(c: SourceContext): (cursor: FeedCursor) => Promise<SourcePage> {
  return async (cursor) => {
    const page = (cursor.offset ?? 0) + 1;
    const f = c.sub.filters;
    const body = {
      returnFormat: 'json',
      page,
      limit: c.sub.pageSize,
      ...(f.published !== undefined ? { published: f.published === true || f.published === 'true' } : {}),
      ...(f.tags !== undefined ? { tags: Array.isArray(f.tags) ? f.tags : String(f.tags).split(',') } : {}),
      ...(cursor.addedAfter ? { timestamp: cursor.addedAfter } : {}),
    };
    const url = `${c.sub.url.replace(/\/$/, '')}/events/restSearch`;
    const r = await fetchWithRetry(
      url,
      { method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json' }, body: JSON.stringify(body), auth: c.sub.auth, ca: c.sub.ca },
      c.retry,
      c.onRetry,
    );
    if (r.status === 401 || r.status === 403) throw new SourceError(`${safeUrl(url)} refused the credentials (${r.status}): check the MISP API key (auth header Authorization)`, r.status);
    if (r.status !== 200) throw new SourceError(`${safeUrl(url)} answered ${r.status}`, r.status);
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.text);
    } catch {
      throw new SourceError(`${safeUrl(url)} did not answer JSON`);
    }
    const list = (Array.isArray(parsed) ? parsed : ((parsed as { response?: unknown })?.response ?? [])) as { Event?: MispEvent }[];
    const events = (Array.isArray(list) ? list : []).map((x) => x.Event ?? (x as MispEvent));
    const objects = events.flatMap((e) => eventToStix(e));
    const newest = events.reduce((m, e) => Math.max(m, Number(e.timestamp) || 0), Number(cursor.seen) || 0);
    const seen = newest ? String(newest) : cursor.seen;
    if (events.length >= c.sub.pageSize) return { objects, cursor: { addedAfter: cursor.addedAfter, offset: page, seen }, done: false };
    return { objects, cursor: { addedAfter: seen ?? cursor.addedAfter, seen }, done: true };
  };
}
