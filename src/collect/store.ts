/**
 * The collector's store: typed records appended to one JSONL file per GPU,
 * exactly once within its data dir. Each round is committed by one
 * fdatasynced journal entry; the GPU files and the Deno KV checkpoint catch
 * up in the background (see `checkpointer.ts`). Keeps a memory window of
 * recent records for the query API.
 *
 * @module
 */

import { join } from "node:path";
import { Checkpoint, CHECKPOINT_FILE_NAME } from "../datadir/checkpoint.ts";
import { type DirLock, lockDir } from "./dir_lock.ts";
import { StoreClosedError } from "./errors.ts";
import { JournalFile } from "../datadir/journal.ts";
import { resolveMemoryWindowOptions } from "../query/memory_window.ts";
import { StoredReads } from "../query/stored_reads.ts";
import { recoverDir, type StoreFile } from "./store_recovery.ts";
import {
  type CollectorStoreOptions,
  initialStoreStats,
  resolveCollectorStoreOptions,
  type ResolvedCollectorStoreOptions,
  type StoreStats,
} from "./store_options.ts";
import type { StoreBatch, WriteResult } from "./round_batch.ts";
import { StoreWriter, type StoreWriterParts } from "./store_writer.ts";

export type { StoreBatch, StoreMessage, WriteResult } from "./round_batch.ts";
export {
  type CollectorStoreOptions,
  DEFAULT_FSYNC,
  resolveCollectorStoreOptions,
  type ResolvedCollectorStoreOptions,
  type StoreStats,
} from "./store_options.ts";

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
export class CollectorStore implements AsyncDisposable {
  /**
   * The read side: the memory window and each GPU's file through its index
   * (`new TelemetryQuery([store.reads])`). Reads throw
   * {@linkcode StoreClosedError} after {@linkcode close}.
   */
  readonly reads: StoredReads<StoreFile>;
  readonly #options: ResolvedCollectorStoreOptions;
  readonly #lock: DirLock;
  readonly #parts: StoreWriterParts;
  readonly #writer: StoreWriter;
  #closing: Promise<void> | undefined;

  private constructor(
    options: ResolvedCollectorStoreOptions,
    lock: DirLock,
    parts: StoreWriterParts,
  ) {
    this.#options = options;
    this.#lock = lock;
    this.#parts = parts;
    this.reads = parts.reads;
    this.#writer = new StoreWriter(options, parts);
  }

  /**
   * Opens a data dir: creates it, locks it, opens `<dir>/checkpoint.kv`, cuts
   * every GPU file back to its checkpoint, replays the journal written since,
   * and rebuilds indexes and the memory window: from the time index snapshot
   * (`time_index.snap`) when it still matches the files, reading only each
   * file's newest lines and those stored since the snapshot; else with one
   * scan of every file (`onIndexFallback` says why).
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
    let journal: JournalFile | undefined;
    try {
      checkpoint = await Checkpoint.open(join(resolved.dir, CHECKPOINT_FILE_NAME));
      // Recovery fills the read side before the store exists; the store
      // answers for it (counters, closed) from then on.
      // deno-lint-ignore prefer-const
      let store: CollectorStore | undefined;
      const reads = new StoredReads<StoreFile>({
        window: resolveMemoryWindowOptions(resolved),
        counters: () => store!.#parts.stats,
        stats: () => store!.stats(),
        check: () => {
          if (store!.#closing !== undefined) throw new StoreClosedError(store!.dir);
        },
      });
      const report = await recoverDir(resolved.dir, checkpoint, {
        fsync: resolved.fsync,
        indexEvery: resolved.indexEvery,
        reads,
        window: resolveMemoryWindowOptions(resolved),
        onIndexFallback: resolved.onIndexFallback,
      });
      const stats = initialStoreStats(report);
      journal = await JournalFile.create(resolved.dir, report.journalGen, resolved.fsync);
      const { files } = report;
      store = new CollectorStore(resolved, lock, { checkpoint, journal, files, reads, stats });
      return store;
    } catch (error) {
      journal?.close();
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
   * Stores a batch of one partition: {@linkcode writeMany} with one batch.
   * Resolves only once the batch is durable (its journal entry written and,
   * with `fsync`, fdatasynced); ack the batch after that. Messages below the
   * partition's stored offset are skipped as redeliveries; messages that
   * cannot become records are reported in `invalid` and their offsets count
   * as consumed.
   *
   * On failure nothing of the batch is kept and the promise rejects: do not
   * ack.
   *
   * @throws {TypeError} when the batch is malformed (bad names, offsets, payloads)
   * @throws {StoreClosedError} after {@linkcode close}
   * @throws {StoreFailedError} after a write that could not be undone
   */
  async write(batch: StoreBatch): Promise<WriteResult> {
    return (await this.writeMany([batch]))[0];
  }

  /**
   * Stores batches of any partitions in one round (group commit): one
   * journal entry with all the round's lines and every partition's next
   * offset, appended and (with `fsync`) fdatasynced. Batches of one partition
   * are taken in order, each from where the one before left off. Resolves
   * once the round is durable: ack all the batches then. Its lines are
   * readable at once; a checkpoint writes them to the GPU files within
   * `checkpointMs`, and until then a restart replays them from the journal.
   *
   * On failure the promise rejects and nothing of the round is kept (the
   * journal is cut back): ack none of the batches.
   *
   * @param batches the batches, in order
   * @returns one result per batch, in the same order
   * @throws {TypeError} when a batch is malformed (nothing is written then)
   * @throws {StoreClosedError} after {@linkcode close}
   * @throws {StoreFailedError} after a write that could not be undone
   */
  writeMany(batches: readonly StoreBatch[]): Promise<WriteResult[]> {
    if (this.#closing !== undefined) return Promise.reject(new StoreClosedError(this.dir));
    return this.#writer.writeMany(batches);
  }

  /**
   * Records a checkpoint covering every round stored so far and waits for
   * it: the GPU files then hold every line durably on their own, and readers
   * of the data dir (`gputel api`) see them all.
   *
   * @throws {StoreClosedError} after {@linkcode close}
   * @throws {Error} when the checkpoint failed (the journal still holds every round)
   */
  async checkpoint(): Promise<void> {
    if (this.#closing !== undefined) throw new StoreClosedError(this.dir);
    await this.#writer.checkpoint();
  }

  /** The next offset to store for a partition (0 when never seen). */
  nextOffset(topic: string, group: string, partition: number): number {
    return this.#writer.nextOffset(topic, group, partition);
  }

  /** Counters: records stored, duplicates skipped, invalid, files, bytes, recovery. */
  stats(): StoreStats {
    return { ...this.#parts.stats, ...this.#writer.stats() };
  }

  /**
   * Waits for writes in progress, records a last checkpoint (when it fails
   * the journal still holds every round), then releases Deno KV and the dir
   * lock. Safe to call twice.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#writer.close();
      this.#parts.checkpoint.close();
      this.#lock.close();
    })();
    return this.#closing;
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
