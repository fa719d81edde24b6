/** Collections of one trust group and the trust-group registry, on MongoDB (mongoose models, see models.ts). */
import type { Connection, Model } from 'mongoose';
import { collectionId, type CollectionDoc, type GroupDoc } from '../collections';
import type { CollectionsRepository, GroupRegistry } from '../contract';
import { groupModels, registryModel } from './models';

function isDuplicate(err: unknown): boolean {
  return (err as { code?: number }).code === 11000;
}

export class MongoCollections implements CollectionsRepository {
  private readonly m: Model<CollectionDoc>;
  constructor(db: Connection) {
    this.m = groupModels(db).collections;
  }

  async list(): Promise<CollectionDoc[]> {
    return this.m.find({}).sort({ alias: 1 }).lean<CollectionDoc[]>();
  }

  async get(id: string): Promise<CollectionDoc | null> {
    return this.m.findById(id).lean<CollectionDoc>();
  }

  /** Creates the collection if it is not there (inserting by _id is idempotent and atomic). */
  async ensure(group: string, spec: Omit<CollectionDoc, '_id' | 'created'>): Promise<CollectionDoc> {
    const doc: CollectionDoc = { _id: collectionId(group, spec.alias), created: new Date().toISOString(), ...spec };
    try {
      await this.m.create(doc);
      return doc;
    } catch (err) {
      if (!isDuplicate(err)) throw err;
      return (await this.get(doc._id))!;
    }
  }

  async setReleaseTo(id: string, groups: string[]): Promise<boolean> {
    const r = await this.m.updateOne({ _id: id }, { $set: { releaseTo: groups } }, { runValidators: true });
    return r.matchedCount === 1;
  }
}

export class MongoGroupRegistry implements GroupRegistry {
  private readonly m: Model<GroupDoc>;
  constructor(db: Connection) {
    this.m = registryModel(db);
  }

  async list(): Promise<GroupDoc[]> {
    return this.m.find({}).sort({ _id: 1 }).lean<GroupDoc[]>();
  }

  async ensure(name: string, title?: string, description?: string): Promise<void> {
    try {
      await this.m.create({
        _id: name,
        title: title ?? `Puente: ${name}`,
        description: description ?? `Trust group ${name}`,
        created: new Date().toISOString(),
      });
    } catch (err) {
      if (!isDuplicate(err)) throw err;
    }
  }
}
