/**
 * Joins the core's in-memory index to a {@linkcode LogStore}: appends go to
 * the store first (in offset order per partition), then into the core, and
 * become deliverable once the store says they are durable; evicted blobs are
 * read back from the store; group offsets and retention are passed to it.
 * The store is files on disk (`FileLogStore`) or, with
 * `--no-persist`, memory only (`MemoryLogStore`).
 *
 * @module
 */
import { BadRequestError } from "../protocol/errors.ts";
import type { BrokerCore } from "./core.ts";
import type { LogStore, PartitionLoss, RetentionOptions } from "./log_store.ts";
import type { StoredBatch } from "./partition_log.ts";
import type { GroupOffsets } from "./store/metadata.ts";

/** A batch arrived before an earlier one of the same producer: refused, to be resent in order. */
export class SequenceGapError extends Error {
  /**
   * Creates the error with its reason.
   * @param message what arrived and what was expected
   */
  constructor(message: string) {
    super(message);
    this.name = "SequenceGapError";
  }
}

/** Stable blobs of at least this many bytes are kept as the views they arrive as. */
const KEEP_VIEW_BYTES = 64 * 1024;
/** A buffer at most this much larger than a blob holds only the blob's frame. */
const OWN_BUFFER_SLACK = 64 * 1024;

/** The broker's log: the core's memory index over a {@linkcode LogStore}. */
export class DurableLog {
  /** In-memory topics the log appends to. */
  readonly core: BrokerCore;
  /** Where batches are kept: files or memory. */
  readonly store: LogStore;
  /** Resent batches recognised by their producer sequence and not stored again. */
  duplicatesIgnored = 0;
  #chains = new Map<string, Promise<unknown>>();
  #lost = new Map<string, number>();

  /** Restores what `store` recovered into `core`. */
  constructor(core: BrokerCore, store: LogStore) {
    this.core = core;
    this.store = store;
    store.restore(core, (topic, group, messages) => this.noteLost(topic, group, messages));
  }

  /** Counts messages a group lost before consuming them (recovery, corrupt batches). */
  noteLost(topic: string, group: string, messages: number): void {
    const k = `${topic}\0${group}`;
    this.#lost.set(k, (this.#lost.get(k) ?? 0) + messages);
  }

  /** A partition's lost messages and epoch (0 and 0 in memory). */
  partitionLoss(topic: string, partition: number): PartitionLoss {
    return this.store.partitionLoss(topic, partition);
  }

  /** Messages `group` of `topic` lost before consuming them. */
  lostBy(topic: string, group: string): number {
    return this.#lost.get(`${topic}\0${group}`) ?? 0;
  }

  /**
   * Appends a batch and resolves once it is stored as the policy promises
   * (and deliverable). A batch whose `(producerId, sequence)` the partition
   * already holds is not stored again: the original is returned. Rejects on
   * a write or sync error; nothing is confirmed then.
   *
   * @param stable the blob's bytes never change (a frame read into a buffer
   *   that is not reused): a large one is kept without a copy
   * @throws {BadRequestError} on an invalid topic or partition
   */
  async append(
    topic: string,
    partition: number,
    blob: Uint8Array,
    count: number,
    producer: { producerId: number; sequence: number } = { producerId: 0, sequence: 0 },
    stable = false,
  ): Promise<StoredBatch> {
    const t = this.core.topic(topic);
    if (!t.logs[partition]) {
      throw new BadRequestError(
        `partition ${partition} does not exist: topic ${topic} has ${t.logs.length}`,
      );
    }
    // A large stable blob is kept as is only when its buffer is its own frame
    // (read straight into a buffer of its own): one that landed inside a
    // shared read slab is copied, or keeping it would keep the whole slab,
    // and memory would exceed what the topic counts.
    const own = blob.buffer.byteLength - blob.length <= OWN_BUFFER_SLACK;
    const kept = stable && blob.length >= KEEP_VIEW_BYTES && own ? blob : blob.slice();
    const key = `${topic}\0${partition}`;
    const partitions = t.logs.length;
    let written = false; // a new batch went to a store that syncs it: mark it durable after
    const step = (this.#chains.get(key) ?? Promise.resolve()).catch(() => {}).then(async () => {
      const log = this.core.log(topic, partition);
      const seen = log.producers.check(producer.producerId, producer.sequence);
      if (seen.kind === "gap") {
        throw new SequenceGapError(
          `out-of-order batch from producer ${producer.producerId}: sequence ${producer.sequence}, expected ${seen.expected}; resend in order`,
        );
      }
      if (seen.kind === "duplicate") {
        this.duplicatesIgnored++;
        const original = seen.baseOffset === undefined ? undefined : log.batchAt(seen.baseOffset);
        return original ??
          { baseOffset: seen.baseOffset ?? 0, count, bytes: kept.length, appendedAt: 0 };
      }
      const baseOffset = log.endOffset;
      const appendedAt = this.core.options.clock.now();
      const record = { baseOffset, count, appendedAt, ...producer };
      const writing = this.store.write(topic, partitions, partition, record, kept);
      const loc = writing && await writing;
      log.producers.record(producer.producerId, producer.sequence, baseOffset);
      written = writing !== undefined;
      const b = { blob: kept, count, loc, baseOffset, appendedAt };
      return this.core.publish(topic, partition, b, !written);
    });
    this.#chains.set(key, step);
    const stored = await step;
    // A duplicate waits, too, until what holds the original is durable.
    const syncing = this.store.durable(topic, partitions, partition);
    if (syncing) await syncing;
    if (written) this.core.markDurable(topic, partition, stored.baseOffset + stored.count);
    return stored;
  }

  /**
   * Starts creating a topic's files ahead of its first publish (a publisher
   * asked for the topic's metadata), so that publish does not wait for them.
   * A failure here is retried, and reported, by the first append.
   */
  prepare(topic: string): void {
    this.store.prepare(topic, this.core.topic(topic).logs.length);
  }

  /** A batch's blob: from memory, or read back from disk (undefined when corrupt). */
  readBlob(batch: StoredBatch): Promise<Uint8Array | undefined> | Uint8Array | undefined {
    return batch.blob ?? this.store.read(batch.loc);
  }

  /** Persists every group's committed offsets (when changed). */
  async saveGroups(): Promise<void> {
    const out: GroupOffsets = {};
    for (const t of this.core.topics.values()) {
      if (t.groups.size === 0) continue;
      out[t.name] = {};
      for (const g of t.groups.values()) out[t.name][g.name] = g.cursors.map((c) => c.committed());
    }
    await this.store.saveGroups(out);
  }

  /** Puts back the groups' partition ownership that the store kept from an earlier run. */
  restoreOwnership(): Promise<void> {
    return this.store.restoreOwnership(this.core);
  }

  /** Persists the groups' partition ownership (when changed). */
  saveOwnership(): Promise<void> {
    return this.store.saveOwnership(this.core);
  }

  /**
   * Applies retention: the store deletes what every group consumed and what
   * is past the age or size limits (the file store: whole closed segments).
   */
  applyRetention(o: RetentionOptions): Promise<void> {
    return this.store.applyRetention(this.core, o);
  }
}
