/**
 * The analysts' search use cases, over plain arguments (no HTTP). Rights are TAXII's: the caller's
 * trust group only (memberOf), readable collections only (canRead), and every object through
 * canSee (TLP), so search never shows what the TAXII API would not. Other trust groups contribute
 * counts only, by the correlation rule (ObjectGraph.shareableKeyReports: TLP:CLEAR, unrestricted).
 */
import { canRead, memberOf } from '../auth/permissions';
import type { Principal } from '../auth/principal';
import { canSee } from '../auth/visibility';
import { BadRequest, NotFound } from '../errors';
import { bindingOf, type Cursor, type PageTokens } from '../http/pagination';
import { collectionId, type CollectionDoc } from '../storage/collections';
import { latestVersions, type ObjectDoc } from '../storage/objects';
import type { SearchMatch } from '../storage/search';
import type { GroupStores, TrustGroups } from '../storage/trust-groups';
import { hasWords, passes, sourceOrganisation, type SearchFilters } from './filters';
import { lookupValue, type LookupValue } from './values';
import { STIX_ID } from '../names';

export interface SearchDeps {
  groups: TrustGroups;
  tokens: PageTokens;
  pageSizeDefault: number;
}

/** Most candidates one request examines before it answers with what it found and a `next`. */
export const MAX_EXAMINED = 5000;
/** Most values of one bulk lookup. */
export const MAX_VALUES = 1000;
/** Facets count at most this many matches (`complete: false` beyond). */
export const MAX_FACETED = 5000;
/** Neighbourhood bounds. */
export const MAX_HOPS = 3;
export const MAX_NODES = 250;
/** Longest objects-per-day series. */
export const MAX_ACTIVITY_DAYS = 90;

export interface SearchHit {
  object: Record<string, unknown>;
  collection: { id: string; alias: string };
  date_added: string;
  tlp: string | null;
  source_organisation: string;
  matched?: string[];
  other_groups?: number;
}

interface Scope {
  g: GroupStores;
  cols: Map<string, CollectionDoc>;
}

export class SearchService {
  constructor(private readonly d: SearchDeps) {}

  /** The group and the collections the caller may read there (narrowed by `collections`). */
  private async scope(p: Principal, group: string, only?: string[]): Promise<Scope> {
    const g = memberOf(p, group) ? await this.d.groups.get(group) : undefined;
    if (!g) throw new NotFound(`There is no API root "${group.slice(0, 64)}".`);
    const cols = new Map<string, CollectionDoc>();
    for (const c of await g.collections.list()) {
      if (!canRead(p, group, { id: c._id, writable: c.writable })) continue;
      if (only?.length && !only.includes(c._id) && !only.includes(c.alias)) continue;
      cols.set(c._id, c);
    }
    return { g, cols };
  }

  /**
   * Candidates after the cursor, kept when visible and passing the filters, until limit + 1 are
   * kept or MAX_EXAMINED were read; the cursor of the answer is the last one kept or examined.
   */
  private async collect(
    p: Principal,
    group: string,
    s: Scope,
    match: SearchMatch,
    f: SearchFilters,
    limit: number,
    after: Cursor | undefined,
    keep: (stix: Record<string, unknown>, doc: ObjectDoc) => boolean = () => true,
  ): Promise<{ docs: { doc: ObjectDoc; stix: Record<string, unknown> }[]; cursor?: Cursor; exhausted: boolean }> {
    const out: { doc: ObjectDoc; stix: Record<string, unknown> }[] = [];
    if (s.cols.size === 0) return { docs: out, exhausted: true };
    let cursor = after;
    let examined = 0;
    for (;;) {
      const batchSize = Math.min(Math.max(limit + 1 - out.length, 100), 1000);
      const batch = await s.g.search.find({
        match, collections: [...s.cols.keys()], viewer: { organisation: p.organisation }, types: f.types,
        addedFrom: f.added?.from, addedTo: f.added?.to, after: cursor, limit: batchSize,
      });
      for (const doc of batch) {
        examined++;
        cursor = { added: doc.meta.added, key: doc._id };
        if (!canSee(p, group, doc.meta)) continue;
        const stix = JSON.parse(doc.raw) as Record<string, unknown>;
        if (!passes(stix, doc.meta, f) || !keep(stix, doc)) continue;
        out.push({ doc, stix });
        if (out.length > limit) {
          const last = out[limit - 1]!.doc;
          return { docs: out.slice(0, limit), cursor: { added: last.meta.added, key: last._id }, exhausted: false };
        }
      }
      if (batch.length < batchSize) return { docs: out, exhausted: true };
      if (examined >= MAX_EXAMINED) return { docs: out, cursor, exhausted: false };
    }
  }

  private hit(s: Scope, doc: ObjectDoc, stix: Record<string, unknown>): SearchHit {
    const c = s.cols.get(doc.col)!;
    return {
      object: stix,
      collection: { id: c._id, alias: c.alias },
      date_added: doc.meta.added,
      tlp: doc.meta.tlp,
      source_organisation: sourceOrganisation(doc.meta),
    };
  }

