/**
 * The collector's storage and read side: typed records, the JSONL store with
 * its Deno KV checkpoint, the memory window, and queries.
 *
 * @example
 * ```ts
 * import { CollectorStore, TelemetryQuery } from "./src/collect/mod.ts";
 * await using store = await CollectorStore.open({ dir: "data/collector-1" });
 * const result = await store.write({ topic, group, partition, messages });
 * // ack up to the batch's last offset only now
 * const query = new TelemetryQuery([store]);
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
export {
  type GpuList,
  type HostInfo,
  type ReadRequest,
  type TelemetryPage,
  type TelemetryParams,
  TelemetryQuery,
  type TelemetryReader,
  type TelemetrySource,
} from "./query.ts";
export {
  DEFAULT_MAX_ENTRIES,
  DEFAULT_MAX_MEMORY,
  type GpuInfo,
  type MemoryStats,
  MemoryWindow,
  type MemoryWindowOptions,
  resolveMemoryWindowOptions,
  type WindowEntry,
} from "./memory_window.ts";
export type { Clock } from "../clock.ts";
export type { FieldValue, TelemetryMessage } from "../stream/message.ts";
export { decodeMessage, type MetricValue, type TelemetryRecord, toRecord } from "./record.ts";
export { parsePromLabels, type PromLabels } from "./prom_labels.ts";
export { CollectorDirView, type CollectorDirViewOptions, type DirViewStats } from "./dir_view.ts";
export {
  DataDirView,
  type DataDirViewOptions,
  DEFAULT_MIN_REFRESH_MS,
  resolveDataDirViewOptions,
  type ResolvedDataDirViewOptions,
} from "./data_dir_view.ts";
export { gpuFileName } from "./file_name.ts";
export { parseRfc3339 } from "./rfc3339.ts";
export {
  QueryError,
  RecordError,
  StorageReadError,
  StoreClosedError,
  StoreDataError,
  StoreFailedError,
  StoreLockedError,
  UnknownGpuError,
  UnknownHostError,
} from "./errors.ts";
