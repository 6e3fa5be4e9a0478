/**
 * A checked time index snapshot put back into a store at open, instead of a
 * scan of every line: each file's index is restored as it was, every GPU's
 * metadata too, and the memory window is refilled from each file's newest
 * blocks only — as many lines as the window would keep of it (`maxEntries`
 * per GPU in the file, `maxMemory` in all, the last files by name first, as
 * a full replay in name order would leave it). Each GPU's records not read
 * back count as evicted with the greatest timestamp of the blocks not read,
 * so the window never answers a time it does not hold. Recovery then reads
 * only those newest blocks and the lines past the snapshot.
 *
 * @module
 */

import { join } from "node:path";
import type { MemoryWindowOptions } from "../query/memory_window.ts";
import type { StoredReads } from "../query/stored_reads.ts";
import { TimeIndex } from "../query/time_index.ts";
import type { IndexSnapshot, SnapshotFile } from "./index_snapshot_codec.ts";
import type { StoreFile } from "./store_file.ts";

/** A file restored from a snapshot, and where its memory window refill starts. */
export interface RestoredFile {
  /** The file, its index restored. */
  file: StoreFile;
  /** Byte offset and `seq` of the first line to read back into the window; `undefined`: none. */
  refill: { offset: number; seq: number } | undefined;
}

/** What {@linkcode restoreIndexSnapshot} restored. */
export interface SnapshotRestore {
  /** Files by name. */
  files: Map<string, RestoredFile>;
  /** Records the restored indexes cover. */
  records: number;
  /** Lines the restored indexes cover that are no record. */
  corrupt: number;
}

/**
 * Restores a checked snapshot's indexes and GPU metadata into `reads` (which
 * must know no GPU yet) and plans the memory window's refill.
 *
 * @param dir the collector dir
 * @param snapshot a snapshot `checkIndexSnapshot` accepted
 * @param reads the store's read side, empty
 * @param window the memory window's limits
 */
export function restoreIndexSnapshot(
  dir: string,
  snapshot: IndexSnapshot,
  reads: StoredReads<StoreFile>,
  window: Required<MemoryWindowOptions>,
): SnapshotRestore {
  const restore: SnapshotRestore = { files: new Map(), records: 0, corrupt: 0 };
  const gpusIn = new Map<string, number>();
  for (const { file } of snapshot.gpus) gpusIn.set(file, (gpusIn.get(file) ?? 0) + 1);
  const floors = new Map<string, number>();
  let budget = window.maxMemory;
  const byName = [...snapshot.files].sort((a, b) => a.name < b.name ? -1 : 1);
  for (const entry of byName.reverse()) {
    const gpus = Math.max(1, gpusIn.get(entry.name) ?? 0);
    const want = Math.min(entry.lines, window.maxEntries * gpus, budget);
    const first = newestBlocks(entry, want);
    budget -= want; // what the window keeps of the lines read
    const index = TimeIndex.restore(snapshot.every, entry.blocks);
    const blocks = index.blocks();
    const refill = first < blocks.length ? blocks[first] : undefined;
    const file: StoreFile = {
      name: entry.name,
      path: join(dir, entry.name),
      index,
      corrupt: entry.corrupt,
    };
    restore.files.set(entry.name, {
      file,
      refill: refill && { offset: refill.offset, seq: refill.firstSeq },
    });
    floors.set(
      entry.name,
      blocks.slice(0, first).reduce((m, b) => Math.max(m, b.maxTs), -Infinity),
    );
    restore.records += entry.lines - entry.corrupt;
    restore.corrupt += entry.corrupt;
  }
  for (const { file, gpu } of snapshot.gpus) {
    reads.restoreGpu(restore.files.get(file)!.file, gpu, floors.get(file)!);
  }
  return restore;
}

// The first of a file's newest blocks holding at least `want` lines (the
// first block when it has fewer).
function newestBlocks(file: SnapshotFile, want: number): number {
  let first = file.blocks.length;
  let lines = 0;
  while (first > 0 && lines < want) lines += file.blocks[--first].count;
  return first;
}
