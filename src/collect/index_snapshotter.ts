/**
 * Writes the store's time index snapshot (see `index_snapshot.ts`) in the
 * background: `intervalMs` after rounds were committed since the last one,
 * one at a time, and a last one at close. A failed write loses nothing (a
 * restart scans more); the next one retries.
 *
 * @module
 */

import type { StoredReads } from "../query/stored_reads.ts";
import { takeIndexSnapshot, type TakenFile, writeIndexSnapshot } from "./index_snapshot.ts";
import type { StoreFile } from "./store_file.ts";

/** How an {@linkcode IndexSnapshotter} works. */
export interface IndexSnapshotterOptions {
  /** The collector dir. */
  dir: string;
  /** fdatasync the snapshot and the dir. */
  fsync: boolean;
  /** Most time from a change to the snapshot that holds it, ms. */
  intervalMs: number;
  /** Lines per index block. */
  every: number;
  /** The store's files. */
  files: ReadonlyMap<string, StoreFile>;
  /** The store's read side. */
  reads: StoredReads<StoreFile>;
  /** Called when a write fails. */
  onError: (error: unknown) => void;
}

/** Schedules and writes time index snapshots. */
export class IndexSnapshotter {
  readonly #o: IndexSnapshotterOptions;
  readonly #known = new Map<string, TakenFile>();
  #changes = 0;
  #saved = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #closed = false;
  /** Snapshots written. */
  written = 0;

  /**
   * Creates a snapshotter; it writes nothing until {@linkcode changed}.
   * @param options see {@linkcode IndexSnapshotterOptions}
   */
  constructor(options: IndexSnapshotterOptions) {
    this.#o = options;
  }

  /** Notes that the indexes changed (a round was committed, or open scanned lines). */
  changed(): void {
    this.#changes++;
    this.#arm();
  }

  #arm(): void {
    if (this.#closed || this.#timer !== undefined || this.#running !== undefined) return;
    const timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#write();
    }, this.#o.intervalMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  #write(): Promise<void> {
    this.#running ??= (async () => {
      const changes = this.#changes;
      const { dir, fsync, every, files, reads } = this.#o;
      try {
        await writeIndexSnapshot(
          dir,
          await takeIndexSnapshot(files, reads, every, this.#known),
          fsync,
        );
        this.#saved = changes;
        this.written++;
      } catch (error) {
        this.#o.onError(error);
      }
    })().finally(() => {
      this.#running = undefined;
      if (this.#changes > this.#saved) this.#arm();
    });
    return this.#running;
  }

  /**
   * Stops scheduling, waits for the snapshot being written, and writes a
   * last one when anything changed since. Safe to call twice.
   *
   * @param last whether to write the last one (not after a failed store)
   */
  async close(last = true): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#closed = true;
    while (this.#running !== undefined) await this.#running;
    if (last && this.#changes > this.#saved) await this.#write();
  }
}
