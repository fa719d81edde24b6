/**
 * The benchmark's stores: one trust group per size (`s1000`, …, `s1000000`), each with `size`
 * generated objects in its `indicators` collection, posted over HTTP through the hub (the one
 * write path) in envelopes of 1,000 and kept in the data folder between runs. A store is built
 * once; an interrupted build resumes (re-posting an envelope already stored is a no-op).
 * `bench.json` in the data folder records how each store was built, with its POST latencies.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Baseline } from './baseline';
import { generateEnvelope } from './generate';
import { HubClient, pooled } from './http';
import { fmt, size as sizeName } from './stats';

/** Bump when generated data changes shape: stores of another version must be rebuilt (--fresh). */
export const DATA_VERSION = 1;
export const ENVELOPE = 1000;

export interface BuildRecord {
  size: number;
  dataVersion: number;
  builtAt: string;
  concurrency: number;
  /** Per envelope posted in this build: [start ms, end ms] from the build's start, in index order. */
  posts: [number, number][];
  /** Envelopes already stored when this build (a resumed one) started. */
  firstEnvelope: number;
}

interface Manifest {
  groups: Record<string, BuildRecord>;
}

export const groupName = (size: number) => `s${size}`;

function manifestPath(dataDir: string): string {
  return path.join(dataDir, 'bench.json');
}

export function readManifest(dataDir: string): Manifest {
  try {
    return JSON.parse(fs.readFileSync(manifestPath(dataDir), 'utf8')) as Manifest;
  } catch {
    return { groups: {} };
  }
}

function writeManifest(dataDir: string, m: Manifest): void {
  const file = manifestPath(dataDir);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(m));
  fs.renameSync(`${file}.tmp`, file);
}

/** Grows the group's store to `size` objects if it is not there yet; returns the build record when it built. */
export async function ensureStore(o: {
  hub: HubClient;
  baseline: Baseline;
  col: string;
  size: number;
  concurrency: number;
  dataDir: string;
  log: (m: string) => void;
}): Promise<BuildRecord | undefined> {
  const group = o.hub.group;
  const manifest = readManifest(o.dataDir);
  const known = manifest.groups[group];
  const stored = await o.baseline.objects(group).count(o.col);
  if (stored > 0 && known && known.dataVersion !== DATA_VERSION) {
    throw new Error(`${group} was built from data version ${known.dataVersion}, this benchmark generates version ${DATA_VERSION}: run with --fresh`);
  }
  if (stored === o.size && known) return undefined;
  if (stored > o.size) throw new Error(`${group} holds ${fmt(stored)} objects, more than ${fmt(o.size)}: run with --fresh`);

  const envelopes = Math.ceil(o.size / ENVELOPE);
  // Envelopes in flight when a build stopped may be missing below the count: re-post those.
  const first = Math.max(0, Math.floor(stored / ENVELOPE) - o.concurrency);
  o.log(`building ${group}: ${fmt(stored)} of ${fmt(o.size)} objects stored; posting envelopes ${first}..${envelopes - 1} (${o.concurrency} at a time)`);
  const t0 = performance.now();
  let done = 0;
  let reported = 0;
  const posts = await pooled(
    o.concurrency,
    Array.from({ length: envelopes - first }, (_, k) => async (): Promise<[number, number]> => {
      const index = first + k;
      const n = Math.min(ENVELOPE, o.size - index * ENVELOPE);
      const env = generateEnvelope(index, n);
      const start = performance.now() - t0;
      const ms = await o.hub.post(o.col, env.body, n);
      done += n;
      if (done - reported >= o.size / 20) {
        reported = done;
        o.log(`  ${group}: ${fmt(first * ENVELOPE + done)} stored, ${fmt((done * 1000) / (performance.now() - t0))} objects/s`);
      }
      return [start, start + ms];
    }),
  );
  const now = await o.baseline.objects(group).count(o.col);
  if (now !== o.size) throw new Error(`${group}: ${fmt(now)} objects stored after the build, expected ${fmt(o.size)}`);
  // Measure the steady state: the statistics autovacuum would have gathered within a minute or so.
  await o.baseline.tidy(group);
  const record: BuildRecord = {
    size: o.size,
    dataVersion: DATA_VERSION,
    builtAt: new Date().toISOString(),
    concurrency: o.concurrency,
    posts,
    firstEnvelope: first,
  };
  manifest.groups[group] = record;
  writeManifest(o.dataDir, manifest);
  o.log(`built ${group} (${sizeName(o.size)}) in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  return record;
}
