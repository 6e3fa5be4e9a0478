/**
 * The read side: GPU and host listings and paged telemetry queries over one
 * or more {@linkcode TelemetrySource}s (a live store's `reads`, the dir views
 * of one or many collector dirs). Pure: sources do the I/O.
 *
 * @module
 */

import { type CursorScope, decodeCursor, encodeCursor } from "./cursor.ts";
import { UnknownGpuError, UnknownHostError } from "./errors.ts";
import { compareGpus, mergeGpuInfo } from "./gpu_info.ts";
import type { GpuInfo, MemoryStats } from "./memory_window.ts";
import type { TelemetryRecord } from "../record/telemetry_record.ts";
import { originOf, uniqueByOrigin } from "../record/origin.ts";
import type { ReadRequest, TelemetrySource } from "./source.ts";
import { byPosition, type Ranked, readUniquePage } from "./unique_page.ts";

/** Parameters of a telemetry query. */
export interface TelemetryParams {
  /** GPU key. */
  gpuId: string;
  /** Inclusive lower bound (epoch ms), none when omitted. */
  startMs?: number;
  /** Inclusive upper bound (epoch ms), none when omitted. */
  endMs?: number;
  /** Keep only this metric (records without it are left out). */
  metric?: string;
  /** Page size. */
  limit: number;
  /** `next_cursor` of the previous page. */
  cursor?: string;
}

/** One page of telemetry. */
export interface TelemetryPage {
  /** Records ordered by timestamp (ties in storage order). */
  data: TelemetryRecord[];
  /** Cursor of the next page, `null` on the last page. */
  next_cursor: string | null;
}

/** A list of GPUs. */
export interface GpuList {
  /** How many GPUs follow. */
  total: number;
  /** Ordered by hostname, numeric gpu_index, id. */
  gpus: GpuInfo[];
}

/** One host and its GPUs. */
export interface HostInfo {
  /** The `hostname` label. */
  hostname: string;
  /** GPUs reporting this hostname. */
  gpu_count: number;
  /** Latest `last_seen` of its GPUs. */
  last_seen: string;
}

/** The query side as the HTTP API sees it. */
export interface TelemetryReader {
  /** Every GPU, optionally only those of one host. */
  listGpus(filter?: { hostname?: string }): GpuList;
  /** Every host, ordered by name. */
  listHosts(): { total: number; hosts: HostInfo[] };
  /**
   * GPUs of one host.
   * @throws {UnknownHostError} when no GPU reports the host
   */
  hostGpus(hostname: string): GpuList;
  /**
   * The newest records held in memory for a GPU, oldest first.
   * @throws {UnknownGpuError} when the GPU is unknown
   */
  newest(gpuId: string, limit: number): TelemetryRecord[];
  /**
   * One page of a GPU's telemetry in an inclusive time window.
   * @throws {UnknownGpuError} when the GPU is unknown
   * @throws {QueryError} on a bad cursor
   */
  telemetry(params: TelemetryParams): Promise<TelemetryPage>;
  /** Counters summed over sources, plus `sources`. */
  stats(): Record<string, number>;
  /** Memory usage summed over sources. */
  memoryStats(): MemoryStats;
}

/** Most entries of one GPU at one timestamp looked at to deduplicate across a page boundary. */
const MAX_AT_ONE_TIME = 100_000;

/**
 * Answers queries over one or more sources. Every answer holds each record
 * origin once (see `origin.ts`): copies stored by two collectors, or twice
 * by one, are returned once. With several sources (several
 * collectors' dirs), a GPU found in more than one has its metadata merged and
 * its telemetry interleaved by time; the source order must stay the same for
 * cursors to stay valid.
 *
 * @example
 * ```ts
 * const query = new TelemetryQuery([store.reads]);
 * const page = await query.telemetry({ gpuId: "GPU-1", limit: 100 });
 * ```
 */
export class TelemetryQuery implements TelemetryReader {
  readonly #list: () => readonly TelemetrySource[];

  /**
   * Creates a query over sources.
   *
   * @param sources the sources, in a stable order; or a function returning
   *   the current sources, for a set that grows (sources may only be
   *   appended, never removed or reordered, for cursors to stay valid), which
   *   may be empty
   * @throws {RangeError} when `sources` is an empty array
   */
  constructor(sources: readonly TelemetrySource[] | (() => readonly TelemetrySource[])) {
    if (typeof sources === "function") {
      this.#list = sources;
    } else {
      if (sources.length === 0) throw new RangeError("TelemetryQuery: sources must not be empty");
      const fixed = [...sources];
      this.#list = () => fixed;
    }
  }

