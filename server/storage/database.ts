/**
 * One MongoDB connection, one database per trust group (`<prefix>-<group>`) and one for
 * the hub's own registry (`<prefix>-admin`). Only server/storage touches mongoose.
 */
import mongoose, { type Connection } from 'mongoose';
import type { Db } from 'mongodb';
import { Unavailable } from '../errors';

export class Database {
  private constructor(
    readonly connection: Connection,
    readonly prefix: string,
  ) {}

  static async connect(uri: string, prefix: string): Promise<Database> {
    const connection = mongoose.createConnection(uri, {
      serverSelectionTimeoutMS: 10_000,
      // Indexes are created explicitly by the repositories (named, see storage/indexes.ts).
      autoIndex: false,
      autoCreate: false,
    });
    await connection.asPromise();
    return new Database(connection, prefix);
  }

  dbName(group: string): string {
    return `${this.prefix}-${group}`;
  }

  /** The native driver handle of a trust group's database (bulk paths use it directly). */
  group(group: string): Db {
    return this.connection.useDb(this.dbName(group), { useCache: true }).db!;
  }

  admin(): Db {
    return this.connection.useDb(`${this.prefix}-admin`, { useCache: true }).db!;
  }

  async ping(): Promise<void> {
    try {
      await this.connection.db!.command({ ping: 1 });
    } catch {
      throw new Unavailable('The database cannot be reached.');
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
