/**
 * Schema versions, applied in order inside one transaction per schema (PostgreSQL DDL is
 * transactional) and recorded in that schema's `schema_migrations`. An advisory lock on the
 * schema name serialises two hub processes migrating the same schema. Append new versions;
 * never edit one that has shipped.
 *
 * Every text column that is compared or sorted is COLLATE "C": byte order, the JS string order
 * the cursors and version bounds assume, whatever the server's default locale.
 */
import { ident, type Queryable } from './sql';

export interface Migration {
  version: number;
  sql: (schema: string) => string;
}

/** One trust group's schema `<prefix>-<group>`. */
export const GROUP_MIGRATIONS: Migration[] = [
  {
    version: 1,
    sql: (schema) => {
      const s = ident(schema);
      return `
        CREATE TABLE ${s}.objects (
          key text COLLATE "C" PRIMARY KEY,
          col text COLLATE "C" NOT NULL,
          id text COLLATE "C" NOT NULL,
          type text COLLATE "C" NOT NULL,
          sv text NOT NULL,
          ver text COLLATE "C" NOT NULL,
          ver_raw text NOT NULL,
          added text COLLATE "C" NOT NULL,
          sub text NOT NULL,
          org text COLLATE "C" NOT NULL,
          tlp text,
          readers text[] NOT NULL,
          restricted boolean NOT NULL,
          origin jsonb,
          keys text[],
          links text[],
          raw text NOT NULL
        );
        CREATE INDEX col_added ON ${s}.objects (col, added, key);
        CREATE INDEX col_id_ver ON ${s}.objects (col, id, ver);
        CREATE INDEX col_type_added ON ${s}.objects (col, type, added, key);
        CREATE INDEX added_key ON ${s}.objects (added, key);
        CREATE INDEX keys_gin ON ${s}.objects USING gin (keys);
        CREATE INDEX links_gin ON ${s}.objects USING gin (links);

        CREATE TABLE ${s}.collections (
          id text COLLATE "C" PRIMARY KEY,
          alias text COLLATE "C" NOT NULL,
          title text NOT NULL,
          description text,
          writable boolean NOT NULL,
          release_to text[] NOT NULL,
          created text NOT NULL
        );

        CREATE TABLE ${s}.status (
          id text COLLATE "C" PRIMARY KEY,
          doc jsonb NOT NULL,
          expires timestamptz NOT NULL
        );
        CREATE INDEX expires ON ${s}.status (expires);

        CREATE TABLE ${s}.audit (
          key text COLLATE "C" PRIMARY KEY,
          at text NOT NULL,
          event text NOT NULL,
          subject text NOT NULL,
          organisation text NOT NULL,
          token_id text,
          details jsonb NOT NULL
        );

        CREATE TABLE ${s}.job_runs (
          id text COLLATE "C" PRIMARY KEY,
          job text COLLATE "C" NOT NULL,
          started text COLLATE "C" NOT NULL,
          doc jsonb NOT NULL
        );
        CREATE INDEX job_started ON ${s}.job_runs (job, started DESC);

        CREATE TABLE ${s}.job_state (
          job text COLLATE "C" PRIMARY KEY,
          added text COLLATE "C" NOT NULL,
          key text COLLATE "C" NOT NULL,
          updated text NOT NULL
        );`;
    },
  },
  {
    // GIN without the pending list: with it (up to 4 MB) every correlation read scans the whole
    // list until a vacuum merges it (measured 200 ms for one 200-key read after a bulk load,
    // 0.7 ms merged); inserts measured no slower without it (few keys per row).
    version: 2,
    sql: (schema) => {
      const s = ident(schema);
      const index = (name: string) => `'${`${s}.${name}`.replace(/'/g, "''")}'::regclass`;
      return `
        ALTER INDEX ${s}.keys_gin SET (fastupdate = off);
        ALTER INDEX ${s}.links_gin SET (fastupdate = off);
        SELECT gin_clean_pending_list(${index('keys_gin')}), gin_clean_pending_list(${index('links_gin')});`;
    },
  },
  {
    // Less to maintain per insert (ingest is bound by index maintenance): no (added, key) index
    // (scan and correlation read one col_added range per collection instead), and no key in
    // col_type_added (the keyset is bounded by added; ties on added are rare and filtered).
    version: 3,
    sql: (schema) => {
      const s = ident(schema);
      return `
        DROP INDEX ${s}.added_key;
        DROP INDEX ${s}.col_type_added;
        CREATE INDEX col_type_added ON ${s}.objects (col, type, added);`;
    },
  },
  {
    // Search (storage/postgres/search.ts). Two IMMUTABLE functions so the index expressions and
    // the queries are the same text: a 'simple' tsvector over name, description, aliases and
    // labels (text_gin), and every parent domain of each domain, URL host and e-mail domain in
    // the observable keys (domain_sfx_gin: "domains with their subdomains" as one GIN probe).
    // Both without the pending list, as in version 2. (Edited before it shipped: the word index
    // no longer casts a raw text that jsonb refuses.) Then the alert workflow's tables
    // (storage/alert-state.ts): triage state, the allow-list, notification claims.
    version: 6,
    sql: (schema) => {
      const s = ident(schema);
      return `
        CREATE FUNCTION ${s}.search_tsv(raw text) RETURNS tsvector
          LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
            SELECT to_tsvector('simple'::regconfig,
              coalesce(j->>'name', '') || ' ' || coalesce(j->>'description', '') || ' ' ||
              coalesce((j->'aliases')::text, '') || ' ' || coalesce((j->'labels')::text, ''))
            -- jsonb refuses the escapes of U+0000 and of lone surrogates that JSON (and so STIX) allows: such an
            -- object is stored byte-identical as ever and only left out of the word index.
            FROM (SELECT CASE WHEN raw ~ '\\\\u(0000|[dD][89a-fA-F])' THEN NULL ELSE raw::jsonb END AS j) AS x
          $f$;
        CREATE FUNCTION ${s}.domain_suffixes(keys text[]) RETURNS text[]
          LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
            SELECT coalesce(array_agg(DISTINCT array_to_string(parts[i:], '.')), '{}')
            FROM (SELECT string_to_array(h, '.') AS parts FROM (
                    SELECT CASE
                      WHEN k LIKE 'domain:%' THEN substr(k, 8)
                      WHEN k LIKE 'url:%' THEN substring(k from '^url:[a-z][a-z0-9+.-]*://(?:[^@/?#]*@)?([^/:?#]+)')
                      WHEN k LIKE 'email:%' THEN substring(k from '@([^@]+)$')
                    END AS h
                    FROM unnest(keys) AS k) AS hosts
                  WHERE h ~ '^[a-z0-9_-]+(\\.[a-z0-9_-]+)*$' AND h !~ '^[0-9.]+$') AS p,
                 generate_subscripts(parts, 1) AS i
          $f$;
        CREATE INDEX text_gin ON ${s}.objects USING gin (${s}.search_tsv(raw)) WITH (fastupdate = off);
        CREATE INDEX domain_sfx_gin ON ${s}.objects USING gin (${s}.domain_suffixes(keys)) WITH (fastupdate = off);

        CREATE TABLE ${s}.alert_state (
          id text COLLATE "C" PRIMARY KEY,
          version integer NOT NULL,
          doc jsonb NOT NULL
        );
        CREATE TABLE ${s}.allowlist (
          key text COLLATE "C" PRIMARY KEY,
          added text NOT NULL,
          by_subject text NOT NULL,
          alert text NOT NULL
        );
        CREATE TABLE ${s}.alert_notified (
          id text COLLATE "C" PRIMARY KEY,
          at timestamptz NOT NULL DEFAULT now()
        );`;
    },
  },
  {
    // Feeds in (server/feeds/): the provenance of pulled objects, the subscriptions (one jsonb
    // document each, secrets included: they never leave storage except to the source) and their
    // run history. Index feed_runs_started (sub, started DESC) for a subscription's history.
    version: 7,
    sql: (schema) => {
      const s = ident(schema);
      return `
        ALTER TABLE ${s}.objects ADD COLUMN feed jsonb;
        CREATE TABLE ${s}.subscriptions (
          id text COLLATE "C" PRIMARY KEY,
          doc jsonb NOT NULL
        );
        CREATE TABLE ${s}.feed_runs (
          id text COLLATE "C" PRIMARY KEY,
          sub text COLLATE "C" NOT NULL,
          started text COLLATE "C" NOT NULL,
          doc jsonb NOT NULL
        );
        CREATE INDEX feed_runs_started ON ${s}.feed_runs (sub, started DESC);`;
    },
  },
  {
    // Search text and parent domains computed by the hub on insert (object-rows.ts: searchWords,
    // domainSuffixes) into two columns, indexed directly: words_gin over to_tsvector('simple',
    // words) and domains_gin over domains. They replace version 6's expression indexes, whose
    // search_tsv(raw) made PostgreSQL parse every object's JSON on insert (its insert CPU per
    // 1,000 objects went from 37-49 ms to 118-166 ms). Rows stored before are filled from the
    // version 6 functions first, then those indexes and functions go.
    version: 8,
    sql: (schema) => {
      const s = ident(schema);
      return `
        DROP INDEX ${s}.text_gin;
        DROP INDEX ${s}.domain_sfx_gin;
        ALTER TABLE ${s}.objects ADD COLUMN words text, ADD COLUMN domains text[];
        UPDATE ${s}.objects SET
          domains = NULLIF(${s}.domain_suffixes(keys), '{}'),
          words = (SELECT NULLIF(concat_ws(' ',
                     CASE WHEN jsonb_typeof(j->'name') = 'string' THEN j->>'name' END,
                     CASE WHEN jsonb_typeof(j->'description') = 'string' THEN j->>'description' END,
                     (SELECT string_agg(e, ' ') FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(j->'aliases') = 'array' THEN j->'aliases' END) AS e),
                     (SELECT string_agg(e, ' ') FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(j->'labels') = 'array' THEN j->'labels' END) AS e)), '')
                   FROM (SELECT CASE WHEN raw ~ '\\\\u(0000|[dD][89a-fA-F])' THEN NULL ELSE raw::jsonb END AS j) AS x);
        DROP FUNCTION ${s}.search_tsv(text);
        DROP FUNCTION ${s}.domain_suffixes(text[]);
        CREATE INDEX words_gin ON ${s}.objects USING gin (to_tsvector('simple'::regconfig, words)) WITH (fastupdate = off);
        CREATE INDEX domains_gin ON ${s}.objects USING gin (domains) WITH (fastupdate = off);`;
    },
  },
  {
    // Push (server/push/): webhooks (one jsonb document each, the signing secret included: it
    // never leaves storage except as a signature), their delivery log (index
    // webhook_deliveries_at (hook, at DESC)), and deletion records, so the event stream and
    // webhooks can tell consumers what TAXII DELETE removed (index deletions_col_added, read in
    // date_added order like objects' col_added).
    version: 9,
    sql: (schema) => {
      const s = ident(schema);
      return `
        CREATE TABLE ${s}.webhooks (
          id text COLLATE "C" PRIMARY KEY,
          doc jsonb NOT NULL
        );
        CREATE TABLE ${s}.webhook_deliveries (
          id text COLLATE "C" PRIMARY KEY,
          hook text COLLATE "C" NOT NULL,
          at text COLLATE "C" NOT NULL,
          doc jsonb NOT NULL
        );
        CREATE INDEX webhook_deliveries_at ON ${s}.webhook_deliveries (hook, at DESC);
        CREATE TABLE ${s}.deletions (
          key text COLLATE "C" PRIMARY KEY,
          col text COLLATE "C" NOT NULL,
          id text COLLATE "C" NOT NULL,
          type text COLLATE "C" NOT NULL,
          ver_raw text NOT NULL,
          added text COLLATE "C" NOT NULL,
          org text COLLATE "C" NOT NULL,
          tlp text,
          readers text[] NOT NULL,
          restricted boolean NOT NULL
        );
        CREATE INDEX deletions_col_added ON ${s}.deletions (col, added, key);`;
    },
  },
  {
    // The two search indexes with a small pending list (256 kB). Without one, every object's ~8
    // words and ~3 parent domains are each a separate GIN insertion; with one, an insert appends
    // them to the list and the merge (by whichever insert fills it, or autovacuum) adds them
    // grouped by word. Measured on the insert of 1,000 indicators into 100,000 (scratch
    // PostgreSQL 15, the whole server's CPU): 43-48 ms without, 33-37 ms with. A search reads
    // the whole list until it is merged, so it stays small: 256 kB is about two envelopes of
    // words, a few ms on a search that probes 50 domains (1 MB cost the same on insert and up to
    // 7 ms on that read). keys_gin and links_gin keep none (version 2): correlation probes them
    // once per key, thousands of probes per run, each of which would read the list again.
    version: 10,
    sql: (schema) => {
      const s = ident(schema);
      return `
        ALTER INDEX ${s}.words_gin SET (fastupdate = on, gin_pending_list_limit = 256);
        ALTER INDEX ${s}.domains_gin SET (fastupdate = on, gin_pending_list_limit = 256);`;
    },
  },
  {
    // One random-order btree fewer per insert. The primary key (key) and col_id_ver (col, id, ver)
    // were both led by the object's random UUID, so every insert wrote two indexes at random
    // places. A key is "<col>|<id>|<version part>" (storage/objects.ts objectKey), so one unique
    // index on (col, id, version part) does both jobs: uniqueness for ON CONFLICT, and the
    // (col, id) lookups that col_id_ver served (it keeps the name). The version part is cut out
    // of the key by an immutable expression, so no column is added and no row rewritten.
    // Measured on the insert of 1,000 rows into 150,000 (scratch PostgreSQL 15): 24.5 against
    // 27.2 ms of the server's CPU, 9 % less WAL. Lookups by key (deleteByKeys) go through
    // (col, id) as well.
    version: 11,
    sql: (schema) => {
      const s = ident(schema);
      return `
        CREATE UNIQUE INDEX col_id_vpart ON ${s}.objects (col, id, ${VERSION_PART});
        ALTER TABLE ${s}.objects DROP CONSTRAINT objects_pkey;
        DROP INDEX ${s}.col_id_ver;
        ALTER INDEX ${s}.col_id_vpart RENAME TO col_id_ver;`;
    },
  },
];

