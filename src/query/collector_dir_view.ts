/**
 * A read-only view of one collector's data dir (`<data-dir>/<id>/`) that
 * follows the files a live collector writes, without its lock and without
 * consuming: each {@linkcode CollectorDirView.refresh} reads the file sizes
 * the collector last committed to its Deno KV checkpoint and indexes the
 * whole lines each file gained up to that size. Bytes past a committed size
 * (a write whose checkpoint is not committed yet, or a tail a restarting
 * collector will cut) are never read, so the view never shows a line the
 * collector could still take back.
 *
 * @module
 */

import { join } from "node:path";
import { CHECKPOINT_FILE_NAME, JOURNAL_KEY } from "../datadir/checkpoint.ts";
import { readWindowOrFile } from "./file_reader.ts";
import { isGpuFileName } from "../datadir/file_name.ts";
import { JournalTailView } from "./journal_tail_view.ts";
import { scanLines } from "../datadir/jsonl_files.ts";
import {
  type GpuInfo,
  type MemoryStats,
  MemoryWindow,
  type MemoryWindowOptions,
  resolveMemoryWindowOptions,
  type WindowEntry,
} from "./memory_window.ts";
import type { ReadRequest, TelemetrySource } from "./query.ts";
import type { TelemetryRecord } from "../record/telemetry_record.ts";
import type { GpuFile } from "../collect/store_recovery.ts";
import { parseRecordLine } from "../record/stored_line.ts";
import { DEFAULT_INDEX_EVERY, TimeIndex } from "./time_index.ts";

/** Options of {@linkcode CollectorDirView}. */
export interface CollectorDirViewOptions extends MemoryWindowOptions {
  /** The collector's dir, `<data-dir>/<id>`. */
  dir: string;
  /**
   * Lines per block of each file's time index.
   * @default {64}
   */
  indexEvery?: number;
}

/** Counters of a {@linkcode CollectorDirView}. */
export interface DirViewStats extends Record<string, number> {
  /** Records indexed. */
  records_total: number;
  /** GPU files followed. */
  files: number;
  /** Bytes indexed. */
  bytes: number;
  /** Lines that could not be read back as records. */
  corrupt_lines: number;
  /** Completed refreshes. */
  refreshes: number;
  /** Times the view started over because a committed size shrank. */
  rebuilds: number;
  /** Files the checkpoint names that were not (yet) on disk at a refresh. */
  missing_files: number;
  /** Reads answered from the memory window. */
  query_memory_reads: number;
  /** Reads answered from a file through its time index. */
  query_file_reads: number;
  /** Index blocks those file reads read. */
  query_file_blocks: number;
}

interface ViewState {
  window: MemoryWindow;
  files: Map<string, GpuFile>;
  keys: Map<string, GpuFile>;
}

/**
 * Follows one collector dir, read-only. Call {@linkcode refresh} to catch up;
 * queries answer from what the last refresh indexed.
 *
 * @example
 * ```ts
 * await using view = new CollectorDirView({ dir: "data/collector-1" });
 * await view.refresh();
 * new TelemetryQuery([view]).listGpus();
 * ```
 */
export class CollectorDirView implements TelemetrySource, AsyncDisposable {
  /**
   * The acked rounds the collector's journal holds past its checkpoint (a
   * second source: what a collector killed and not restarted has not yet
   * written to its files), refreshed with the view.
   */
  readonly tail: JournalTailView;
  readonly #dir: string;
  readonly #indexEvery: number;
  readonly #windowOptions: Required<MemoryWindowOptions>;
  #state: ViewState;
  #stats: DirViewStats = zeroStats();
  #kv: Deno.Kv | undefined;
  #refreshing: Promise<void> | undefined;
  #closed = false;

  /**
   * Creates a view; reads nothing until {@linkcode refresh}.
   *
   * @throws {RangeError} naming the field when an option is out of range
   */
  constructor(options: CollectorDirViewOptions) {
    if (typeof options.dir !== "string" || options.dir === "") {
      throw new RangeError("CollectorDirView: dir must be a non-empty path");
    }
    const indexEvery = options.indexEvery ?? DEFAULT_INDEX_EVERY;
    if (!Number.isSafeInteger(indexEvery) || indexEvery < 1) {
      throw new RangeError(
        `CollectorDirView: indexEvery must be an integer >= 1, got ${indexEvery}`,
      );
    }
    this.#dir = options.dir;
    this.tail = new JournalTailView(options.dir);
    this.#indexEvery = indexEvery;
    this.#windowOptions = resolveMemoryWindowOptions(options);
    this.#state = this.#emptyState();
  }

  /** The collector dir. */
  get dir(): string {
    return this.#dir;
  }

