/**
 * The collector's store: typed records appended to one JSONL file per GPU,
 * exactly once within its data dir, with progress checkpointed in Deno KV,
 * and a memory window of recent records for the query API.
 *
 * @module
 */

import { join } from "node:path";
import {
  Checkpoint,
  CHECKPOINT_FILE_NAME,
  MAX_FILES_PER_COMMIT,
  MAX_NAME_BYTES,
} from "./checkpoint.ts";
import { type DirLock, lockDir } from "./dir_lock.ts";
import { StoreClosedError, StoreFailedError } from "./errors.ts";
import { readWindowOrFile } from "./file_reader.ts";
import { cachedGpuFileName } from "./file_name.ts";
import { AppendHandles, cutBack, syncDir } from "./jsonl_files.ts";
import { type GpuInfo, type MemoryStats, MemoryWindow, type WindowEntry } from "./memory_window.ts";
import type { ReadRequest, TelemetrySource } from "./query.ts";
import type { TelemetryRecord } from "./record.ts";
import { type GpuFile, recoverDir } from "./store_recovery.ts";
import { TimeIndex } from "./time_index.ts";
import {
  type CollectorStoreOptions,
  initialStoreStats,
  resolveCollectorStoreOptions,
  type ResolvedCollectorStoreOptions,
  type StoreStats,
} from "./store_options.ts";
import { type BatchChunk, prepareBatch, type StoreBatch, type WriteResult } from "./store_batch.ts";

export type { StoreBatch, StoreMessage, WriteResult } from "./store_batch.ts";
export {
  type CollectorStoreOptions,
  DEFAULT_FSYNC,
  resolveCollectorStoreOptions,
  type ResolvedCollectorStoreOptions,
  type StoreStats,
} from "./store_options.ts";

interface StoreParts {
  checkpoint: Checkpoint;
  lock: DirLock;
  window: MemoryWindow;
  files: Map<string, GpuFile>;
  keys: Map<string, GpuFile>;
  stats: StoreStats;
}

/**
 * The collector's store. Writes are serialised internally, so several
 * subscriber connections may share one store and call {@linkcode write}
 * concurrently.
 *
 * @example
 * ```ts
 * await using store = await CollectorStore.open({ dir: "data/c1" });
 * const result = await store.write({ topic: "telemetry", group: "collect", partition: 0, messages });
 * // ack the batch only now
 * ```
 */
export class CollectorStore implements TelemetrySource, AsyncDisposable {
  readonly #options: ResolvedCollectorStoreOptions;
  readonly #checkpoint: Checkpoint;
  readonly #lock: DirLock;
  readonly #window: MemoryWindow;
  readonly #files: Map<string, GpuFile>;
  readonly #keys: Map<string, GpuFile>;
  readonly #stats: StoreStats;
  readonly #handles = new AppendHandles();
  readonly #fileName = cachedGpuFileName();
  #tail: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | undefined;
  #failure: unknown;

  private constructor(options: ResolvedCollectorStoreOptions, parts: StoreParts) {
    this.#options = options;
    ({
      checkpoint: this.#checkpoint,
      lock: this.#lock,
      window: this.#window,
      files: this.#files,
      keys: this.#keys,
      stats: this.#stats,
    } = parts);
  }

  /**
   * Opens a data dir: creates it, locks it, opens `<dir>/checkpoint.kv`, cuts
   * every GPU file back to its checkpoint, and rebuilds indexes and the
   * memory window with one scan per file.
   *
   * @throws {RangeError} when an option is out of range
   * @throws {StoreLockedError} when another collector holds the dir
   * @throws {StoreDataError} when the dir holds GPU files but no checkpoint
   */
  static async open(options: CollectorStoreOptions): Promise<CollectorStore> {
    const resolved = resolveCollectorStoreOptions(options);
    await Deno.mkdir(resolved.dir, { recursive: true });
    const lock = await lockDir(resolved.dir);
    let checkpoint: Checkpoint | undefined;
    try {
      checkpoint = await Checkpoint.open(join(resolved.dir, CHECKPOINT_FILE_NAME));
      const window = new MemoryWindow(resolved);
      const report = await recoverDir(resolved.dir, checkpoint, {
        fsync: resolved.fsync,
        indexEvery: resolved.indexEvery,
        onEntry: (entry) => window.add(entry),
      });
      const stats = initialStoreStats(report);
      const parts = { checkpoint, lock, window, files: report.files, keys: report.keys, stats };
      return new CollectorStore(resolved, parts);
    } catch (error) {
      checkpoint?.close();
      lock.close();
      throw error;
    }
  }

  /** The data dir. */
  get dir(): string {
    return this.#options.dir;
  }

