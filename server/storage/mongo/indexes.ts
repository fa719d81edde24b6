import type { Collection, Document, IndexDescription } from 'mongodb';

/**
 * Creates named indexes one by one. Idempotent on MongoDB; one at a time because FerretDB 1.24
 * drops the connection (a server panic) when one createIndexes command names several indexes
 * that already exist, which is what every restart of the hub does.
 */
export async function ensureIndexes(c: Collection<Document>, specs: IndexDescription[]): Promise<void> {
  for (const { key, ...options } of specs) await c.createIndex(key, options);
}
