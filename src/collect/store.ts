/**
 * The collector's store: typed records appended to one JSONL file per GPU,
 * exactly once within its data dir, with progress checkpointed in Deno KV,
 * and a memory window of recent records for the query API.
 *
 * @module
 */

import { join } from "node:path";
import { Checkpoint, CHECKPOINT_FILE_NAME, COMMIT_LIMITS, MAX_NAME_BYTES } from "./checkpoint.ts";
import { type DirLock, lockDir } from "./dir_lock.ts";
import { StoreClosedError, StoreFailedError } from "./errors.ts";
import { readWindowOrFile } from "./file_reader.ts";
import { cachedGpuFileName } from "./file_name.ts";
import { AppendHandles } from "./jsonl_files.ts";
import { type GpuInfo, type MemoryStats, MemoryWindow, type WindowEntry } from "./memory_window.ts";
import type { ReadRequest, TelemetrySource } from "./query.ts";
import type { TelemetryRecord } from "./record.ts";
import { type GpuFile, recoverDir } from "./store_recovery.ts";
import {
  type CollectorStoreOptions,
  initialStoreStats,
  resolveCollectorStoreOptions,
  type ResolvedCollectorStoreOptions,
  type StoreStats,
} from "./store_options.ts";
import type { StoreBatch, WriteResult } from "./store_batch.ts";
import { type CommitGroup, planRound } from "./store_round.ts";
import { writeRound } from "./round_writer.ts";

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
 * concurrently; {@linkcode writeMany} stores many batches in one round.
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
   * Stores a batch of one partition and checkpoints it: {@linkcode writeMany}
   * with one batch. Resolves only once the lines are written (and
   * fdatasynced, with `fsync`) and the checkpoint is committed; ack the batch
   * after that. Messages below the partition's checkpointed offset are
   * skipped as redeliveries; messages that cannot become records are reported
   * in `invalid` and their offsets count as consumed.
   *
   * On failure nothing of the failing range is kept (files are cut back) and
   * the promise rejects: do not ack.
   *
   * @throws {TypeError} when the batch is malformed (bad names, offsets, payloads)
   * @throws {StoreClosedError} after {@linkcode close}
   * @throws {StoreFailedError} after a write that could not be undone
   */
  async write(batch: StoreBatch): Promise<WriteResult> {
    return (await this.writeMany([batch]))[0];
  }

  /**
   * Stores batches of any partitions in one round (group commit): one append
   * per touched file with all the round's lines for it, one parallel
   * fdatasync round, then one atomic checkpoint commit carrying every
   * partition's next offset and every touched file's size. A round beyond
   * Deno KV's limits (more than 500 files, 1000 keys or 80 KB of keys) is
   * committed in several consecutive commits, each a consistent prefix.
   * Batches of one partition are taken in order, each from where the one
   * before left off. Resolves once everything is durable and checkpointed:
   * ack all the batches then.
   *
   * On failure the promise rejects and nothing past the last successful
   * commit is kept (files are cut back): ack none of the batches. With
   * several commits, the earlier ones stay; their offsets are skipped when
   * redelivered.
   *
   * @param batches the batches, in order
   * @returns one result per batch, in the same order
   * @throws {TypeError} when a batch is malformed (nothing is written then)
   * @throws {StoreClosedError} after {@linkcode close}
   * @throws {StoreFailedError} after a write that could not be undone
   */
  writeMany(batches: readonly StoreBatch[]): Promise<WriteResult[]> {
    if (this.#closing !== undefined) return Promise.reject(new StoreClosedError(this.dir));
    const run = this.#tail.then(() => this.#writeMany(batches));
    this.#tail = run.catch(() => {});
    return run;
  }

  async #writeMany(batches: readonly StoreBatch[]): Promise<WriteResult[]> {
    if (this.#failure !== undefined) {
      throw new StoreFailedError(this.dir, { cause: this.#failure });
    }
    const plan = planRound(batches, {
      ...COMMIT_LIMITS,
      nextOffset: (t, g, p) => this.#checkpoint.nextOffset(t, g, p),
      fileNameOf: this.#fileName,
      maxNameBytes: MAX_NAME_BYTES,
    });
    const { dir, fsync, indexEvery } = this.#options;
    const io = { dir, fsync, indexEvery, handles: this.#handles, checkpoint: this.#checkpoint };
    await writeRound(
      { ...io, files: this.#files },
      plan.groups,
      (group, fileOf) => this.#index(group, fileOf),
      (error) => void (this.#failure = error),
    );
    for (const result of plan.results) {
      this.#stats.duplicates_skipped += result.skipped;
      this.#stats.invalid += result.invalid.length;
    }
    this.#stats.batches += batches.length;
    this.#stats.last_write_ms = this.#options.clock.now();
    return plan.results;
  }

  // Indexes a committed group's lines and adds them to the memory window.
  #index(group: CommitGroup, fileOf: (name: string) => GpuFile): void {
    this.#stats.commits++;
    for (const [name, lines] of group.files) {
      const file = fileOf(name);
      if (!this.#files.has(name)) {
        this.#files.set(name, file);
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
      this.#stats.bytes += lines.size;
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
