/**
 * What one collector answered about its GPUs (and memory), as a
 * {@linkcode TelemetrySource}, so the federated reader merges GPU and host
 * listings with the same {@linkcode TelemetryQuery} code the data-dir view
 * uses. It holds no telemetry: the federated reader pages that itself.
 *
 * @module
 */

import type { GpuInfo, MemoryStats } from "../../query/memory_window.ts";
import type { ReadRequest, TelemetrySource } from "../../query/source.ts";
import type { TelemetryRecord } from "../../record/telemetry_record.ts";
import type { WindowEntry } from "../../query/memory_window.ts";

const NO_MEMORY: MemoryStats = {
  max_entries_per_gpu: 0,
  max_records: 0,
  records: 0,
  gpus: 0,
  gpus_in_memory: 0,
  evicted_per_gpu_cap: 0,
  evicted_global_cap: 0,
};

/** One collector's GPU listing (and memory stats), answered over HTTP. */
export class SnapshotSource implements TelemetrySource {
  readonly #gpus: Map<string, GpuInfo>;
  readonly #memory: MemoryStats;

  /**
   * Holds one collector's answers.
   *
   * @param gpus the collector's `/api/v1/gpus` list
   * @param memory its `/memory-stats`, when asked
   */
  constructor(gpus: readonly GpuInfo[], memory: MemoryStats = NO_MEMORY) {
    this.#gpus = new Map(gpus.map((gpu) => [gpu.id, gpu]));
    this.#memory = memory;
  }

  /** Every GPU the collector listed. */
  gpus(): GpuInfo[] {
    return [...this.#gpus.values()];
  }

  /** One GPU, or `undefined`. */
  gpu(gpuId: string): GpuInfo | undefined {
    return this.#gpus.get(gpuId);
  }

  /** Holds no records. */
  newest(_gpuId: string, _limit: number): TelemetryRecord[] {
    return [];
  }

  /** Holds no records. */
  highWater(_gpuId: string): number {
    return 0;
  }

  /** Holds no records. */
  read(_gpuId: string, _request: ReadRequest): Promise<WindowEntry[]> {
    return Promise.resolve([]);
  }

  /** No counters of its own. */
  stats(): Record<string, number> {
    return {};
  }

  /** The collector's memory stats. */
  memoryStats(): MemoryStats {
    return this.#memory;
  }
}
