/**
 * Recovery of a collector's data dir at open: every GPU file is cut back to
 * its checkpointed size (files the checkpoint does not know are removed), so
 * a crash between a write and its checkpoint leaves no partial or duplicate
 * line; then one scan per file rebuilds its time index and replays its
 * records to the caller (for the memory window).
 *
 * @module
 */

import { join } from "node:path";
import type { Checkpoint } from "./checkpoint.ts";
import { StoreDataError } from "./errors.ts";
import { isGpuFileName } from "./file_name.ts";
import { scanLines, truncateFile } from "./jsonl_files.ts";
import type { WindowEntry } from "./memory_window.ts";
import { parseRecordLine } from "./stored_line.ts";
import { TimeIndex } from "./time_index.ts";

/** A GPU file the store appends to. */
export interface GpuFile {
  /** File name inside the data dir. */
  name: string;
  /** Full path. */
  path: string;
  /** Index of its committed lines; `index.size` is its committed size. */
  index: TimeIndex;
}

/** What recovery found and did. */
export interface RecoveryReport {
  /** Files by name, indexed. */
  files: Map<string, GpuFile>;
  /** GPU key → file, from the records read. */
  keys: Map<string, GpuFile>;
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
}

/** Options of {@linkcode recoverDir}. */
export interface RecoverOptions {
  /** Whether cuts are fdatasynced. */
  fsync: boolean;
  /** Lines per index block. */
  indexEvery: number;
  /** Called with each record read back, in file order per file. */
  onEntry: (entry: WindowEntry) => void;
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
    keys: new Map(),
    truncatedBytes: 0,
    removedFiles: 0,
    shortFiles: 0,
    corruptLines: 0,
    records: 0,
  };
  const sizes = checkpoint.fileSizes();
  const corrections = new Map<string, number | undefined>();
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && isGpuFileName(entry.name)) names.push(entry.name);
  }
  names.sort();
  if (checkpoint.created && names.length > 0) throw new StoreDataError(dir, names.length);
  for (const name of names) {
    const path = join(dir, name);
    const committed = sizes.get(name);
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
    const file: GpuFile = { name, path, index: new TimeIndex(options.indexEvery) };
    const scanned = await scanLines(path, Math.min(actual, committed), (line) => {
      const parsed = parseRecordLine(line);
      const seq = file.index.lines;
      file.index.append(parsed?.ts ?? NaN, line.length + 1);
      if (parsed === undefined) {
        report.corruptLines++;
        return;
      }
      report.records++;
      if (!report.keys.has(parsed.record.gpu_id)) report.keys.set(parsed.record.gpu_id, file);
      options.onEntry({ seq, ts: parsed.ts, record: parsed.record });
    });
    if (scanned !== committed) {
      // Short file, or a torn last line: keep whole lines only.
      if (scanned < Math.min(actual, committed)) await truncateFile(path, scanned, options.fsync);
      corrections.set(name, scanned);
    }
    report.files.set(name, file);
  }
  const present = new Set(names);
  for (const name of sizes.keys()) {
    if (!present.has(name)) {
      report.shortFiles++;
      corrections.set(name, undefined);
    }
  }
  if (corrections.size > 0) await checkpoint.correct(corrections);
  return report;
}
