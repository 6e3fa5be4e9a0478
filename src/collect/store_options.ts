/**
 * Options and counters of `CollectorStore`.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { DEFAULT_CHECKPOINT_MS, DEFAULT_MAX_JOURNAL_BYTES } from "./checkpointer.ts";
import { resolveMemoryWindowOptions } from "../query/memory_window.ts";
import type { RecoveryReport } from "./store_recovery.ts";
import { DEFAULT_INDEX_EVERY } from "../query/time_index.ts";

/** Options of `CollectorStore.open`. */
export interface CollectorStoreOptions {
  /** The collector's own data dir, e.g. `<data-dir>/<id>`; created if missing. */
  dir: string;
  /**
   * Newest records kept in memory per GPU.
   * @default {DEFAULT_MAX_ENTRIES}
   */
  maxEntries?: number;
  /**
   * Records kept in memory over all GPUs; least recently updated GPUs lose theirs first.
   * @default {DEFAULT_MAX_MEMORY}
   */
  maxMemory?: number;
  /**
   * fdatasync each round's journal entry before it resolves, and the files
   * (and the dir) before each checkpoint commit. Without it a power loss can
   * lose acknowledged records.
   * @default {true}
   */
  fsync?: boolean;
  /**
   * Most time from a round to the checkpoint that makes its files durable on
   * their own, ms. Durability does not depend on it (the journal holds every
   * round until then); it bounds the journal a restart replays and how far
   * readers of the data dir (`gputel api`) lag behind.
   * @default {DEFAULT_CHECKPOINT_MS}
   */
  checkpointMs?: number;
  /**
   * Journal bytes after which a checkpoint starts at once.
   * @default {DEFAULT_MAX_JOURNAL_BYTES}
   */
  maxJournalBytes?: number;
  /**
   * Most bytes of committed lines waiting for a checkpoint to write them to
   * their files (they are held in memory until then). A round that finds
   * more first waits for a checkpoint; if that fails too, the round is
   * refused with {@linkcode StoreBackloggedError} (the collector does not
   * ack, the broker keeps the records) instead of memory growing while the
   * files cannot be written.
   * @default {DEFAULT_MAX_UNFLUSHED_BYTES}
   */
  maxUnflushedBytes?: number;
  /** Called when a background checkpoint fails (the next one retries its files). */
  onCheckpointError?: (error: unknown) => void;
  /**
   * Most time between two time index snapshots while records come in, ms
   * (one is also written at close). A restart scans only the lines stored
   * since the last one; the rest of the index is read from it.
   * @default {DEFAULT_INDEX_SNAPSHOT_MS}
   */
  indexSnapshotMs?: number;
  /**
   * Called at open when GPU files exist but the time index snapshot cannot
   * be used (missing, damaged, or not matching the files): why, and how many
   * files are scanned whole instead.
   */
  onIndexFallback?: (reason: string, files: number) => void;
  /** Called when writing a time index snapshot fails (the next one retries; nothing is lost). */
  onIndexSnapshotError?: (error: unknown) => void;
  /**
   * Lines per block of each file's sparse time index.
   * @default {DEFAULT_INDEX_EVERY}
   */
  indexEvery?: number;
  /**
   * Time source for `stats()` timestamps.
   * @default {systemClock}
   */
  clock?: Clock;
}

/** Default of {@linkcode CollectorStoreOptions.maxUnflushedBytes}. */
export const DEFAULT_MAX_UNFLUSHED_BYTES = 256 * 1024 * 1024;

/** Default of {@linkcode CollectorStoreOptions.indexSnapshotMs}. */
export const DEFAULT_INDEX_SNAPSHOT_MS = 10_000;

/** Default of {@linkcode CollectorStoreOptions.fsync}. */
export const DEFAULT_FSYNC = true;

/** {@linkcode CollectorStoreOptions} with defaults filled in. */
export type ResolvedCollectorStoreOptions = Required<CollectorStoreOptions>;

function positive(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`CollectorStore: ${field} must be an integer >= 1, got ${value}`);
  }
  return value;
}

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
  return {
    dir: options.dir,
    ...resolveMemoryWindowOptions(options),
    fsync: options.fsync ?? DEFAULT_FSYNC,
    indexEvery: positive("indexEvery", options.indexEvery ?? DEFAULT_INDEX_EVERY),
    checkpointMs: positive("checkpointMs", options.checkpointMs ?? DEFAULT_CHECKPOINT_MS),
    maxJournalBytes: positive(
      "maxJournalBytes",
      options.maxJournalBytes ?? DEFAULT_MAX_JOURNAL_BYTES,
    ),
    maxUnflushedBytes: positive(
      "maxUnflushedBytes",
      options.maxUnflushedBytes ?? DEFAULT_MAX_UNFLUSHED_BYTES,
    ),
    onCheckpointError: options.onCheckpointError ?? (() => {}),
    indexSnapshotMs: positive(
      "indexSnapshotMs",
      options.indexSnapshotMs ?? DEFAULT_INDEX_SNAPSHOT_MS,
    ),
    onIndexFallback: options.onIndexFallback ?? (() => {}),
    onIndexSnapshotError: options.onIndexSnapshotError ?? (() => {}),
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
  /** Rounds committed (journal entries written). */
  commits: number;
  /** Checkpoints recorded by this process (recovery's included). */
  checkpoints: number;
  /** Checkpoints that failed. */
  checkpoint_failures: number;
  /** Bytes in the current journal generation. */
  journal_bytes: number;
  /** Bytes of committed lines a checkpoint has not yet written to their files. */
  unflushed_bytes: number;
  /** Journal entries read back at open. */
  recovered_journal_entries: number;
  /** Bytes the journal replay put back into files at open. */
  recovered_journal_bytes: number;
  /** Bytes of a torn journal tail dropped at open (rounds never acknowledged). */
  recovered_journal_torn_bytes: number;
  /** Journal blocks not replayed at open because their file was cut short (data lost without fsync). */
  recovered_journal_gaps: number;
  /** Uncheckpointed bytes cut from files at open. */
  recovered_truncated_bytes: number;
  /** Uncheckpointed files removed at open. */
  recovered_removed_files: number;
  /** Files found shorter than their checkpoint at open. */
  recovered_short_files: number;
  /** Lines unreadable (found at open, or by an earlier open and kept in the time index snapshot). */
  corrupt_lines: number;
  /** Bytes of GPU files whose time index was restored from the snapshot at open, not scanned. */
  recovered_index_bytes: number;
  /** Bytes of GPU files scanned line by line at open (past the snapshot, or all without one). */
  recovered_scanned_bytes: number;
  /** Time index snapshots written by this process. */
  index_snapshots: number;
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
    checkpoints: 0,
    checkpoint_failures: 0,
    journal_bytes: 0,
    unflushed_bytes: 0,
    recovered_journal_entries: report.journalEntries,
    recovered_journal_bytes: report.journalBytes,
    recovered_journal_torn_bytes: report.journalTornBytes,
    recovered_journal_gaps: report.journalGaps,
    recovered_truncated_bytes: report.truncatedBytes,
    recovered_removed_files: report.removedFiles,
    recovered_short_files: report.shortFiles,
    corrupt_lines: report.corruptLines,
    recovered_index_bytes: report.indexedBytes,
    recovered_scanned_bytes: report.scannedBytes,
    index_snapshots: 0,
    last_write_ms: 0,
    query_memory_reads: 0,
    query_file_reads: 0,
    query_file_blocks: 0,
  };
}
