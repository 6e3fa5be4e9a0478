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
import { isGpuFileName } from "../datadir/file_name.ts";
import { JournalTailView } from "./journal_tail_view.ts";
import { type MemoryWindowOptions, resolveMemoryWindowOptions } from "./memory_window.ts";
import { type GpuFile, StoredReads } from "./stored_reads.ts";
import { DEFAULT_INDEX_EVERY, TimeIndex } from "./time_index.ts";

/** Options of {@linkcode CollectorDirView}. */
export interface CollectorDirViewOptions extends MemoryWindowOptions {
  /** The collector's dir, `<data-dir>/<id>`. */
  dir: string;
  /**
   * Lines per block of each file's time index.
   * @default {DEFAULT_INDEX_EVERY}
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

/**
 * Follows one collector dir, read-only. Call {@linkcode refresh} to catch up;
 * queries answer from what the last refresh indexed.
 *
 * @example
 * ```ts
 * await using view = new CollectorDirView({ dir: "data/collector-1" });
 * await view.refresh();
 * new TelemetryQuery([view.reads]).listGpus();
 * ```
 */
export class CollectorDirView implements AsyncDisposable {
  /** The read side: what the last refresh indexed. */
  readonly reads: StoredReads;
  /**
   * The acked rounds the collector's journal holds past its checkpoint (a
   * second source: what a collector killed and not restarted has not yet
   * written to its files), refreshed with the view.
   */
  readonly tail: JournalTailView;
  readonly #dir: string;
  readonly #indexEvery: number;
  readonly #files = new Map<string, GpuFile>();
  readonly #stats: DirViewStats = zeroStats();
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
    this.reads = new StoredReads({
      window: resolveMemoryWindowOptions(options),
      counters: () => this.#stats,
      stats: () => this.stats(),
    });
  }

  /** The collector dir. */
  get dir(): string {
    return this.#dir;
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
    const shrank = sizes.some(([name, size]) => size < (this.#files.get(name)?.index.size ?? 0));
    if (shrank) {
      // A restarted collector corrected a short file: start over.
      const rebuilds = this.#stats.rebuilds + 1;
      const refreshes = this.#stats.refreshes;
      this.reads.reset();
      this.#files.clear();
      Object.assign(this.#stats, zeroStats(), { rebuilds, refreshes });
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
    const known = this.#files.get(name);
    const file = known ??
      { name, path: join(this.#dir, name), index: new TimeIndex(this.#indexEvery) };
    if (known !== undefined && committed <= file.index.size) return;
    try {
      const scan = await this.reads.scan(file, committed);
      this.#stats.records_total += scan.records;
      this.#stats.corrupt_lines += scan.corrupt;
      this.#stats.bytes += scan.bytes;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      this.#stats.missing_files++;
      return;
    }
    if (known === undefined) {
      this.#files.set(name, file);
      this.#stats.files++;
    }
  }

  /** Counters. */
  stats(): DirViewStats {
    return { ...this.#stats };
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
