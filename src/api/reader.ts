/**
 * The read side as the query API's routes use it.
 *
 * @module
 */

import type { GpuList, HostInfo, TelemetryPage, TelemetryParams } from "../query/query.ts";
import type { MemoryStats } from "../query/memory_window.ts";
import type { TelemetryRecord } from "../record/telemetry_record.ts";

/**
 * The read side as the routes use it: a `TelemetryReader` (whose answers are
 * at hand) or a reader that asks other servers (the federated `api` role).
 */
export interface ApiReader {
  /** Every GPU, optionally only those of one host. */
  listGpus(filter?: { hostname?: string }): GpuList | Promise<GpuList>;
  /** Every host, ordered by name. */
  listHosts():
    | { total: number; hosts: HostInfo[] }
    | Promise<{ total: number; hosts: HostInfo[] }>;
  /** GPUs of one host. @throws {UnknownHostError} when no GPU reports it */
  hostGpus(hostname: string): GpuList | Promise<GpuList>;
  /** Newest records in memory, oldest first. @throws {UnknownGpuError} */
  newest(gpuId: string, limit: number): TelemetryRecord[] | Promise<TelemetryRecord[]>;
  /** One page of a GPU's telemetry. @throws {UnknownGpuError} @throws {QueryError} */
  telemetry(params: TelemetryParams): Promise<TelemetryPage>;
  /** Counters for `/stats`. */
  stats(): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** The memory window's limits and usage. */
  memoryStats(): MemoryStats | Promise<MemoryStats>;
}
