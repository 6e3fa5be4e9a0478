/**
 * What the query engine asks of each place records are kept: a
 * {@linkcode TelemetrySource} (the live store's and a dir view's
 * `StoredReads`, a journal tail) answers {@linkcode ReadRequest}s for one GPU.
 *
 * @module
 */

import type { TelemetryRecord } from "../record/telemetry_record.ts";
import type { GpuInfo, MemoryStats, WindowEntry } from "./memory_window.ts";

/** What a source must return for one GPU. */
export interface ReadRequest {
  /** Inclusive lower bound (epoch ms). */
  startMs: number;
  /** Inclusive upper bound (epoch ms). */
  endMs: number;
  /** Only entries strictly after this `(ts, seq)` position. */
  after?: { ts: number; seq: number };
  /** Only entries with `seq` below this. */
  maxSeq: number;
  /** Only records that carry this metric. */
  metric?: string;
  /** At most this many entries: the smallest by `(ts, seq)`. */
  limit: number;
}

/** A store of GPU files the read side can query. */
export interface TelemetrySource {
  /** Metadata of every GPU the source has seen. */
  gpus(): GpuInfo[];
  /** Metadata of one GPU, or `undefined`. */
  gpu(gpuId: string): GpuInfo | undefined;
  /** The newest records held in memory for a GPU, oldest first. */
  newest(gpuId: string, limit: number): TelemetryRecord[];
  /** Lines stored for a GPU so far (0 when unknown). */
  highWater(gpuId: string): number;
  /** Entries matching the request, sorted by `(ts, seq)`. */
  read(gpuId: string, request: ReadRequest): Promise<WindowEntry[]>;
  /** Counters for `/stats`. */
  stats(): Record<string, number>;
  /** The memory window's limits and usage. */
  memoryStats(): MemoryStats;
}
