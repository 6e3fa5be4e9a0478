/**
 * The write side of the collector's store: rounds run one at a time, each
 * planned, committed by one journal entry, then indexed and added to the
 * memory window; checkpoints start between rounds. Used by
 * {@linkcode CollectorStore}.
 *
 * @module
 */

import { type Checkpoint, MAX_NAME_BYTES } from "../datadir/checkpoint.ts";
import { Checkpointer } from "./checkpointer.ts";
import { StoreBackloggedError, StoreFailedError } from "./errors.ts";
import { cachedGpuFileName } from "../datadir/file_name.ts";
import type { JournalFile } from "../datadir/journal.ts";
import { WriteHandles } from "../datadir/jsonl_files.ts";
import type { StoredReads } from "../query/stored_reads.ts";
import { IndexSnapshotter } from "./index_snapshotter.ts";
import { commitRound } from "./round_commit.ts";
import type { StoreBatch, WriteResult } from "./round_batch.ts";
import type { ResolvedCollectorStoreOptions, StoreStats } from "./store_options.ts";
import type { StoreFile } from "./store_recovery.ts";
import { type CommitGroup, planRound } from "./round_plan.ts";

/** What a {@linkcode StoreWriter} writes to, from the store's open. */
export interface StoreWriterParts {
  /** The loaded (and recovered) checkpoint. */
  checkpoint: Checkpoint;
  /** The journal generation to append to first. */
  journal: JournalFile;
  /** Files by name. */
  files: Map<string, StoreFile>;
  /** The read side: what a round commits becomes readable through it. */
  reads: StoredReads<StoreFile>;
  /** The store's counters, updated in place. */
  stats: StoreStats;
}

/** Runs a store's rounds and checkpoints, one step at a time. */
export class StoreWriter {
  readonly #o: ResolvedCollectorStoreOptions;
  readonly #p: StoreWriterParts;
  readonly #checkpointer: Checkpointer;
  readonly #snapshots: IndexSnapshotter;
  readonly #handles = new WriteHandles();
  readonly #fileName = cachedGpuFileName();
  #tail: Promise<unknown> = Promise.resolve();
  #failure: unknown;

