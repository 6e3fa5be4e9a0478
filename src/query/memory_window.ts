/**
 * The in-memory window of recent records: the newest `maxEntries` records of
 * each GPU, under a global cap of `maxMemory` records that evicts from the
 * least recently updated GPU first. GPU metadata outlives eviction. Pure: no
 * I/O, no clock.
 *
 * @module
 */

import type { TelemetryRecord } from "../record/telemetry_record.ts";
import {
  type AddedEntry,
  foldRecord,
  type GpuInfo,
  type GpuSnapshot,
  type GpuState,
  type HeldEntry,
  newGpuState,
  recordOf,
  restoreGpuState,
  snapshotGpu,
  type WindowEntry,
} from "./gpu_state.ts";

export type { AddedEntry, GpuInfo, GpuSnapshot, WindowEntry } from "./gpu_state.ts";

const held = (e: HeldEntry): WindowEntry => ({ seq: e.seq, ts: e.ts, record: recordOf(e) });

/** Limits and usage of a {@linkcode MemoryWindow}. */
export interface MemoryStats {
  /** Records kept per GPU at most. */
  max_entries_per_gpu: number;
  /** Records kept in all at most. */
  max_records: number;
  /** Records held now. */
  records: number;
  /** GPUs ever seen (metadata kept). */
  gpus: number;
  /** GPUs with at least one record held. */
  gpus_in_memory: number;
  /** Records dropped because a GPU went over `max_entries_per_gpu`. */
  evicted_per_gpu_cap: number;
  /** Records dropped because the global `max_records` cap was reached. */
  evicted_global_cap: number;
}

/** Options of {@linkcode MemoryWindow}. */
export interface MemoryWindowOptions {
  /**
   * Newest records kept per GPU.
   * @default {DEFAULT_MAX_ENTRIES}
   */
  maxEntries?: number;
  /**
   * Records kept over all GPUs; past it the least recently updated GPU
   * loses its oldest records first.
   * @default {DEFAULT_MAX_MEMORY}
   */
  maxMemory?: number;
}

/** Default of {@linkcode MemoryWindowOptions.maxEntries}. */
export const DEFAULT_MAX_ENTRIES = 1000;
/** Default of {@linkcode MemoryWindowOptions.maxMemory}. */
export const DEFAULT_MAX_MEMORY = 1_000_000;

/**
 * Fills in defaults and checks {@linkcode MemoryWindowOptions}.
 *
 * @throws {RangeError} naming the field when a limit is not an integer >= 1
 */
export function resolveMemoryWindowOptions(
  options: MemoryWindowOptions = {},
): Required<MemoryWindowOptions> {
  const resolved = {
    maxEntries: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
    maxMemory: options.maxMemory ?? DEFAULT_MAX_MEMORY,
  };
  for (const [field, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`MemoryWindow: ${field} must be an integer >= 1, got ${value}`);
    }
  }
  return resolved;
}

/**
 * Newest records per GPU plus metadata of every GPU seen.
 *
 * @example
 * ```ts
 * const window = new MemoryWindow({ maxEntries: 2 });
 * window.add({ seq: 0, ts: Date.parse(record.timestamp), record, json: JSON.stringify(record) });
 * window.newest(record.gpu_id, 10); // [record]
 * ```
 */
export class MemoryWindow {
  readonly #options: Required<MemoryWindowOptions>;
  readonly #gpus = new Map<string, GpuState>();
  // GPUs holding records, least recently updated first.
  readonly #lru = new Map<string, GpuState>();
  #records = 0;
  #evictedPerGpu = 0;
  #evictedGlobal = 0;

  /**
   * Creates an empty window.
   *
   * @param options limits
   * @throws {RangeError} when an option is out of range
   */
  constructor(options: MemoryWindowOptions = {}) {
    this.#options = resolveMemoryWindowOptions(options);
  }

  /** Adds a record; entries of one GPU must come in `seq` order. */
  add(entry: AddedEntry): void {
    const { record, ts } = entry;
    let state = this.#gpus.get(record.gpu_id);
    if (state === undefined) {
      state = newGpuState(record, ts);
      this.#gpus.set(record.gpu_id, state);
    }
    foldRecord(state, record, ts);
    state.entries.push({ seq: entry.seq, ts, json: entry.json, origin: entry.origin });
    this.#records++;
    this.#lru.delete(record.gpu_id);
    this.#lru.set(record.gpu_id, state);
    if (state.entries.length - state.start > this.#options.maxEntries) {
      this.#dropOldest(state);
      this.#evictedPerGpu++;
    }
    while (this.#records > this.#options.maxMemory) {
      const [, victim] = this.#lru.entries().next().value!;
      this.#dropOldest(victim);
      this.#evictedGlobal++;
    }
  }

