/** Collections of one trust group and the trust-group registry, on MongoDB. */
import type { Collection, Db } from 'mongodb';
import { collectionId, type CollectionDoc, type GroupDoc } from '../collections';
import type { CollectionsRepository, GroupRegistry } from '../contract';
import { INSERT } from './writes';

export class MongoCollections implements CollectionsRepository {
  private readonly c: Collection<CollectionDoc>;
  constructor(db: Db) {
    this.c = db.collection<CollectionDoc>('collections');
  }

  async list(): Promise<CollectionDoc[]> {
    return this.c.find({}, { sort: { alias: 1 } }).toArray();
  }

  async get(id: string): Promise<CollectionDoc | null> {
    return this.c.findOne({ _id: id });
  }

  /** Creates the collection if it is not there (inserting by _id is idempotent and atomic). */
  async ensure(group: string, spec: Omit<CollectionDoc, '_id' | 'created'>): Promise<CollectionDoc> {
    const doc: CollectionDoc = { _id: collectionId(group, spec.alias), created: new Date().toISOString(), ...spec };
    try {
      await this.c.insertOne(doc, INSERT);
      return doc;
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      return (await this.get(doc._id))!;
    }
  }

  async setReleaseTo(id: string, groups: string[]): Promise<boolean> {
    const r = await this.c.updateOne({ _id: id }, { $set: { releaseTo: groups } });
    return r.matchedCount === 1;
  }
}

export class MongoGroupRegistry implements GroupRegistry {
  private readonly c: Collection<GroupDoc>;
  constructor(db: Db) {
    this.c = db.collection<GroupDoc>('groups');
  }

  async list(): Promise<GroupDoc[]> {
    return this.c.find({}, { sort: { _id: 1 } }).toArray();
  }

  async ensure(name: string, title?: string, description?: string): Promise<void> {
    try {
      await this.c.insertOne({
        _id: name,
        title: title ?? `Puente: ${name}`,
        description: description ?? `Trust group ${name}`,
        created: new Date().toISOString(),
      }, INSERT);
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }
}