  /**
   * Creates the writer over the store's parts.
   * @param options the store's options
   * @param parts what open recovered
   */
  constructor(options: ResolvedCollectorStoreOptions, parts: StoreWriterParts) {
    this.#o = options;
    this.#p = parts;
    this.#checkpointer = new Checkpointer({
      dir: options.dir,
      fsync: options.fsync,
      intervalMs: options.checkpointMs,
      maxJournalBytes: options.maxJournalBytes,
      checkpoint: parts.checkpoint,
      journal: parts.journal,
      fileOf: (name) => parts.files.get(name)!,
      handles: this.#handles,
      request: () => void this.#enqueue(() => this.#checkpointer.begin()).catch(() => {}),
      onError: options.onCheckpointError,
    });
    this.#snapshots = new IndexSnapshotter({
      dir: options.dir,
      fsync: options.fsync,
      intervalMs: options.indexSnapshotMs,
      every: options.indexEvery,
      files: parts.files,
      reads: parts.reads,
      onError: options.onIndexSnapshotError,
    });
    // Lines open scanned are indexed again at the next start unless a snapshot holds them.
    if (parts.stats.recovered_scanned_bytes > 0) this.#snapshots.changed();
  }

  /** Counters of the checkpoints and the journal. */
  stats(): Pick<
    StoreStats,
    "checkpoints" | "checkpoint_failures" | "journal_bytes" | "unflushed_bytes" | "index_snapshots"
  > {
    const { checkpoints, checkpointFailures } = this.#checkpointer.stats;
    return {
      index_snapshots: this.#snapshots.written,
      checkpoints,
      checkpoint_failures: checkpointFailures,
      journal_bytes: this.#checkpointer.journal.size,
      unflushed_bytes: this.#checkpointer.unflushedBytes,
    };
  }

  /** The next offset to store for a partition, rounds not yet checkpointed included. */
  nextOffset(topic: string, group: string, partition: number): number {
    return this.#checkpointer.nextOffset(topic, group, partition);
  }

  /** Stores a round after the steps queued before it (see `CollectorStore.writeMany`). */
  writeMany(batches: readonly StoreBatch[]): Promise<WriteResult[]> {
    return this.#enqueue(() => this.#writeMany(batches));
  }

  /**
   * Starts a checkpoint after the rounds queued so far and waits until it
   * is recorded.
   *
   * @throws {Error} when it failed (the journal still holds every round)
   */
  async checkpoint(): Promise<void> {
    const before = this.#checkpointer.stats.checkpointFailures;
    while (!(await this.#enqueue(() => this.#checkpointer.begin()))) {
      await this.#checkpointer.settled();
    }
    await this.#checkpointer.settled();
    if (this.#checkpointer.stats.checkpointFailures > before) {
      throw new Error(`checkpoint of ${this.#o.dir} failed; see onCheckpointError`);
    }
  }

  /** Waits for the steps queued, records a last checkpoint, closes the files. */
  async close(): Promise<void> {
    await this.#tail;
    if (this.#failure === undefined) await this.checkpoint().catch(() => {});
    await this.#checkpointer.close();
    await this.#snapshots.close(this.#failure === undefined);
    this.#checkpointer.journal.close();
    this.#handles.closeAll();
  }

  // Runs `step` after every step queued before it: rounds and checkpoint starts.
  #enqueue<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(step);
    this.#tail = run.catch(() => {});
    return run;
  }

  async #writeMany(batches: readonly StoreBatch[]): Promise<WriteResult[]> {
    if (this.#failure !== undefined) {
      throw new StoreFailedError(this.#o.dir, { cause: this.#failure });
    }
    await this.#makeRoom();
    const plan = planRound(batches, {
      nextOffset: (t, g, p) => this.#checkpointer.nextOffset(t, g, p),
      fileNameOf: this.#fileName,
      maxNameBytes: MAX_NAME_BYTES,
    });
    const { dir, indexEvery } = this.#o;
    if (plan.group !== undefined) {
      const journal = this.#checkpointer.journal;
      const io = { dir, indexEvery, journal, files: this.#p.files };
      const fileOf = await commitRound(io, plan.group, (error) => void (this.#failure = error));
      this.#index(plan.group, fileOf);
      this.#checkpointer.committed(plan.group);
      this.#snapshots.changed();
    }
    const stats = this.#p.stats;
    for (const result of plan.results) {
      stats.duplicates_skipped += result.skipped;
      stats.invalid += result.invalid.length;
    }
    stats.batches += batches.length;
    stats.last_write_ms = this.#o.clock.now();
    return plan.results;
  }

  // Over maxUnflushedBytes, a round first waits for a checkpoint to write the
  // files (rounds slow to the disk's pace); when that fails, it is refused
  // rather than holding ever more lines in memory.
  async #makeRoom(): Promise<void> {
    const cp = this.#checkpointer;
    const limit = this.#o.maxUnflushedBytes;
    if (cp.unflushedBytes < limit) return;
    await cp.settled();
    if (cp.unflushedBytes < limit) return;
    if (await cp.begin()) await cp.settled();
    if (cp.unflushedBytes < limit) return;
    throw new StoreBackloggedError(this.#o.dir, cp.unflushedBytes, limit, {
      cause: cp.lastError,
    });
  }

  // Indexes a committed group's lines and adds them to the memory window.
  #index(group: CommitGroup, fileOf: (name: string) => StoreFile): void {
    const { files, reads, stats } = this.#p;
    stats.commits++;
    for (const [name, lines] of group.files) {
      const file = fileOf(name);
      if (!files.has(name)) {
        files.set(name, file);
        stats.files++;
      }
      for (const line of lines.entries) {
        const seq = file.index.lines;
        file.index.append(line.ts, line.bytes);
        reads.add(file, { seq, ...line });
      }
      stats.records_stored += lines.entries.length;
      stats.records_total += lines.entries.length;
      stats.bytes += lines.size;
    }
  }
}