/**
 * The version part of an object's key, as the expression of the unique index col_id_ver
 * (migration 11); an INSERT's ON CONFLICT names the same expression.
 */
export const VERSION_PART = '(substr(key, length(col) + length(id) + 3))';

/** The hub's own schema `<prefix>-admin`: the trust-group registry and job leases. */
export const ADMIN_MIGRATIONS: Migration[] = [
  {
    version: 1,
    sql: (schema) => {
      const s = ident(schema);
      return `
        CREATE TABLE ${s}.groups (
          id text COLLATE "C" PRIMARY KEY,
          title text NOT NULL,
          description text NOT NULL,
          created text NOT NULL
        );
        CREATE TABLE ${s}.job_leases (
          key text COLLATE "C" PRIMARY KEY,
          holder text NOT NULL,
          acquired_at timestamptz NOT NULL,
          expires_at timestamptz NOT NULL
        );`;
    },
  },
  {
    // Request counters shared by hub instances. UNLOGGED: no WAL per request; after a crash of
    // PostgreSQL the table is emptied, which only forgives the current minute.
    version: 2,
    sql: (schema) => {
      const s = ident(schema);
      return `
        CREATE UNLOGGED TABLE ${s}.rate_limits (
          key text COLLATE "C" NOT NULL,
          win bigint NOT NULL,
          n integer NOT NULL,
          PRIMARY KEY (key, win)
        );`;
    },
  },
];

/**
 * Creates `schema` if missing and applies the migrations it has not seen, all in one
 * transaction. Idempotent; concurrent callers wait on the advisory lock, then find nothing to do.
 */
export async function migrate(db: { tx<T>(work: (c: Queryable) => Promise<T>): Promise<T> }, schema: string, migrations: Migration[]): Promise<number[]> {
  const s = ident(schema);
  return db.tx(async (c) => {
    // Taken before CREATE SCHEMA IF NOT EXISTS, which itself races (a unique violation in pg_namespace).
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [schema]);
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await c.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await c.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await c.query(m.sql(schema));
      await c.query(`INSERT INTO ${s}.schema_migrations (version, applied_at) VALUES ($1, now())`, [m.version]);
      applied.push(m.version);
    }
    return applied;
  });
}
