/**
 * A read-only view of a whole data dir: one {@linkcode CollectorDirView} per
 * collector dir (`<data-dir>/<id>/` holding a `checkpoint.kv`), discovered on
 * every refresh, so collectors that start later are picked up. Serves the
 * query API of the `api` role; it never takes a collector's lock and never
 * writes a collector's files.
 *
 * @module
 */

import { join } from "node:path";
import { type Clock, systemClock } from "../clock.ts";
import { CHECKPOINT_FILE_NAME } from "../datadir/checkpoint.ts";
import { CollectorDirView } from "./collector_dir_view.ts";
import { DEFAULT_MAX_ENTRIES, DEFAULT_MAX_MEMORY } from "./memory_window.ts";
import { TelemetryQuery, type TelemetryReader } from "./query.ts";
import { type TelemetrySource } from "./source.ts";

/** Options of {@linkcode DataDirView}. */
export interface DataDirViewOptions {
  /** The data dir shared by the collectors. */
  dataDir: string;
  /**
   * Newest records kept in memory per GPU, per collector dir.
   * @default {DEFAULT_MAX_ENTRIES}
   */
  maxEntries?: number;
  /**
   * Records kept in memory per collector dir.
   * @default {DEFAULT_MAX_MEMORY}
   */
  maxMemory?: number;
  /**
   * {@linkcode DataDirView.refreshIfStale} refreshes only when the last
   * refresh started longer ago than this (ms); 0 refreshes on every call.
   * @default {DEFAULT_MIN_REFRESH_MS}
   */
  minRefreshMs?: number;
  /**
   * Time source for {@linkcode DataDirView.refreshIfStale}.
   * @default {systemClock}
   */
  clock?: Clock;
}

/** Default of {@linkcode DataDirViewOptions.minRefreshMs}. */
export const DEFAULT_MIN_REFRESH_MS = 500;

/** {@linkcode DataDirViewOptions} with defaults filled in. */
export type ResolvedDataDirViewOptions = Required<DataDirViewOptions>;

/**
 * Fills in defaults and checks {@linkcode DataDirViewOptions}.
 *
 * @throws {RangeError} naming the field when one is out of range
 */
export function resolveDataDirViewOptions(
  options: DataDirViewOptions,
): ResolvedDataDirViewOptions {
  if (typeof options.dataDir !== "string" || options.dataDir === "") {
    throw new RangeError("DataDirView: dataDir must be a non-empty path");
  }
  const minRefreshMs = options.minRefreshMs ?? DEFAULT_MIN_REFRESH_MS;
  if (!Number.isFinite(minRefreshMs) || minRefreshMs < 0) {
    throw new RangeError(`DataDirView: minRefreshMs must be a number >= 0, got ${minRefreshMs}`);
  }
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const maxMemory = options.maxMemory ?? DEFAULT_MAX_MEMORY;
  for (const [field, value] of Object.entries({ maxEntries, maxMemory })) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`DataDirView: ${field} must be an integer >= 1, got ${value}`);
    }
  }
  return {
    dataDir: options.dataDir,
    maxEntries,
    maxMemory,
    minRefreshMs,
    clock: options.clock ?? systemClock,
  };
}

/**
 * Every collector dir under a data dir, read-only, behind one
 * {@linkcode TelemetryReader}. Collector dirs are appended in discovery order
 * (sorted by id within one refresh) and never removed, so paging cursors stay
 * valid while collectors come and go.
 *
 * @example
 * ```ts
 * await using view = new DataDirView({ dataDir: "./data" });
 * await view.refresh();
 * view.reader()?.listGpus();
 * ```
 */
export class DataDirView implements AsyncDisposable {
  readonly #options: ResolvedDataDirViewOptions;
  readonly #views: CollectorDirView[] = [];
  readonly #sources: TelemetrySource[] = [];
  readonly #known = new Set<string>();
  readonly #query: TelemetryQuery;
  #refreshing: Promise<void> | undefined;
  #lastStart = -Infinity;
  #ready = false;
  #failures = 0;
  #lastError: string | undefined;
  #closed = false;

  /**
   * Creates a view; reads nothing until {@linkcode refresh}.
   *
   * @throws {RangeError} naming the field when an option is out of range
   */
  constructor(options: DataDirViewOptions) {
    this.#options = resolveDataDirViewOptions(options);
    // Each collector dir is two sources: its files, and its journal's rounds
    // past the checkpoint (all a crashed collector has not written out).
    this.#query = new TelemetryQuery(() => this.#sources);
  }

  /** The read side; `undefined` until the first refresh completed. */
  reader(): TelemetryReader | undefined {
    return this.#ready ? this.#query : undefined;
  }

  /** Ids (dir names) of the collector dirs followed, in source order. */
  ids(): string[] {
    return this.#views.map((v) => v.dir.slice(this.#options.dataDir.length + 1));
  }

  /** Counters of the view itself (the collector dirs' own are in the reader's stats). */
  stats(): Record<string, number> {
    return {
      collector_dirs: this.#views.length,
      refresh_failures: this.#failures,
    };
  }

  /** The last refresh error, for the log; `undefined` when the last refresh of every dir worked. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /**
   * Discovers new collector dirs and catches up with every dir. Concurrent
   * calls share one pass. A dir that fails to refresh (unreadable file,
   * KV error) is counted in `refresh_failures` and keeps what it had.
   *
   * @throws {Error} when the data dir itself cannot be listed (other than missing)
   */
  refresh(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /**
   * Refreshes when the last refresh started more than `minRefreshMs` ago;
   * otherwise waits for a refresh in progress, if any.
   */
  refreshIfStale(): Promise<void> {
    const now = this.#options.clock.now();
    if (this.#refreshing !== undefined) return this.#refreshing;
    if (this.#ready && now - this.#lastStart < this.#options.minRefreshMs) {
      return Promise.resolve();
    }
    return this.refresh();
  }

  async #refresh(): Promise<void> {
    this.#lastStart = this.#options.clock.now();
    await this.#discover();
    let error: string | undefined;
    for (const view of this.#views) {
      try {
        await view.refresh();
      } catch (e) {
        this.#failures++;
        error = `cannot refresh ${view.dir}: ${(e as Error).message}`;
      }
    }
    this.#lastError = error;
    this.#ready = true;
  }

  async #discover(): Promise<void> {
    const found: string[] = [];
    try {
      for await (const entry of Deno.readDir(this.#options.dataDir)) {
        if (!entry.isDirectory || this.#known.has(entry.name)) continue;
        const dir = join(this.#options.dataDir, entry.name);
        if (await isFile(join(dir, CHECKPOINT_FILE_NAME))) found.push(entry.name);
      }
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    found.sort();
    for (const name of found) {
      if (this.#closed) return;
      this.#known.add(name);
      const view = new CollectorDirView({
        dir: join(this.#options.dataDir, name),
        maxEntries: this.#options.maxEntries,
        maxMemory: this.#options.maxMemory,
      });
      this.#views.push(view);
      this.#sources.push(view.reads, view.tail);
    }
  }

  /** Waits for a refresh in progress and closes every dir view. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#refreshing?.catch(() => {});
    await Promise.all(this.#views.map((v) => v.close()));
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
