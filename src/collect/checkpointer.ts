/**
 * The collector's lazy checkpoint. Rounds are durable once their journal
 * entry is fdatasynced, and their lines wait in their GPU files' tails. A
 * checkpoint, every `intervalMs` (or once the journal generation reaches
 * `maxJournalBytes`), takes at a round boundary the tails and sizes of the
 * files changed since the last one and the partitions' positions, starts a
 * new journal generation for the rounds after it, then in the background
 * writes and fdatasyncs those files, records sizes, positions and the new
 * generation in Deno KV, and deletes the older generations. Rounds go on
 * while it runs.
 *
 * @module
 */

import type { Checkpoint, PartitionPosition } from "../datadir/checkpoint.ts";
import type { TailFlush } from "./file_tail.ts";
import { deleteJournalsBefore, JournalFile } from "../datadir/journal.ts";
import { syncDir, type WriteHandles } from "../datadir/jsonl_files.ts";
import type { StoreFile } from "./store_recovery.ts";
import type { CommitGroup } from "./round_plan.ts";

/** Default of {@linkcode CheckpointerOptions.intervalMs}. */
export const DEFAULT_CHECKPOINT_MS = 1000;

/** Default of {@linkcode CheckpointerOptions.maxJournalBytes}. */
export const DEFAULT_MAX_JOURNAL_BYTES = 64 * 1024 * 1024;

/** How a {@linkcode Checkpointer} works. */
export interface CheckpointerOptions {
  /** The data dir. */
  dir: string;
  /** fdatasync the journal, the files and the dir. */
  fsync: boolean;
  /** Most time from a round to the checkpoint that covers it, ms. */
  intervalMs: number;
  /** Journal bytes after which a checkpoint starts at once. */
  maxJournalBytes: number;
  /** The checkpoint to record in. */
  checkpoint: Checkpoint;
  /** The journal generation rounds append to first. */
  journal: JournalFile;
  /** A file of the store, by name. */
  fileOf: (name: string) => StoreFile;
  /** Write handles of the GPU files (used by checkpoints only). */
  handles: WriteHandles;
  /** Asks the store to run {@linkcode Checkpointer.begin} between two rounds. */
  request: () => void;
  /** Called when a checkpoint fails (the next one covers its files again). */
  onError: (error: unknown) => void;
}

/** Counters of a {@linkcode Checkpointer}. */
export interface CheckpointerStats {
  /** Checkpoints recorded. */
  checkpoints: number;
  /** Checkpoints that failed. */
  checkpointFailures: number;
}

const positionId = (p: PartitionPosition) => JSON.stringify([p.topic, p.group, p.partition]);

/** Tracks the rounds since the last checkpoint and records checkpoints. */
export class Checkpointer {
  readonly #o: CheckpointerOptions;
  readonly #positions = new Map<string, PartitionPosition>();
  #journal: JournalFile;
  // The next generation, created (and its dir entry synced) ahead of time so
  // that starting a checkpoint never waits for it between two rounds.
  #next: Promise<JournalFile> | undefined;
  #dirtyFiles = new Set<string>();
  #unflushed = 0;
  #lastError: unknown;
  #dirtyPositions = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;
  /** Checkpoint counters. */
  readonly stats: CheckpointerStats = { checkpoints: 0, checkpointFailures: 0 };

  /**
   * Creates a checkpointer; it starts on its first call.
   * @param options see {@linkcode CheckpointerOptions}
   */
  constructor(options: CheckpointerOptions) {
    this.#o = options;
    this.#journal = options.journal;
    for (const p of options.checkpoint.positions()) this.#positions.set(positionId(p), p);
  }

  /** The journal generation rounds append to now. */
  get journal(): JournalFile {
    return this.#journal;
  }

  /**
   * Bytes of committed lines not yet written to their files: they are held
   * in memory (and in the journal) until a checkpoint writes them.
   */
  get unflushedBytes(): number {
    return this.#unflushed;
  }

  /** The error of the last checkpoint, when it failed. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** The next offset to store for a partition, rounds since the checkpoint included. */
  nextOffset(topic: string, group: string, partition: number): number {
    return this.#positions.get(JSON.stringify([topic, group, partition]))?.next ?? 0;
  }

