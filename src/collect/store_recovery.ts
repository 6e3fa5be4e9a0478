/**
 * Recovery of a collector's data dir at open: every GPU file is cut back to
 * its checkpointed size (files the checkpoint does not know are removed),
 * the journal written since that checkpoint is replayed over them (see
 * `journal_replay.ts`), so a crash at any moment leaves exactly the rounds
 * whose journal entries were whole: no partial or duplicate line. Then each
 * file's time index and the memory window are rebuilt: from the time index
 * snapshot when it still describes every file (`index_snapshot.ts`), reading
 * back only each file's newest lines and the lines past the snapshot
 * (`index_restore.ts`); else with one scan of every line of every file.
 * Exactly-once does not depend on it: partitions' positions come from the
 * checkpoint and the journal only.
 *
 * @module
 */

import { join } from "node:path";
import type { Checkpoint } from "../datadir/checkpoint.ts";
import { StoreDataError } from "./errors.ts";
import { isGpuFileName } from "../datadir/file_name.ts";
import { replayJournals } from "./journal_replay.ts";
import { truncateFile } from "../datadir/jsonl_files.ts";
import type { StoredReads } from "../query/stored_reads.ts";
import type { StoreFile } from "./store_file.ts";
import { FileTail } from "./file_tail.ts";
import { TimeIndex } from "../query/time_index.ts";
import type { MemoryWindowOptions } from "../query/memory_window.ts";
import { checkIndexSnapshot, readIndexSnapshot } from "./index_snapshot.ts";
import { type RestoredFile, restoreIndexSnapshot } from "./index_restore.ts";

export type { StoreFile } from "./store_file.ts";

/** What recovery found and did. */
export interface RecoveryReport {
  /** Files by name, indexed. */
  files: Map<string, StoreFile>;
  /** Uncheckpointed bytes cut from the ends of files. */
  truncatedBytes: number;
  /** Files removed because the checkpoint had no entry for them. */
  removedFiles: number;
  /** Files shorter than their checkpoint (data lost without fsync), or missing. */
  shortFiles: number;
  /** Lines that could not be read back as records. */
  corruptLines: number;
  /** Records read back. */
  records: number;
  /** Journal entries (rounds) read back and replayed where the files lacked them. */
  journalEntries: number;
  /** Bytes the journal replay appended to files. */
  journalBytes: number;
  /** Bytes of a torn journal tail dropped (a round that was never acknowledged). */
  journalTornBytes: number;
  /** Journal blocks that did not fit their file (it was short). */
  journalGaps: number;
  /** The journal generation new rounds go to. */
  journalGen: number;
  /** Bytes of GPU files whose index a time index snapshot restored (not scanned). */
  indexedBytes: number;
  /** Of those, bytes read back to refill the memory window. */
  refilledBytes: number;
  /** Bytes of GPU files scanned line by line (past the snapshot, or all without one). */
  scannedBytes: number;
}

/** Options of {@linkcode recoverDir}. */
export interface RecoverOptions {
  /** Whether cuts are fdatasynced. */
  fsync: boolean;
  /** Lines per index block. */
  indexEvery: number;
  /** The store's read side: every record read back is added to it, in file order per file. */
  reads: StoredReads<StoreFile>;
  /** The memory window's limits: how many of the newest lines a restored index reads back. */
  window: Required<MemoryWindowOptions>;
  /** Called once when GPU files exist but the time index snapshot is not used: why, and how many files are scanned. */
  onIndexFallback?: (reason: string, files: number) => void;
}

/**
 * Cuts back, indexes and replays every GPU file in `dir`.
 *
 * @param dir the locked data dir
 * @param checkpoint its loaded checkpoint; corrected where files were short
 * @param options see {@linkcode RecoverOptions}
 * @throws {StoreDataError} when the checkpoint was just created but GPU files exist
 */
