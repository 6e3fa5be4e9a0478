/**
 * Recovery of a collector's data dir at open: every GPU file is cut back to
 * its checkpointed size (files the checkpoint does not know are removed),
 * the journal written since that checkpoint is replayed over them (see
 * `journal_replay.ts`), so a crash at any moment leaves exactly the rounds
 * whose journal entries were whole: no partial or duplicate line. Then one
 * scan per file rebuilds its time index and replays its records to the
 * caller (for the memory window).
 *
 * @module
 */

import { join } from "node:path";
import type { Checkpoint } from "../datadir/checkpoint.ts";
import { StoreDataError } from "./errors.ts";
import { isGpuFileName } from "../datadir/file_name.ts";
import { replayJournals } from "./journal_replay.ts";
import { truncateFile } from "../datadir/jsonl_files.ts";
import type { GpuFile, StoredReads } from "../query/stored_reads.ts";
import { FileTail } from "./file_tail.ts";
import { TimeIndex } from "../query/time_index.ts";

/** A GPU file the store appends to; `index.size` is its committed size. */
export interface StoreFile extends GpuFile {
  /** Its committed bytes not yet written to the file. */
  tail?: FileTail;
}

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
}

/** Options of {@linkcode recoverDir}. */
export interface RecoverOptions {
  /** Whether cuts are fdatasynced. */
  fsync: boolean;
  /** Lines per index block. */
  indexEvery: number;
  /** The store's read side: every record read back is added to it, in file order per file. */
  reads: StoredReads<StoreFile>;
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
  for (const name of [...sizes.keys()].sort()) {
    const path = join(dir, name);
    const committed = committedSizes.get(name) ?? 0;
    const actual = sizes.get(name)!;
    const index = new TimeIndex(options.indexEvery);
    const file: StoreFile = { name, path, index };
    const scan = await options.reads.scan(file, actual);
    report.records += scan.records;
    report.corruptLines += scan.corrupt;
    const scanned = scan.bytes;
    if (scanned !== committed) {
      // Short file, or a torn last line: keep whole lines only.
      if (scanned < actual) await truncateFile(path, scanned, options.fsync);
      corrections.set(name, scanned);
    }
    file.tail = new FileTail(index.size);
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