  private page(binding: string, r: { cursor?: Cursor; exhausted: boolean }) {
    return { more: !r.exhausted, ...(!r.exhausted && r.cursor ? { next: this.d.tokens.issue(binding, r.cursor) } : {}) };
  }

  /** Other trust groups holding each key, by the correlation rule (counts only). */
  private async elsewhere(group: string, keys: string[]): Promise<Map<string, Set<string>>> {
    const by = new Map<string, Set<string>>();
    if (keys.length === 0) return by;
    for (const other of await this.d.groups.all()) {
      if (other.name === group) continue;
      const reports = await other.graph.shareableKeyReports(keys, '', { excludeCollection: collectionId(other.name, 'alerts'), notFromGroup: group });
      for (const r of reports) {
        let s = by.get(r.key);
        if (!s) by.set(r.key, (s = new Set()));
        s.add(other.name);
      }
    }
    return by;
  }

  /** Observable lookup: one value or up to MAX_VALUES. */
  async observables(p: Principal, group: string, values: string[], f: SearchFilters, limit: number | undefined, next: string | undefined) {
    const s = await this.scope(p, group, f.collections);
    if (values.length === 0 || values.length > MAX_VALUES) throw new BadRequest('invalid_request', `Give 1 to ${MAX_VALUES} values.`);
    const parsed: LookupValue[] = [];
    const unrecognised: string[] = [];
    for (const v of values) {
      const l = lookupValue(v);
      if (l) parsed.push(l);
      else unrecognised.push(v.slice(0, 200));
    }
    const n = limit ?? this.d.pageSizeDefault;
    const binding = bindingOf(['search/observables', group, p.subject, p.organisation, values, f, n]);
    const after = next ? this.d.tokens.open(binding, next) : undefined;
    const keys = [...new Set(parsed.flatMap((l) => l.keys))];
    const domains = [...new Set(parsed.flatMap((l) => l.domains))];
    const results: SearchHit[] = [];
    let r: { cursor?: Cursor; exhausted: boolean } = { exhausted: true };
    // Keys and domains are two index probes; a page merges them in (date_added, key) order.
    const sets = await Promise.all(
      ([keys.length ? { keys } : undefined, domains.length ? { domains } : undefined].filter(Boolean) as SearchMatch[]).map((m) =>
        this.collect(p, group, s, m, f, n, after),
      ),
    );
    const merged = new Map<string, { doc: ObjectDoc; stix: Record<string, unknown> }>();
    for (const set of sets) for (const x of set.docs) merged.set(x.doc._id, x);
    const order = [...merged.values()].sort((a, b) => (a.doc.meta.added < b.doc.meta.added ? -1 : a.doc.meta.added > b.doc.meta.added ? 1 : a.doc._id < b.doc._id ? -1 : 1));
    // The page stops where the first unfinished probe stopped, so neither skips a match.
    const stops = sets.filter((x) => !x.exhausted).map((x) => x.cursor!);
    const stop = stops.sort((a, b) => (a.added < b.added ? -1 : a.added > b.added ? 1 : a.key < b.key ? -1 : 1))[0];
    const page = stop ? order.filter((x) => x.doc.meta.added < stop.added || (x.doc.meta.added === stop.added && x.doc._id <= stop.key)) : order;
    const shown = page.slice(0, n);
    if (stop || page.length > n) {
      const last = shown[shown.length - 1]?.doc;
      r = { cursor: last && page.length > n ? { added: last.meta.added, key: last._id } : stop, exhausted: false };
    }
    const wanted = new Set(keys);
    const hosts = domains;
    const matchedKeys = [...new Set(shown.flatMap((x) => (x.doc.meta.keys ?? []).filter((k) => wanted.has(k) || hosts.some((d) => k.includes(d)))))];
    const others = await this.elsewhere(group, matchedKeys);
    for (const { doc, stix } of shown) {
      const matched = (doc.meta.keys ?? []).filter((k) => matchedKeys.includes(k));
      const groupsHolding = new Set(matched.flatMap((k) => [...(others.get(k) ?? [])]));
      results.push({ ...this.hit(s, doc, stix), matched, other_groups: groupsHolding.size });
    }
    return {
      values: parsed.map((l) => ({ value: l.value, kind: l.kind })),
      ...(unrecognised.length ? { unrecognised } : {}),
      results,
      ...this.page(binding, r),
    };
  }