  get #sources(): readonly TelemetrySource[] {
    return this.#list();
  }

  #gpu(gpuId: string): GpuInfo | undefined {
    let merged: GpuInfo | undefined;
    for (const source of this.#sources) {
      const info = source.gpu(gpuId);
      if (info !== undefined) merged = merged === undefined ? info : mergeGpuInfo(merged, info);
    }
    return merged;
  }

  /** Every GPU, optionally only those whose `hostname` matches exactly. */
  listGpus(filter: { hostname?: string } = {}): GpuList {
    const byId = new Map<string, GpuInfo>();
    for (const source of this.#sources) {
      for (const info of source.gpus()) {
        const known = byId.get(info.id);
        byId.set(info.id, known === undefined ? info : mergeGpuInfo(known, info));
      }
    }
    let gpus = [...byId.values()];
    if (filter.hostname !== undefined) gpus = gpus.filter((g) => g.hostname === filter.hostname);
    gpus.sort(compareGpus);
    return { total: gpus.length, gpus };
  }

  /** Every host that some GPU reports, ordered by name. */
  listHosts(): { total: number; hosts: HostInfo[] } {
    const hosts = new Map<string, HostInfo>();
    for (const gpu of this.listGpus().gpus) {
      if (gpu.hostname === null) continue;
      const host = hosts.get(gpu.hostname);
      if (host === undefined) {
        hosts.set(gpu.hostname, { hostname: gpu.hostname, gpu_count: 1, last_seen: gpu.last_seen });
      } else {
        host.gpu_count++;
        if (Date.parse(gpu.last_seen) > Date.parse(host.last_seen)) host.last_seen = gpu.last_seen;
      }
    }
    const list = [...hosts.values()];
    return { total: list.length, hosts: list };
  }

  /** GPUs of one host. @throws {UnknownHostError} when no GPU reports it */
  hostGpus(hostname: string): GpuList {
    const list = this.listGpus({ hostname });
    if (list.total === 0) throw new UnknownHostError(hostname);
    return list;
  }

  /** Newest records in memory, oldest first. @throws {UnknownGpuError} */
  newest(gpuId: string, limit: number): TelemetryRecord[] {
    if (this.#gpu(gpuId) === undefined) throw new UnknownGpuError(gpuId);
    const ranked: Ranked[] = [];
    this.#sources.forEach((source, i) => {
      const records = source.newest(gpuId, limit);
      for (const record of records) {
        ranked.push({
          entry: { seq: ranked.length, ts: Date.parse(record.timestamp), record },
          source: i,
        });
      }
    });
    if (this.#sources.length > 1) ranked.sort(byPosition);
    return uniqueByOrigin(ranked, (r) => r.entry.record).slice(-limit).map((r) => r.entry.record);
  }

  /**
   * One page of a GPU's telemetry in an inclusive time window.
   *
   * @throws {UnknownGpuError} when no source knows the GPU
   * @throws {QueryError} when the cursor is not a cursor of this query
   * @throws {RangeError} when `limit` is not an integer >= 1
   */
  async telemetry(params: TelemetryParams): Promise<TelemetryPage> {
    const { gpuId, limit, metric } = params;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`telemetry: limit must be an integer >= 1, got ${limit}`);
    }
    if (this.#gpu(gpuId) === undefined) throw new UnknownGpuError(gpuId);
    const scope: CursorScope = { gpuId, startMs: params.startMs, endMs: params.endMs, metric };
    const cursor = params.cursor === undefined
      ? undefined
      : decodeCursor(params.cursor, scope, this.#sources.length);
    const highWater = cursor?.highWater ?? this.#sources.map((s) => s.highWater(gpuId));
    const window = { startMs: params.startMs ?? -Infinity, endMs: params.endMs ?? Infinity };
    const readAll = (request: (i: number) => Omit<ReadRequest, "maxSeq" | "metric">) =>
      Promise.all(this.#sources.map(async (source, i): Promise<Ranked[]> => {
        if (highWater[i] === 0) return [];
        const entries = await source.read(gpuId, { ...request(i), maxSeq: highWater[i], metric });
        return entries.map((entry) => ({ entry, source: i }));
      }));
    // Origins given out up to the cursor at its timestamp: a copy of one of
    // them after the cursor must not be given out again.
    const seen = new Set<string>();
    if (cursor !== undefined) {
      const at = { startMs: cursor.ts, endMs: cursor.ts, limit: MAX_AT_ONE_TIME };
      const upTo = { entry: { ts: cursor.ts, seq: cursor.seq }, source: cursor.source };
      for (const r of (await readAll(() => at)).flat()) {
        const o = originOf(r.entry.record);
        if (o !== undefined && byPosition(r, upTo as Ranked) <= 0) seen.add(o);
      }
    }
    const ranked = await readUniquePage(
      (perSource) =>
        readAll((i) => {
          if (cursor === undefined) return { ...window, limit: perSource };
          const seq = i < cursor.source ? Infinity : i > cursor.source ? -1 : cursor.seq;
          return { ...window, after: { ts: cursor.ts, seq }, limit: perSource };
        }),
      limit,
      seen,
    );
    const page = ranked.slice(0, limit);
    const data = page.map(({ entry: { record } }) =>
      metric === undefined ? record : { ...record, metrics: { [metric]: record.metrics[metric] } }
    );
    const last = page.at(-1);
    const next_cursor = ranked.length > limit && last !== undefined
      ? encodeCursor(scope, {
        ts: last.entry.ts,
        source: last.source,
        seq: last.entry.seq,
        highWater,
      })
      : null;
    return { data, next_cursor };
  }

  /** Counters summed over sources, plus `sources`. */
  stats(): Record<string, number> {
    const total: Record<string, number> = { sources: this.#sources.length };
    for (const source of this.#sources) {
      for (const [key, value] of Object.entries(source.stats())) {
        total[key] = (total[key] ?? 0) + value;
      }
    }
    return total;
  }

  /** Memory usage summed over sources (limits are per source). */
  memoryStats(): MemoryStats {
    const all = this.#sources.map((s) => s.memoryStats());
    const sum = (k: keyof MemoryStats) => all.reduce((n, s) => n + s[k], 0);
    return {
      max_entries_per_gpu: all[0]?.max_entries_per_gpu ?? 0,
      max_records: sum("max_records"),
      records: sum("records"),
      gpus: this.listGpus().total,
      gpus_in_memory: sum("gpus_in_memory"),
      evicted_per_gpu_cap: sum("evicted_per_gpu_cap"),
      evicted_global_cap: sum("evicted_global_cap"),
    };
  }
}
