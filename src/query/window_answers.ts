/**
 * The answers of a {@linkcode TelemetrySource} that a memory window gives
 * on its own (the GPUs seen, a GPU's newest records), shared by the sources
 * that keep one: {@linkcode StoredReads} and {@linkcode JournalTailView}.
 *
 * @module
 */

import type { TelemetryRecord } from "../record/telemetry_record.ts";
import type { GpuInfo, MemoryWindow } from "./memory_window.ts";

/** A source's answers from its memory window. */
export abstract class WindowAnswers {
  /** The memory window the answers come from. */
  protected abstract get window(): MemoryWindow;

  /** Metadata of every GPU seen (kept even when its records left memory). */
  gpus(): GpuInfo[] {
    return this.window.gpus();
  }

  /** Metadata of one GPU, or `undefined`. */
  gpu(gpuId: string): GpuInfo | undefined {
    return this.window.gpu(gpuId);
  }

  /** The newest records in memory for a GPU, oldest first. */
  newest(gpuId: string, limit: number): TelemetryRecord[] {
    return this.window.newest(gpuId, limit);
  }
}