  /** Notes a round whose journal entry is durable. */
  committed(group: CommitGroup): void {
    for (const p of group.positions) {
      const id = positionId(p);
      this.#positions.set(id, p);
      this.#dirtyPositions.add(id);
    }
    for (const [name, lines] of group.files) {
      this.#dirtyFiles.add(name);
      this.#unflushed += lines.size;
    }
    if (this.#journal.size >= this.#o.maxJournalBytes) this.#request();
    else this.#arm();
  }

  // Asks for a checkpoint in `intervalMs`, unless one is asked for already.
  #arm(): void {
    if (this.#closed || this.#timer !== undefined) return;
    const timer = setTimeout(() => this.#request(), this.#o.intervalMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  #request(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#closed) this.#o.request();
  }

  /**
   * Starts a checkpoint; call between two rounds. Takes the sizes and
   * positions changed since the last one, switches rounds to a new journal
   * generation, and records the checkpoint in the background (see
   * {@linkcode settled}). While one is still being recorded, the next starts
   * once it is done.
   *
   * @returns `false` when it was deferred because one is being recorded
   */
  async begin(): Promise<boolean> {
    if (this.#running !== undefined) {
      this.#again = true;
      return false;
    }
    if (this.#dirtyFiles.size === 0 && this.#dirtyPositions.size === 0) return true;
    const next = await this.#takeNext();
    const files = this.#dirtyFiles;
    const ids = this.#dirtyPositions;
    const sizes = new Map<string, number>();
    const flushes: { file: StoreFile; flush: TailFlush }[] = [];
    for (const name of files) {
      const file = this.#o.fileOf(name);
      sizes.set(name, file.index.size);
      const flush = file.tail!.take();
      if (flush !== undefined) flushes.push({ file, flush });
    }
    const positions = [...ids].map((id) => this.#positions.get(id)!);
    this.#journal.close();
    this.#journal = next;
    this.#dirtyFiles = new Set();
    this.#dirtyPositions = new Set();
    this.#running = this.#record(flushes, sizes, positions, next.gen).then(() => {
      this.#lastError = undefined;
    }, (error) => {
      this.#lastError = error;
      this.stats.checkpointFailures++;
      for (const name of files) this.#dirtyFiles.add(name);
      for (const id of ids) this.#dirtyPositions.add(id);
      this.#o.onError(error);
      this.#arm(); // retried even if no round comes
    }).finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.#request();
      }
    });
    return true;
  }

  // The pre-created next generation (created now when there is none), and
  // starts creating the one after it.
  async #takeNext(): Promise<JournalFile> {
    const { dir, fsync } = this.#o;
    const next = await (this.#next ?? JournalFile.create(dir, this.#journal.gen + 1, fsync))
      .finally(() => this.#next = undefined);
    const ahead = JournalFile.create(dir, next.gen + 1, fsync);
    ahead.catch(() => {}); // created again at the next checkpoint
    this.#next = ahead;
    return next;
  }

  async #record(
    flushes: readonly { file: StoreFile; flush: TailFlush }[],
    sizes: ReadonlyMap<string, number>,
    positions: readonly PartitionPosition[],
    gen: number,
  ): Promise<void> {
    const { dir, fsync, checkpoint, handles } = this.#o;
    const written = await Promise.allSettled(
      flushes.map(({ file, flush }) => handles.writeAt(file.path, flush.from, flush.bytes, fsync)),
    );
    handles.trim();
    let failure: unknown;
    written.forEach((result, i) => {
      const { file, flush } = flushes[i];
      if (result.status === "fulfilled") {
        file.tail!.flushed(flush);
        this.#unflushed -= flush.bytes.length;
      } else {
        file.tail!.release();
        handles.forget(file.path);
        failure ??= result.reason;
      }
    });
    if (failure !== undefined) throw failure;
    if (fsync && written.some((r) => r.status === "fulfilled" && r.value.created)) {
      await syncDir(dir);
    }
    await checkpoint.commitSnapshot(positions, sizes, gen);
    this.stats.checkpoints++;
    await deleteJournalsBefore(dir, gen);
  }

  /** Resolves once no checkpoint is being recorded. */
  async settled(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  /** Stops scheduling checkpoints and waits for the one being recorded. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.settled();
    (await this.#next?.catch(() => undefined))?.close();
    this.#next = undefined;
  }
}