  #emptyState(): ViewState {
    return { window: new MemoryWindow(this.#windowOptions), files: new Map(), keys: new Map() };
  }

  /**
   * Catches up with the collector: indexes every whole line its files gained
   * up to their committed sizes. Concurrent calls share one pass. A dir
   * without a checkpoint yet is left alone (nothing is created in it).
   *
   * @throws {Error} what Deno KV or the file system throws; the view keeps
   *   what it had and the next refresh tries again
   */
  refresh(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    const kv = await this.#openKv();
    if (kv === undefined) return;
    const sizes: [string, number][] = [];
    for await (const entry of kv.list<number>({ prefix: ["f"] })) {
      const name = entry.key[1];
      if (typeof name === "string" && isGpuFileName(name) && Number.isSafeInteger(entry.value)) {
        sizes.push([name, entry.value]);
      }
    }
    sizes.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const shrank = sizes.some(([name, size]) =>
      size < (this.#state.files.get(name)?.index.size ?? 0)
    );
    if (shrank) {
      // A restarted collector corrected a short file: start over.
      const rebuilds = this.#stats.rebuilds + 1;
      const refreshes = this.#stats.refreshes;
      this.#state = this.#emptyState();
      this.#stats = { ...zeroStats(), rebuilds, refreshes };
    }
    for (const [name, size] of sizes) await this.#follow(name, size);
    const gen = (await kv.get<number>(JOURNAL_KEY)).value;
    await this.tail.refresh(Number.isSafeInteger(gen) ? gen! : 0, new Map(sizes));
    this.#stats.refreshes++;
  }

  async #openKv(): Promise<Deno.Kv | undefined> {
    if (this.#kv !== undefined) return this.#kv;
    const path = join(this.#dir, CHECKPOINT_FILE_NAME);
    try {
      if (!(await Deno.stat(path)).isFile) return undefined;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
    const kv = await Deno.openKv(path);
    if (this.#closed) {
      kv.close();
      return undefined;
    }
    return this.#kv = kv;
  }

  // Indexes the lines of one file between what is indexed and `committed`.
  async #follow(name: string, committed: number): Promise<void> {
    const state = this.#state;
    let file = state.files.get(name);
    if (file === undefined) {
      file = { name, path: join(this.#dir, name), index: new TimeIndex(this.#indexEvery) };
    }
    const from = file.index.size;
    if (committed <= from && state.files.has(name)) return;
    const gpuFile = file;
    try {
      const scanned = await scanLines(gpuFile.path, committed, (line) => {
        const parsed = parseRecordLine(line);
        const seq = gpuFile.index.lines;
        gpuFile.index.append(parsed?.ts ?? NaN, line.length + 1);
        if (parsed === undefined) {
          this.#stats.corrupt_lines++;
          return;
        }
        if (!state.keys.has(parsed.record.gpu_id)) state.keys.set(parsed.record.gpu_id, gpuFile);
        state.window.add({ seq, ts: parsed.ts, record: parsed.record });
        this.#stats.records_total++;
      }, from);
      this.#stats.bytes += scanned;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      this.#stats.missing_files++;
      return;
    }
    if (!state.files.has(name)) {
      state.files.set(name, gpuFile);
      this.#stats.files++;
    }
  }

  /** Metadata of every GPU seen. */
  gpus(): GpuInfo[] {
    return this.#state.window.gpus();
  }

  /** Metadata of one GPU, or `undefined`. */
  gpu(gpuId: string): GpuInfo | undefined {
    return this.#state.window.gpu(gpuId);
  }

  /** The newest records in memory for a GPU, oldest first. */
  newest(gpuId: string, limit: number): TelemetryRecord[] {
    return this.#state.window.newest(gpuId, limit);
  }

  /** Lines indexed in the GPU's file (0 when unknown). */
  highWater(gpuId: string): number {
    return this.#state.keys.get(gpuId)?.index.lines ?? 0;
  }

  /** Entries of a GPU for a request, sorted by `(ts, seq)`, from memory or the file. */
  read(gpuId: string, request: ReadRequest): Promise<WindowEntry[]> {
    const { window, keys } = this.#state;
    return readWindowOrFile(window, keys.get(gpuId), gpuId, request, this.#stats);
  }

  /** Counters. */
  stats(): DirViewStats {
    return { ...this.#stats };
  }

  /** The memory window's limits and usage. */
  memoryStats(): MemoryStats {
    return this.#state.window.memoryStats();
  }

  /** Waits for a refresh in progress and closes the checkpoint. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#refreshing?.catch(() => {});
    this.#kv?.close();
    this.#kv = undefined;
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function zeroStats(): DirViewStats {
  return {
    records_total: 0,
    files: 0,
    bytes: 0,
    corrupt_lines: 0,
    refreshes: 0,
    rebuilds: 0,
    missing_files: 0,
    query_memory_reads: 0,
    query_file_reads: 0,
    query_file_blocks: 0,
  };
}
