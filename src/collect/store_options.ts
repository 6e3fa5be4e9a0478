/**
 * Options and counters of `CollectorStore`.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { resolveMemoryWindowOptions } from "./memory_window.ts";
import type { RecoveryReport } from "./store_recovery.ts";
import { DEFAULT_INDEX_EVERY } from "./time_index.ts";

/** Options of `CollectorStore.open`. */
export interface CollectorStoreOptions {
  /** The collector's own data dir, e.g. `<data-dir>/<id>`; created if missing. */
  dir: string;
  /**
   * Newest records kept in memory per GPU.
   * @default {1000}
   */
  maxEntries?: number;
  /**
   * Records kept in memory over all GPUs; least recently updated GPUs lose theirs first.
   * @default {500000}
   */
  maxMemory?: number;
  /**
   * fdatasync each file (and the dir when files are created) before the
   * checkpoint commit. Without it a power loss can lose acknowledged records.
   * @default {true}
   */
  fsync?: boolean;
  /**
   * Lines per block of each file's sparse time index.
   * @default {64}
   */
  indexEvery?: number;
  /**
   * Time source for `stats()` timestamps.
   * @default {systemClock}
   */
  clock?: Clock;
}

/** Default of {@linkcode CollectorStoreOptions.fsync}. */
export const DEFAULT_FSYNC = true;

/** {@linkcode CollectorStoreOptions} with defaults filled in. */
export type ResolvedCollectorStoreOptions = Required<CollectorStoreOptions>;

/**
 * Fills in defaults and checks {@linkcode CollectorStoreOptions}.
 *
 * @throws {RangeError} naming the field when one is out of range
 */
export function resolveCollectorStoreOptions(
  options: CollectorStoreOptions,
): ResolvedCollectorStoreOptions {
  if (typeof options.dir !== "string" || options.dir === "") {
    throw new RangeError("CollectorStore: dir must be a non-empty path");
  }
  const indexEvery = options.indexEvery ?? DEFAULT_INDEX_EVERY;
  if (!Number.isSafeInteger(indexEvery) || indexEvery < 1) {
    throw new RangeError(`CollectorStore: indexEvery must be an integer >= 1, got ${indexEvery}`);
  }
  return {
    dir: options.dir,
    ...resolveMemoryWindowOptions(options),
    fsync: options.fsync ?? DEFAULT_FSYNC,
    indexEvery,
    clock: options.clock ?? systemClock,
  };
}

/** Counters of a `CollectorStore`. */
export interface StoreStats extends Record<string, number> {
  /** Records appended by this process. */
  records_stored: number;
  /** Records in the files now (including those found at open). */
  records_total: number;
  /** Redelivered messages skipped because their offset was already stored. */
  duplicates_skipped: number;
  /** Messages that could not become records. */
  invalid: number;
  /** GPU files. */
  files: number;
  /** Bytes in the GPU files. */
  bytes: number;
  /** `write()` calls that completed. */
  batches: number;
  /** Checkpoint commits. */
  commits: number;
  /** Uncheckpointed bytes cut from files at open. */
  recovered_truncated_bytes: number;
  /** Uncheckpointed files removed at open. */
  recovered_removed_files: number;
  /** Files found shorter than their checkpoint at open. */
  recovered_short_files: number;
  /** Lines unreadable at open. */
  corrupt_lines: number;
  /** Epoch ms of the last completed write, 0 before the first. */
  last_write_ms: number;
  /** Reads answered from the memory window. */
  query_memory_reads: number;
  /** Reads answered from a file through its time index. */
  query_file_reads: number;
  /** Index blocks those file reads read. */
  query_file_blocks: number;
}

/** The counters of a store just opened, from what recovery found. */
export function initialStoreStats(report: RecoveryReport): StoreStats {
  let bytes = 0;
  for (const file of report.files.values()) bytes += file.index.size;
  return {
    records_stored: 0,
    records_total: report.records,
    duplicates_skipped: 0,
    invalid: 0,
    files: report.files.size,
    bytes,
    batches: 0,
    commits: 0,
    recovered_truncated_bytes: report.truncatedBytes,
    recovered_removed_files: report.removedFiles,
    recovered_short_files: report.shortFiles,
    corrupt_lines: report.corruptLines,
    last_write_ms: 0,
    query_memory_reads: 0,
    query_file_reads: 0,
    query_file_blocks: 0,
  };
}
