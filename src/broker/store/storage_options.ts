/**
 * Options of the broker's durable log, their defaults, and the function
 * that fills and checks them.
 *
 * @module
 */
import { DEFAULT_MAX_OPEN_FILES } from "../../fs/fd_pool.ts";
import { type FileLayer, realFiles } from "../../fs/file_layer.ts";
import type { Logger } from "../../obs/log.ts";

/** When PUBLISH_OK may be sent relative to fdatasync. */
export type FsyncPolicy = "always" | "interval" | "never";

/** Default {@linkcode BrokerStorageOptions.fsync}: a publish is confirmed once it is on disk. */
export const DEFAULT_FSYNC: FsyncPolicy = "always";
/** Default {@linkcode BrokerStorageOptions.fsyncIntervalMs}. */
export const DEFAULT_FSYNC_INTERVAL_MS = 1000;
/** Default {@linkcode BrokerStorageOptions.segmentBytes}: 64 MiB. */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** Options of {@linkcode BrokerStorage.open}. */
export interface BrokerStorageOptions {
  /** The broker's own directory (e.g. `<data-dir>/broker`). */
  dir: string;
  /** When appended batches are fsynced. @default {DEFAULT_FSYNC} */
  fsync?: FsyncPolicy;
  /** Sync period for `interval`, ms. @default {DEFAULT_FSYNC_INTERVAL_MS} */
  fsyncIntervalMs?: number;
  /** Roll to a new segment past this size. @default {DEFAULT_SEGMENT_BYTES} */
  segmentBytes?: number;
  /** Most descriptors the log keeps open. @default {DEFAULT_MAX_OPEN_FILES} */
  maxOpenFiles?: number;
  /** Accept rebuilding metadata that cannot be rebuilt exactly (`--repair-metadata`). @default {false} */
  repairMetadata?: boolean;
  /** The file layer. @default {realFiles} */
  files?: FileLayer;
  /** Where the storage logs. */
  logger: Logger;
}

/** Counters of the storage layer. */
export interface StorageCounters {
  /** Batches written. */
  writes: number;
  /** Writes that failed. */
  writeErrors: number;
  /** Fsyncs done. */
  syncs: number;
  /** Fsyncs that failed. */
  syncErrors: number;
  /** Batches that failed their CRC when read (skipped, their messages counted as dropped). */
  /** Batches read back from disk (a consumer past the in-memory cache). */
  reads: number;
  /** Reads that found a corrupt record. */
  corruptReads: number;
  /** Bytes cut from torn or garbage tails at startup. */
  recoveredTruncatedBytes: number;
  /** Corrupt stretches skipped in tails at startup. */
  recoveredCorruptRanges: number;
  /** Segments deleted by retention. */
  segmentsRemoved: number;
  /** Messages lost, all partitions: ranges found missing at startup and batches failing their CRC. */
  lostMessages: number;
}

/** {@linkcode BrokerStorageOptions} with defaults filled. */
export type ResolvedStorageOptions = Required<BrokerStorageOptions>;

/**
 * Fills defaults and checks ranges.
 *
 * @throws {RangeError} naming the bad field
 */
export function resolveStorageOptions(options: BrokerStorageOptions): ResolvedStorageOptions {
  const o: ResolvedStorageOptions = {
    ...options,
    fsync: options.fsync ?? DEFAULT_FSYNC,
    fsyncIntervalMs: options.fsyncIntervalMs ?? DEFAULT_FSYNC_INTERVAL_MS,
    segmentBytes: options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
    maxOpenFiles: options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES,
    repairMetadata: options.repairMetadata ?? false,
    files: options.files ?? realFiles,
  };
  if (!["always", "interval", "never"].includes(o.fsync)) {
    throw new RangeError(`fsync must be always, interval or never, got ${o.fsync}`);
  }
  if (!Number.isInteger(o.segmentBytes) || o.segmentBytes < 1024) {
    throw new RangeError(`segmentBytes must be an integer >= 1024, got ${o.segmentBytes}`);
  }
  return o;
}
