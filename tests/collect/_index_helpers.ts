/**
 * Helpers of the time index snapshot tests: a store's state written with
 * out-of-order timestamps over several GPUs, and everything its read side
 * answers, to compare a store restored from a snapshot with one that
 * scanned every line.
 *
 * @module
 */

import { join } from "node:path";
import { CollectorStore, type CollectorStoreOptions } from "../../src/collect/store.ts";
import { INDEX_SNAPSHOT_FILE_NAME } from "../../src/collect/index_snapshot.ts";
import { batch, payload, T0 } from "./_store_helpers.ts";
import type { StoreMessage } from "../../src/collect/store.ts";

/** Small limits, so blocks, the per-GPU cap and the global cap all matter. */
export const OPTIONS = { fsync: false, maxEntries: 5, maxMemory: 40, indexEvery: 4 } as const;

/** GPUs the state is spread over (one file each). */
export const GPUS = 12;

/** Opens a store on `dir` with {@linkcode OPTIONS}. */
export function openStore(
  dir: string,
  options: Partial<CollectorStoreOptions> = {},
): Promise<CollectorStore> {
  return CollectorStore.open({ ...OPTIONS, ...options, dir });
}

/** Messages for offsets `[from, to)` over {@linkcode GPUS} GPUs, timestamps out of order. */
export function shuffled(from: number, to: number): StoreMessage[] {
  const out: StoreMessage[] = [];
  for (let offset = from; offset < to; offset++) {
    const ms = ((offset * 7919) % 600) * 1000;
    out.push({ offset, key: `gpu-${offset % GPUS}`, payload: payload(offset, ms) });
  }
  return out;
}

/** Stores offsets `[from, to)` in batches of 50 and closes the store (a snapshot is written). */
export async function fill(dir: string, from: number, to: number): Promise<void> {
  await using store = await openStore(dir);
  for (let at = from; at < to; at += 50) {
    await store.write(batch(shuffled(at, Math.min(at + 50, to))));
  }
}

/** The snapshot's path in `dir`. */
export const snapshotPath = (dir: string): string => join(dir, INDEX_SNAPSHOT_FILE_NAME);

const WINDOWS = [[0, 600], [0, 10], [300, 420], [550, 600], [590, 600], [599, 1000]];

/**
 * Everything the store's read side answers: GPU metadata, high-water marks,
 * newest records, time windows (from memory or file, as it decides) and
 * pages of them, counters of what is stored and the memory window's usage.
 */
export async function answers(store: CollectorStore): Promise<unknown> {
  const reads = store.reads;
  const gpus = reads.gpus().sort((a, b) => a.id < b.id ? -1 : 1);
  const per: Record<string, unknown> = {};
  for (const { id } of gpus) {
    const windows = [];
    for (const [a, b] of WINDOWS) {
      for (const limit of [1000, 3]) {
        const request = { startMs: T0 + a * 1000, endMs: T0 + b * 1000, maxSeq: 1e9, limit };
        const found = await reads.read(id, request);
        windows.push(found.map((e) => [e.seq, e.ts - T0, e.record.metrics.seq]));
      }
    }
    per[id] = {
      high: reads.highWater(id),
      newest: reads.newest(id, 100).map((r) => r.metrics.seq),
      windows,
    };
  }
  const { records_total, corrupt_lines, files, bytes } = store.stats();
  const { records, gpus: known, gpus_in_memory } = reads.memoryStats();
  return {
    gpus,
    per,
    stats: { records_total, corrupt_lines, files, bytes },
    memory: { records, known, gpus_in_memory },
  };
}

/**
 * The answers of a store on `dir` after its snapshot is removed: every line scanned.
 *
 * @param options options of the store (default {@linkcode OPTIONS})
 */
export async function scannedAnswers(
  dir: string,
  options?: Partial<CollectorStoreOptions>,
): Promise<unknown> {
  await Deno.remove(snapshotPath(dir));
  await using store = await openStore(dir, options);
  return await answers(store);
}
