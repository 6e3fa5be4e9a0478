/**
 * The collector's write side: the JSONL store with its journal and Deno KV
 * checkpoint. Records live in `src/record/`, reads in `src/query/`.
 *
 * @example
 * ```ts
 * import { CollectorStore } from "./src/collect/mod.ts";
 * import { TelemetryQuery } from "./src/query/mod.ts";
 * await using store = await CollectorStore.open({ dir: "data/collector-1" });
 * const result = await store.write({ topic, group, partition, messages });
 * // ack up to the batch's last offset only now
 * const query = new TelemetryQuery([store.reads]);
 * ```
 *
 * @module
 */

export {
  CollectorStore,
  type CollectorStoreOptions,
  DEFAULT_FSYNC,
  resolveCollectorStoreOptions,
  type ResolvedCollectorStoreOptions,
  type StoreBatch,
  type StoreMessage,
  type StoreStats,
  type WriteResult,
} from "./store.ts";
export { gpuFileName } from "../datadir/file_name.ts";
export { StoreClosedError, StoreDataError, StoreFailedError, StoreLockedError } from "./errors.ts";
