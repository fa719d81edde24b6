/**
 * The one place PostgreSQL queries run: a pg.Pool behind `query`/`tx`, mapping connection
 * failures to `Unavailable` (the HTTP edge answers 503). Other errors pass through untouched;
 * none of them carries SQL text or values (only the server's own message).
 */
import pg from 'pg';
import { Unavailable } from '../../errors';

/** Node socket errors and SQLSTATEs that mean "the server is not there", not "the query is wrong". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
  '57P01', '57P02', '57P03', '53300',
]);
// pg raises these as plain Errors without a code.
const NETWORK_MESSAGES = /Cannot use a pool after calling end|Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|Connection ended unexpectedly/i;

export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  // Class 08: connection exception.
  if (NETWORK_CODES.has(code) || code.startsWith('08')) return true;
  return !code && typeof e.message === 'string' && NETWORK_MESSAGES.test(e.message);
}

function mapped(err: unknown): unknown {
  if (!isUnavailable(err)) return err;
  const u = new Unavailable('The database cannot be reached.');
  // For the log only: the handler never sends `cause` to a client.
  Object.defineProperty(u, 'cause', { value: err, enumerable: false });
  return u;
}

/** A double-quoted identifier (schema names contain '-'). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export type Row = Record<string, unknown>;

export interface Queryable {
  query<R extends Row = Row>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export class Sql implements Queryable {
  constructor(readonly pool: pg.Pool) {
    // An idle client whose server went away emits 'error' on the pool: without a listener that
    // would crash the process. The next query reports it (as Unavailable).
    pool.on('error', () => {});
  }

  async query<R extends Row = Row>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      throw mapped(err);
    }
  }

  /** Runs `work` in one transaction on one connection (transactional DDL, advisory locks). */
  async tx<T>(work: (c: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapped(err);
    }
    const c: Queryable = {
      query: async <R extends Row = Row>(text: string, values?: unknown[]) => {
        try {
          return await client.query<R>(text, values);
        } catch (err) {
          throw mapped(err);
        }
      },
    };
    let broken: unknown;
    try {
      await c.query('BEGIN');
      const out = await work(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      broken = isUnavailable(err) || err instanceof Unavailable ? err : undefined;
      if (!broken) await client.query('ROLLBACK').catch((e: unknown) => (broken = e));
      throw err;
    } finally {
      // A connection that failed is destroyed rather than returned to the pool.
      client.release(broken ? (broken instanceof Error ? broken : true) : undefined);
    }
  }
}

export const CHUNK = 5000;

export function chunks<T>(xs: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** undefined_table, invalid_schema_name */
const MISSING = new Set(['42P01', '3F000']);

/**
 * The queries of one schema's repositories. MongoDB creates a collection on first write; here a
 * missing table (a schema dropped by dropAll, or a group used before its ensure()) makes this
 * run the schema's idempotent ensure once and retry: the statement failed before it executed,
 * so retrying it is safe.
 */
export class SchemaSql implements Queryable {
  private pending?: Promise<void>;

  constructor(
    private readonly base: Sql,
    private readonly ensure: () => Promise<void>,
  ) {}

  async query<R extends Row = Row>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.base.query<R>(text, values);
    } catch (err) {
      if (!MISSING.has((err as { code?: string }).code ?? '')) throw err;
      this.pending ??= this.ensure().finally(() => (this.pending = undefined));
      await this.pending;
      return this.base.query<R>(text, values);
    }
  }
}