export async function recoverDir(
  dir: string,
  checkpoint: Checkpoint,
  options: RecoverOptions,
): Promise<RecoveryReport> {
  const report: RecoveryReport = {
    files: new Map(),
    truncatedBytes: 0,
    removedFiles: 0,
    shortFiles: 0,
    corruptLines: 0,
    records: 0,
    journalEntries: 0,
    journalBytes: 0,
    journalTornBytes: 0,
    journalGaps: 0,
    journalGen: 0,
    indexedBytes: 0,
    refilledBytes: 0,
    scannedBytes: 0,
  };
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && isGpuFileName(entry.name)) names.push(entry.name);
  }
  if (checkpoint.created && names.length > 0) throw new StoreDataError(dir, names.length);
  // Each file's size once cut back to its checkpoint, then after the replay.
  const sizes = new Map<string, number>();
  for (const name of names) {
    const path = join(dir, name);
    const committed = checkpoint.fileSizes().get(name);
    if (committed === undefined) {
      await Deno.remove(path);
      report.removedFiles++;
      continue;
    }
    const actual = (await Deno.stat(path)).size;
    if (actual > committed) {
      await truncateFile(path, committed, options.fsync);
      report.truncatedBytes += actual - committed;
    } else if (actual < committed) {
      report.shortFiles++;
    }
    sizes.set(name, Math.min(actual, committed));
  }
  const replay = await replayJournals(dir, checkpoint, sizes, options.fsync);
  report.journalEntries = replay.entries;
  report.journalBytes = replay.bytes;
  report.journalTornBytes = replay.tornBytes;
  report.journalGaps = replay.gaps;
  report.journalGen = replay.nextGen;
  const committedSizes = checkpoint.fileSizes();
  const corrections = new Map<string, number | undefined>();
  const restored = await restoreIfIntact(dir, sizes, options, report);
  for (const name of [...sizes.keys()].sort()) {
    const actual = sizes.get(name)!;
    const file = await indexFile(dir, name, actual, restored?.get(name), options, report);
    if (file.index.size !== (committedSizes.get(name) ?? 0)) {
      // Short file, or a torn last line: keep whole lines only.
      if (file.index.size < actual) await truncateFile(file.path, file.index.size, options.fsync);
      corrections.set(name, file.index.size);
    }
    file.tail = new FileTail(file.index.size);
    report.files.set(name, file);
  }
  for (const name of committedSizes.keys()) {
    if (!sizes.has(name)) {
      report.shortFiles++;
      corrections.set(name, undefined);
    }
  }
  if (corrections.size > 0) await checkpoint.correct(corrections);
  return report;
}

// The dir's time index snapshot restored into `options.reads` when it is
// intact and nothing was lost at open, else `undefined` (every file is
// scanned then, and `onIndexFallback` says why).
async function restoreIfIntact(
  dir: string,
  sizes: ReadonlyMap<string, number>,
  options: RecoverOptions,
  report: RecoveryReport,
): Promise<Map<string, RestoredFile> | undefined> {
  const snapshot = await readIndexSnapshot(dir);
  let reason: string | undefined;
  if (snapshot === undefined) {
    reason = sizes.size > 0 ? "there is none" : undefined;
  } else if ("unreadable" in snapshot) {
    reason = snapshot.unreadable;
  } else if (report.shortFiles > 0 || report.journalGaps > 0) {
    reason = "files were found shorter than their checkpoint";
  } else {
    reason = checkIndexSnapshot(dir, snapshot, sizes, options.indexEvery);
    if (reason === undefined) {
      const restore = restoreIndexSnapshot(dir, snapshot, options.reads, options.window);
      report.records += restore.records;
      report.corruptLines += restore.corrupt;
      return restore.files;
    }
  }
  if (reason !== undefined) options.onIndexFallback?.(reason, sizes.size);
  return undefined;
}

// A file indexed: from its restored index, with the window refilled from
// its newest blocks and the lines past the snapshot scanned; or scanned whole.
async function indexFile(
  dir: string,
  name: string,
  actual: number,
  restored: RestoredFile | undefined,
  options: RecoverOptions,
  report: RecoveryReport,
): Promise<StoreFile> {
  const file = restored?.file ??
    { name, path: join(dir, name), index: new TimeIndex(options.indexEvery) };
  if (restored?.refill !== undefined) {
    await options.reads.refill(file, restored.refill, file.index.size);
    report.refilledBytes += file.index.size - restored.refill.offset;
  }
  report.indexedBytes += file.index.size;
  const scan = await options.reads.scan(file, actual);
  report.records += scan.records;
  report.corruptLines += scan.corrupt;
  report.scannedBytes += scan.bytes;
  file.corrupt = (file.corrupt ?? 0) + scan.corrupt;
  return file;
}
