/**
 * mongoose models of the administrative documents: the trust-group registry, collections, job
 * runs and checkpoints. Few, small documents that an operator or a job writes now and then,
 * where a schema that refuses a bad one (a missing field, an unknown outcome, a group name the
 * hub could never route, a stray property) is worth more than it costs. The bulk paths (objects,
 * the object graph, audit, status) stay on the raw driver: no hydration, the exact JSON kept;
 * leases stay there too, since their claims are unique inserts whose semantics are spelled out
 * in leases.ts.
 *
 * Every model is bound to the database it belongs to (`useDb(name, { useCache: true })`); reads
 * are `lean()`, so the repositories return the plain documents the contract promises.
 */
import { Schema, type Connection, type Model, type SchemaOptions } from 'mongoose';
import { COLLECTION_ALIAS, groupNameProblem } from '../../names';
import type { CollectionDoc, GroupDoc } from '../collections';
import { OUTCOMES, TRIGGERS, type Checkpoint, type RunDoc } from '../jobs';

export interface StateDoc extends Checkpoint {
  _id: string;
  updated: string;
}

const OPTIONS = {
  // A property the schema does not name is an error, not silently dropped.
  strict: 'throw',
  versionKey: false,
  // `counts: {}` and `releaseTo: []` are stored as given, as the PostgreSQL backend keeps them.
  minimize: false,
  // Fail like the driver when the server is not there (mapped to Unavailable by `guarded`).
  bufferCommands: false,
  // Indexes are created explicitly and named (see ensureIndexes).
  autoIndex: false,
  autoCreate: false,
} as const satisfies SchemaOptions;

const groupName = {
  validator: (v: string) => groupNameProblem(v) === undefined,
  message: (p: { value: unknown }) => groupNameProblem(String(p.value)) ?? 'invalid trust group name',
};

const groupSchema = new Schema<GroupDoc>({
  _id: { type: String, required: true, validate: groupName },
  title: { type: String, required: true },
  description: { type: String },
  created: { type: String, required: true },
}, OPTIONS);

const collectionSchema = new Schema<CollectionDoc>({
  _id: { type: String, required: true },
  alias: { type: String, required: true, match: COLLECTION_ALIAS },
  title: { type: String, required: true },
  description: { type: String },
  writable: { type: Boolean, required: true },
  releaseTo: { type: [{ type: String, validate: groupName }], required: true },
  created: { type: String, required: true },
}, OPTIONS);

const runSchema = new Schema<RunDoc>({
  _id: { type: String, required: true },
  job: { type: String, required: true },
  group: { type: String, required: true, validate: groupName },
  trigger: { type: String, required: true, enum: TRIGGERS },
  holder: { type: String },
  started: { type: String, required: true },
  ended: { type: String },
  outcome: { type: String, required: true, enum: OUTCOMES },
  counts: { type: Map, of: Number, required: true },
  error: { type: String },
}, OPTIONS);

const stateSchema = new Schema<StateDoc>({
  _id: { type: String, required: true },
  added: { type: String, required: true },
  key: { type: String, required: true },
  updated: { type: String, required: true },
}, OPTIONS);

function bind<T>(db: Connection, name: string, schema: Schema<T>, collection: string): Model<T> {
  return (db.models[name] as Model<T> | undefined) ?? db.model<T>(name, schema, collection);
}

/** The registry of the admin database (`<prefix>-admin`). */
export function registryModel(db: Connection): Model<GroupDoc> {
  return bind(db, 'Group', groupSchema, 'groups');
}

/** The administrative models of one trust group's database. */
export function groupModels(db: Connection) {
  return {
    collections: bind(db, 'Collection', collectionSchema, 'collections'),
    runs: bind(db, 'JobRun', runSchema, 'job_runs'),
    state: bind(db, 'JobState', stateSchema, 'job_state'),
  };
}