  #dropOldest(state: GpuState): void {
    const dropped = state.entries[state.start++];
    this.#records--;
    if (dropped.ts > state.evictedMaxTs) state.evictedMaxTs = dropped.ts;
    if (state.start === state.entries.length) {
      state.entries = [];
      state.start = 0;
      this.#lru.delete(state.info.id);
    } else if (state.start >= 1024 && state.start * 2 >= state.entries.length) {
      state.entries = state.entries.slice(state.start);
      state.start = 0;
    }
  }

  /** The records held for a GPU, oldest first (a copy). */
  entries(gpuId: string): WindowEntry[] {
    const state = this.#gpus.get(gpuId);
    return state === undefined ? [] : state.entries.slice(state.start).map(held);
  }

  /**
   * The records held for a GPU whose `seq` is in `[fromSeq, toSeq)`, in
   * `seq` order, found by binary search (no scan of the GPU's records).
   */
  entriesInSeqRange(gpuId: string, fromSeq: number, toSeq: number): WindowEntry[] {
    const state = this.#gpus.get(gpuId);
    if (state === undefined) return [];
    const first = (seq: number) => {
      let [lo, hi] = [state.start, state.entries.length];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (state.entries[mid].seq < seq) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return state.entries.slice(first(fromSeq), first(toSeq)).map(held);
  }

  /**
   * The newest `limit` records held for a GPU, oldest first.
   *
   * @param gpuId the GPU key
   * @param limit how many at most
   */
  newest(gpuId: string, limit: number): TelemetryRecord[] {
    const state = this.#gpus.get(gpuId);
    if (state === undefined || limit <= 0) return [];
    const from = Math.max(state.start, state.entries.length - limit);
    return state.entries.slice(from).map(recordOf);
  }

  /**
   * The greatest timestamp (epoch ms) among the GPU's records no longer held,
   * `-Infinity` when none were dropped. A time window starting after it is
   * answered entirely by {@linkcode entries}.
   */
  evictedMaxTs(gpuId: string): number {
    return this.#gpus.get(gpuId)?.evictedMaxTs ?? -Infinity;
  }

  /** Every GPU's metadata as a snapshot, in first-seen order (see {@linkcode restoreGpu}). */
  gpuSnapshots(): GpuSnapshot[] {
    return [...this.#gpus.values()].map(snapshotGpu);
  }

  /**
   * Restores a GPU's metadata from {@linkcode gpuSnapshots} of an earlier
   * window, before any record of it is added; records of it that are not
   * added are taken to be as recent as `evictedMaxTs`, so no time window
   * reaching that far is answered from memory.
   *
   * @throws {RangeError} when the GPU is known already
   */
  restoreGpu(snapshot: GpuSnapshot, evictedMaxTs: number): void {
    if (this.#gpus.has(snapshot.info.id)) {
      throw new RangeError(`MemoryWindow.restoreGpu: GPU ${snapshot.info.id} is known already`);
    }
    this.#gpus.set(snapshot.info.id, restoreGpuState(snapshot, evictedMaxTs));
  }

  /** Whether the GPU was ever seen. */
  has(gpuId: string): boolean {
    return this.#gpus.has(gpuId);
  }

  /** Metadata of one GPU, or `undefined` when never seen. */
  gpu(gpuId: string): GpuInfo | undefined {
    const state = this.#gpus.get(gpuId);
    if (state === undefined) return undefined;
    const latest = Object.fromEntries([...state.latest].map(([k, v]) => [k, v.value]));
    return { ...state.info, latest };
  }

  /** Metadata of every GPU ever seen, in first-seen order. */
  gpus(): GpuInfo[] {
    return [...this.#gpus.keys()].map((id) => this.gpu(id)!);
  }

  /** Limits and current usage. */
  memoryStats(): MemoryStats {
    return {
      max_entries_per_gpu: this.#options.maxEntries,
      max_records: this.#options.maxMemory,
      records: this.#records,
      gpus: this.#gpus.size,
      gpus_in_memory: this.#lru.size,
      evicted_per_gpu_cap: this.#evictedPerGpu,
      evicted_global_cap: this.#evictedGlobal,
    };
  }
}
