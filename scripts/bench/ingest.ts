/**
 * Ingest at a store's size: a burst of probe envelopes of 1,000 POSTed with a few requests in
 * flight (the hub validates one while the database writes another), into the group's `incidents`
 * collection, so into the very table of the store. Then the client runs the backend's own insert
 * (baseline.ts) of the very documents the hub stored, re-keyed to a collection of its own, with the
 * same concurrency. The probe rows are deleted after each burst (through the repository) and the
 * table vacuumed, so the store keeps its size from run to run. 30 warm-up envelopes go first and
 * are not counted: the first POSTs of a fresh hub pay for compiling its ingest path (with 6, the
 * 1k row, measured first and right after the hub started, showed the hub at 52-66 ms of CPU per
 * envelope against 27-32 at the later sizes: a start-up cost, not one of the store's size).
 */
import { DEVELOPMENT_ORGANISATION } from '../../server/auth/development';
import { collectionId } from '../../server/storage/collections';
import { objectKey, versionPartOf, type ObjectDoc } from '../../server/storage/objects';
import type { Baseline } from './baseline';
import { generateEnvelope } from './generate';
import { HubClient, pooled } from './http';
import { cpuSpan, type CpuSplit } from './procs';
import { ENVELOPE } from './store';

/** Probe envelopes use indexes from here up: their ids never meet a store's. */
const PROBE_INDEX = 0xf0000000;
const WARMUP_INDEX = 0xf8000000;
const WARMUP_ENVELOPES = 30;

export interface IngestFigure {
  envelopes: number;
  concurrency: number;
  /** Per request: the hub's POST, the client's INSERT (or insertMany). */
  hubMs: number[];
  clientMs: number[];
  hubWallMs: number;
  clientWallMs: number;
  hubCpu: CpuSplit;
  clientCpu: CpuSplit;
}

export async function timeIngest(o: {
  hub: HubClient;
  baseline: Baseline;
  probeCol: string;
  envelopes: number;
  concurrency: number;
  hubPid: number;
  dbPid: number;
}): Promise<IngestFigure> {
  const group = o.hub.group;
  const repo = o.baseline.objects(group);
  const viewer = { organisation: DEVELOPMENT_ORGANISATION };
  const clientCol = collectionId(group, 'bench-baseline');
  const envs = Array.from({ length: o.envelopes }, (_, k) => generateEnvelope(PROBE_INDEX + k, ENVELOPE));
  const ids = envs.flatMap((e) => e.ids);
  const warm = Array.from({ length: WARMUP_ENVELOPES }, (_, k) => generateEnvelope(WARMUP_INDEX + k, ENVELOPE));
  const remove = async (col: string, of = ids): Promise<ObjectDoc[]> => {
    const docs = await repo.findLatest(col, of, viewer);
    if (docs.length) {
      await repo.deleteByKeys(docs.map((d) => d._id));
      await o.baseline.tidy(group);
    }
    return docs;
  };
  // Left over by an interrupted run: a re-post of a stored object would write nothing.
  await remove(o.probeCol);
  await remove(clientCol);
  const warmIds = warm.flatMap((e) => e.ids);
  await remove(o.probeCol, warmIds);
  await pooled(o.concurrency, warm.map((e) => () => o.hub.post(o.probeCol, e.body, ENVELOPE)));
  await remove(o.probeCol, warmIds);

  let span = cpuSpan(o.hubPid, o.dbPid);
  let t0 = performance.now();
  const hubMs = await pooled(o.concurrency, envs.map((e) => () => o.hub.post(o.probeCol, e.body, ENVELOPE)));
  const hubWallMs = performance.now() - t0;
  const hubCpu = span();

  const stored = await remove(o.probeCol);
  if (stored.length !== ids.length) throw new Error(`read back ${stored.length} of the ${ids.length} probe objects the hub stored`);
  const byId = new Map(stored.map((d) => [d.meta.id, d]));
  const batches = envs.map((e) =>
    e.ids.map((id) => {
      const d = byId.get(id)!;
      return { ...d, col: clientCol, _id: objectKey(clientCol, d.meta.id, versionPartOf(d)) };
    }),
  );
  const inserts = await Promise.all(batches.map((b) => o.baseline.prepareInsert(group, b)));

  span = cpuSpan(o.hubPid, o.dbPid);
  t0 = performance.now();
  const clientMs = await pooled(o.concurrency, inserts.map((i) => () => i.run()));
  const clientWallMs = performance.now() - t0;
  const clientCpu = span();
  const inserted = await remove(clientCol);
  if (inserted.length !== ids.length) throw new Error(`the client's inserts stored ${inserted.length} of ${ids.length} objects`);

  return { envelopes: o.envelopes, concurrency: o.concurrency, hubMs, clientMs, hubWallMs, clientWallMs, hubCpu, clientCpu };
}
