/**
 * Writes a planned store round: one append per touched file (every group's
 * lines for it, in group order), one parallel fdatasync round, then one
 * atomic checkpoint commit per group, in order. The I/O edge of
 * {@linkcode CollectorStore.writeMany}.
 *
 * @module
 */

import { join } from "node:path";
import type { Checkpoint } from "./checkpoint.ts";
import { type AppendHandles, cutBack, syncDir } from "./jsonl_files.ts";
import type { CommitGroup } from "./store_round.ts";
import type { GpuFile } from "./store_recovery.ts";
import { TimeIndex } from "./time_index.ts";

/** What {@linkcode writeRound} writes with. */
export interface RoundIo {
  /** The data dir. */
  dir: string;
  /** fdatasync files (and the dir, for new files) before committing. */
  fsync: boolean;
  /** Lines per index block of a new file. */
  indexEvery: number;
  /** Open append handles. */
  handles: AppendHandles;
  /** The checkpoint to commit to. */
  checkpoint: Checkpoint;
  /** The store's files by name; a name missing here is a new file. */
  files: ReadonlyMap<string, GpuFile>;
}

interface Target {
  file: GpuFile;
  isNew: boolean;
  /** Committed size: before the round, then after each committed group. */
  committed: number;
  bytes: Uint8Array;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Writes the groups of a round. After each group's commit, `onCommitted` is
 * called with the group and the file of each of its names (new files
 * included), so the caller can index the lines: call order is commit order.
 *
 * On failure every file is cut back to what the last successful commit
 * covers (the size before the round when none succeeded), and the error is
 * rethrown; a cut that fails is passed to `onCutFailure` (the data dir then
 * holds lines the checkpoint does not cover, until the next open).
 *
 * @throws {Error} what the file system or Deno KV threw
 */
export async function writeRound(
  io: RoundIo,
  groups: readonly CommitGroup[],
  onCommitted: (group: CommitGroup, fileOf: (name: string) => GpuFile) => void,
  onCutFailure: (error: unknown) => void,
): Promise<void> {
  const parts = new Map<string, { parts: Uint8Array[]; size: number }>();
  for (const group of groups) {
    for (const [name, lines] of group.files) {
      let file = parts.get(name);
      if (file === undefined) parts.set(name, file = { parts: [], size: 0 });
      for (const part of lines.parts) file.parts.push(part);
      file.size += lines.size;
    }
  }
  const targets = new Map<string, Target>();
  for (const [name, { parts: list, size }] of parts) {
    const known = io.files.get(name);
    const file = known ??
      { name, path: join(io.dir, name), index: new TimeIndex(io.indexEvery) };
    targets.set(name, {
      file,
      isNew: known === undefined,
      committed: file.index.size,
      bytes: concat(list, size),
    });
  }
  const all = [...targets.values()];
  const written = await Promise.allSettled(
    all.map((t) => io.handles.append(t.file.path, t.bytes, io.fsync)),
  );
  io.handles.trim();
  const fileOf = (name: string) => targets.get(name)!.file;
  try {
    const failed = written.find((r) => r.status === "rejected");
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    const created = written.some((r) => r.status === "fulfilled" && r.value.created);
    if (io.fsync && created) await syncDir(io.dir);
    for (const group of groups) {
      const sizes = new Map<string, number>();
      for (const [name, lines] of group.files) {
        sizes.set(name, targets.get(name)!.committed + lines.size);
      }
      await io.checkpoint.commitMany(group.positions, sizes);
      for (const [name, size] of sizes) {
        const target = targets.get(name)!;
        target.committed = size;
        target.isNew = false;
      }
      onCommitted(group, fileOf);
    }
  } catch (error) {
    await rollback(io, all, error, onCutFailure);
    throw error;
  }
}

// Cuts every target back to its committed size; a file no commit covers is
// removed (recovery would remove it anyway).
async function rollback(
  io: RoundIo,
  targets: readonly Target[],
  cause: unknown,
  onCutFailure: (error: unknown) => void,
): Promise<void> {
  for (const { file, committed, isNew } of targets) {
    io.handles.forget(file.path);
    await cutBack(file.path, committed, isNew, io.fsync).catch((error) => {
      onCutFailure(new AggregateError([cause, error], `cannot cut back ${file.path}`));
    });
  }
}
