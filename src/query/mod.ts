/**
 * The read side: the memory window, per-file time indexes, the query engine
 * with its cursors, and the read-only views of collector dirs.
 *
 * @example
 * ```ts
 * import { DataDirView } from "./src/query/mod.ts";
 * await using view = new DataDirView({ dataDir: "./data" });
 * await view.refresh();
 * view.reader()?.listGpus();
 * ```
 *
 * @module
 */

export {
  type GpuList,
  type HostInfo,
  type TelemetryPage,
  type TelemetryParams,
  TelemetryQuery,
  type TelemetryReader,
} from "./query.ts";
export { type ReadRequest, type TelemetrySource } from "./source.ts";
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
export {
  CollectorDirView,
  type CollectorDirViewOptions,
  type DirViewStats,
} from "./collector_dir_view.ts";
export {
  DataDirView,
  type DataDirViewOptions,
  DEFAULT_MIN_REFRESH_MS,
  resolveDataDirViewOptions,
  type ResolvedDataDirViewOptions,
} from "./data_dir_view.ts";
export type { Clock } from "../clock.ts";
export { QueryError, StorageReadError, UnknownGpuError, UnknownHostError } from "./errors.ts";