  /** Text search (words of name, description, aliases, labels) and/or filters, with facets on request. */
  async objects(p: Principal, group: string, text: string | undefined, words: string[], f: SearchFilters, facets: boolean, limit: number | undefined, next: string | undefined) {
    const s = await this.scope(p, group, f.collections);
    const n = limit ?? this.d.pageSizeDefault;
    const binding = bindingOf(['search/objects', group, p.subject, p.organisation, text, f, n]);
    const after = next ? this.d.tokens.open(binding, next) : undefined;
    const match: SearchMatch = words.length ? { words } : { all: true };
    const keep = words.length ? (stix: Record<string, unknown>) => hasWords(stix, words) : undefined;
    const r = await this.collect(p, group, s, match, f, n, after, keep);
    let facetCounts: Record<string, unknown> | undefined;
    if (facets) {
      const all = await this.collect(p, group, s, match, f, MAX_FACETED, undefined, keep);
      const by = (pick: (x: { doc: ObjectDoc }) => string) => {
        const m: Record<string, number> = {};
        for (const x of all.docs) m[pick(x)] = (m[pick(x)] ?? 0) + 1;
        return m;
      };
      facetCounts = { type: by((x) => x.doc.meta.type), tlp: by((x) => x.doc.meta.tlp ?? 'none'), counted: all.docs.length, complete: all.exhausted };
    }
    return { results: r.docs.map((x) => this.hit(s, x.doc, x.stix)), ...(facetCounts ? { facets: facetCounts } : {}), ...this.page(binding, r) };
  }

  /**
   * Objects added per UTC day over the last `days` days (today included) in the collections the
   * caller may read, counting only what the caller may read (ObjectsRepository.countAdded: index
   * col_added, one range per day). The dashboard's chart.
   */
  async activity(p: Principal, group: string, days: number) {
    const s = await this.scope(p, group);
    const collections = [...s.cols.keys()];
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const day = (i: number) => new Date(today - i * 86_400_000).toISOString().slice(0, 10);
    const out: { date: string; objects: number }[] = [];
    for (let i = days - 1; i >= 0; i--) {
      out.push({ date: day(i), objects: await s.g.objects.countAdded({ collections, viewer: { organisation: p.organisation }, from: day(i), to: day(i - 1) }) });
    }
    return { days: out };
  }

  /**
   * Relationships and sightings around one object, up to `hops` (at most MAX_HOPS), at most
   * MAX_NODES objects: GraphReader.byIds (col_id_ver) and linksTouching (links_gin / links), each
   * object through canSee.
   */
  async neighbourhood(p: Principal, group: string, id: string, hops: number) {
    const s = await this.scope(p, group);
    if (!STIX_ID.test(id)) throw new NotFound(`There is no object "${id.slice(0, 100)}" you may read in this API root.`);
    const reader = s.g.graph.reader([...s.cols.keys()]);
    const visible = (docs: ObjectDoc[]) => latestVersions(docs.filter((d) => s.cols.has(d.col) && canSee(p, group, d.meta)));
    const [root] = visible(await reader.byIds([id]));
    if (!root) throw new NotFound(`There is no object "${id.slice(0, 100)}" you may read in this API root.`);
    const nodes = new Map<string, ObjectDoc>([[root.meta.id, root]]);
    const edges = new Map<string, { id: string; type: string; source: string; target: string }>();
    let frontier = [root.meta.id];
    let truncated = false;
    for (let hop = 0; hop < Math.min(hops, MAX_HOPS) && frontier.length && !truncated; hop++) {
      const links = visible(await reader.linksTouching(frontier));
      const ends = new Set<string>();
      for (const l of links) {
        const o = JSON.parse(l.raw) as Record<string, unknown>;
        const pairs: [string, string][] = o.type === 'sighting'
          ? ((o.where_sighted_refs as string[] | undefined) ?? []).map((w) => [String(o.sighting_of_ref), w] as [string, string]).concat(o.where_sighted_refs ? [] : [])
          : [[String(o.source_ref), String(o.target_ref)]];
        if (o.type === 'sighting') {
          pairs.push(...((o.observed_data_refs as string[] | undefined) ?? []).map((od) => [od, String(o.sighting_of_ref)] as [string, string]));
          if (!pairs.length) pairs.push([String(o.sighting_of_ref), String(o.sighting_of_ref)]);
        }
        for (const [a, b] of pairs) {
          const label = o.type === 'sighting' ? 'sighting' : String(o.relationship_type ?? 'related-to');
          edges.set(`${l.meta.id}|${a}|${b}`, { id: l.meta.id, type: label, source: a, target: b });
          for (const x of [a, b]) if (!nodes.has(x)) ends.add(x);
        }
      }
      const found = visible(await reader.byIds([...ends].filter((x) => STIX_ID.test(x))));
      frontier = [];
      for (const d of found) {
        if (nodes.size >= MAX_NODES) {
          truncated = true;
          break;
        }
        nodes.set(d.meta.id, d);
        frontier.push(d.meta.id);
      }
    }
    // Edges only between objects the caller may see (an invisible end would leak its id).
    const shown = [...edges.values()].filter((e) => nodes.has(e.source) && nodes.has(e.target));
    return {
      root: this.hit(s, root, JSON.parse(root.raw) as Record<string, unknown>),
      nodes: [...nodes.values()].map((d) => {
        const o = JSON.parse(d.raw) as Record<string, unknown>;
        return { id: d.meta.id, type: d.meta.type, name: typeof o.name === 'string' ? o.name : (typeof o.value === 'string' ? o.value : d.meta.type), tlp: d.meta.tlp, collection: d.col };
      }),
      edges: shown,
      truncated,
    };
  }
}
