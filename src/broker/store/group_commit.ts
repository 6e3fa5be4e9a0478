/**
 * Group commit: `always` confirms a batch only after fdatasync, and one
 * fdatasync round covers every batch that arrived while the previous one
 * ran; `interval` syncs what was written on a timer; `never` leaves it to
 * the OS.
 *
 * @module
 */
import type { Logger } from "../../obs/log.ts";
import type { PartitionFiles } from "./partition_files.ts";
import type { FsyncPolicy, StorageCounters } from "./storage_options.ts";

/** Makes appended batches durable per the fsync policy, many per fdatasync. */
export class GroupCommit {
  #policy: FsyncPolicy;
  #counters: StorageCounters;
  #log: Logger;
  #pending = new Set<PartitionFiles>();
  #waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #syncing = false;

  /**
   * Creates it.
   * @param counters where syncs and sync errors are counted
   */
  constructor(policy: FsyncPolicy, counters: StorageCounters, logger: Logger) {
    this.#policy = policy;
    this.#counters = counters;
    this.#log = logger;
  }

  /** Resolves when what was appended to `files` so far is durable per the policy. */
  durable(files: PartitionFiles): Promise<void> {
    if (this.#policy !== "always") {
      if (this.#policy === "interval") this.#pending.add(files);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.#pending.add(files);
      this.#waiters.push({ resolve, reject });
      if (!this.#syncing) void this.#syncLoop();
    });
  }

  async #syncLoop(): Promise<void> {
    this.#syncing = true;
    try {
      while (this.#pending.size > 0) {
        const files = [...this.#pending];
        this.#pending.clear();
        const waiters = this.#waiters.splice(0);
        try {
          await Promise.all(files.map((f) => f.sync()));
          this.#counters.syncs++;
          for (const w of waiters) w.resolve();
        } catch (err) {
          this.#counters.syncErrors++;
          for (const w of waiters) w.reject(err as Error);
        }
      }
    } finally {
      this.#syncing = false;
    }
  }

  /** Syncs every file written since the last sync (the `interval` policy's timer). */
  async syncAll(): Promise<void> {
    if (this.#pending.size === 0) return;
    const files = [...this.#pending];
    this.#pending.clear();
    try {
      await Promise.all(files.map((f) => f.sync()));
      this.#counters.syncs++;
    } catch (err) {
      this.#counters.syncErrors++;
      this.#log.error("periodic fdatasync failed", { error: String(err) });
    }
  }
}