  /**
   * Stores a batch of one partition and checkpoints it. Resolves only once
   * the lines are written (and fdatasynced, with `fsync`) and the checkpoint
   * is committed; ack the batch after that. Messages below the partition's
   * checkpointed offset are skipped as redeliveries; messages that cannot
   * become records are reported in `invalid` and their offsets count as
   * consumed. Lines go to each GPU file in one write per file; a batch
   * touching more than 500 files is committed in consecutive offset ranges.
   *
   * On failure nothing of the failing range is kept (files are cut back) and
   * the promise rejects: do not ack.
   *
   * @throws {TypeError} when the batch is malformed (bad names, offsets, payloads)
   * @throws {StoreClosedError} after {@linkcode close}
   * @throws {StoreFailedError} after a write that could not be undone
   */
  write(batch: StoreBatch): Promise<WriteResult> {
    if (this.#closing !== undefined) return Promise.reject(new StoreClosedError(this.dir));
    const run = this.#tail.then(() => this.#write(batch));
    this.#tail = run.catch(() => {});
    return run;
  }

  async #write(batch: StoreBatch): Promise<WriteResult> {
    if (this.#failure !== undefined) {
      throw new StoreFailedError(this.dir, { cause: this.#failure });
    }
    const { topic, group, partition } = batch;
    const from = this.#checkpoint.nextOffset(topic, group, partition);
    const prepared = prepareBatch(batch, {
      from,
      maxNameBytes: MAX_NAME_BYTES,
      maxFilesPerChunk: MAX_FILES_PER_COMMIT,
      fileNameOf: this.#fileName,
    });
    for (const chunk of prepared.chunks) {
      await this.#commitChunk(topic, group, partition, chunk);
    }
    this.#stats.duplicates_skipped += prepared.result.skipped;
    this.#stats.invalid += prepared.result.invalid.length;
    this.#stats.batches++;
    this.#stats.last_write_ms = this.#options.clock.now();
    return prepared.result;
  }

  async #commitChunk(
    topic: string,
    group: string,
    partition: number,
    chunk: BatchChunk,
  ): Promise<void> {
    const { dir, fsync } = this.#options;
    const targets = [...chunk.files].map(([name, lines]) => {
      const file = this.#files.get(name) ??
        { name, path: join(dir, name), index: new TimeIndex(this.#options.indexEvery) };
      return { file, lines, before: file.index.size };
    });
    const sizes = new Map(targets.map((t) => [t.file.name, t.before + t.lines.bytes.length]));
    const written = await Promise.allSettled(
      targets.map((t) => this.#handles.append(t.file.path, t.lines.bytes, fsync)),
    );
    this.#handles.trim();
    try {
      const failed = written.find((r) => r.status === "rejected");
      if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
      const created = written.some((r) => r.status === "fulfilled" && r.value.created);
      if (fsync && created) await syncDir(dir);
      await this.#checkpoint.commit({ topic, group, partition, next: chunk.next }, sizes);
    } catch (error) {
      await this.#rollback(targets, error);
      throw error;
    }
    this.#stats.commits++;
    for (const { file, lines } of targets) {
      if (!this.#files.has(file.name)) {
        this.#files.set(file.name, file);
        this.#stats.files++;
      }
      for (const line of lines.entries) {
        const seq = file.index.lines;
        file.index.append(line.ts, line.bytes);
        if (!this.#keys.has(line.record.gpu_id)) this.#keys.set(line.record.gpu_id, file);
        this.#window.add({ seq, ts: line.ts, record: line.record });
      }
      this.#stats.records_stored += lines.entries.length;
      this.#stats.records_total += lines.entries.length;
      this.#stats.bytes += lines.bytes.length;
    }
  }

  // Cuts every target back to its size before the chunk; a new file is
  // removed (recovery would remove it anyway).
  async #rollback(targets: { file: GpuFile; before: number }[], cause: unknown): Promise<void> {
    for (const { file, before } of targets) {
      this.#handles.forget(file.path);
      const isNew = !this.#files.has(file.name);
      await cutBack(file.path, before, isNew, this.#options.fsync).catch((error) => {
        this.#failure = new AggregateError([cause, error], `cannot cut back ${file.path}`);
      });
    }
  }

  /** The next offset to store for a partition (0 when never seen). */
  nextOffset(topic: string, group: string, partition: number): number {
    return this.#checkpoint.nextOffset(topic, group, partition);
  }

  /** Counters: records stored, duplicates skipped, invalid, files, bytes, recovery. */
  stats(): StoreStats {
    return { ...this.#stats };
  }

  /** The memory window's limits and usage. */
  memoryStats(): MemoryStats {
    return this.#window.memoryStats();
  }

  /** Metadata of every GPU seen (kept even when its records left memory). */
  gpus(): GpuInfo[] {
    return this.#window.gpus();
  }

  /** Metadata of one GPU, or `undefined`. */
  gpu(gpuId: string): GpuInfo | undefined {
    return this.#window.gpu(gpuId);
  }

  /** The newest records in memory for a GPU, oldest first. */
  newest(gpuId: string, limit: number): TelemetryRecord[] {
    return this.#window.newest(gpuId, limit);
  }

  /** Lines in the GPU's file (0 when unknown): the next page's high-water mark. */
  highWater(gpuId: string): number {
    return this.#keys.get(gpuId)?.index.lines ?? 0;
  }

  /**
   * Entries of a GPU for a request, sorted by `(ts, seq)`: from memory when
   * the memory window covers the window, else from the file via its index.
   *
   * @throws {StoreClosedError} after {@linkcode close}
   */
  async read(gpuId: string, request: ReadRequest): Promise<WindowEntry[]> {
    if (this.#closing !== undefined) throw new StoreClosedError(this.dir);
    return await readWindowOrFile(
      this.#window,
      this.#keys.get(gpuId),
      gpuId,
      request,
      this.#stats,
    );
  }

  /**
   * Waits for writes in progress, then releases Deno KV and the dir lock.
   * Safe to call twice.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#tail;
      this.#handles.closeAll();
      this.#checkpoint.close();
      this.#lock.close();
    })();
    return this.#closing;
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
