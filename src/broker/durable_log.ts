/**
 * Joins the core's in-memory index to the on-disk log: appends go to disk
 * first (in offset order per partition), then into the core, and become
 * deliverable once durable per the fsync policy; evicted blobs are read back
 * with their CRC checked; group offsets and retention are applied here.
 * Without storage (`--no-persist`) it appends to memory only.
 *
 * @module
 */
import { BadRequestError } from "../protocol/errors.ts";
import type { Logger } from "../obs/log.ts";
import type { BrokerCore } from "./core.ts";
import type { StoredBatch } from "./partition_log.ts";
import type { BatchLocation, PartitionFiles } from "./store/partition_files.ts";
import { countFrom } from "./store/high_water.ts";
import type { BrokerStorage, GroupOffsets } from "./store/storage.ts";

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

/** Retention limits; 0 disables a limit. */
export interface RetentionOptions {
  /** Delete closed segments whose newest batch is older than this, ms. */
  retentionMs: number;
  /** Keep at most this many bytes per partition (whole closed segments are deleted). */
  retentionBytes: number;
}

/** The broker's log: memory index plus optional disk. */
export class DurableLog {
  /** In-memory topics the log appends to. */
  readonly core: BrokerCore;
  /** Disk storage; undefined for an in-memory broker. */
  readonly storage: BrokerStorage | undefined;
  /** Resent batches recognised by their producer sequence and not stored again. */
  duplicatesIgnored = 0;
  #log: Logger;
  #chains = new Map<string, Promise<unknown>>();
  #lost = new Map<string, number>();

  /** Restores what `storage` recovered into `core`. */
  constructor(core: BrokerCore, storage: BrokerStorage | undefined, logger: Logger) {
    this.core = core;
    this.storage = storage;
    this.#log = logger;
    if (!storage) return;
    let batches = 0;
    for (const t of storage.recovered) {
      core.topic(t.name, t.partitions.length);
      t.partitions.forEach((files, p) => {
        for (const loc of files.locations()) {
          const e = loc.entry;
          core.log(t.name, p).producers.record(e.producerId, e.sequence, e.baseOffset);
          core.restoreBatch(t.name, p, {
            bytes: e.blobLength,
            count: e.count,
            loc,
            baseOffset: e.baseOffset,
            appendedAt: e.appendedAt,
          });
          batches++;
        }
        const log = core.log(t.name, p);
        const plan = t.plans[p];
        for (const r of plan.lost) log.addHole(r.from, r.to);
        log.skipTo(plan.start);
      });
    }
    for (const [topic, groups] of Object.entries(storage.groups)) {
      if (!core.topics.has(topic)) continue;
      const plans = storage.recovered.find((t) => t.name === topic)?.plans ?? [];
      for (const [group, committed] of Object.entries(groups)) {
        core.restoreGroup(topic, group, committed);
        const lost = plans.reduce((n, plan, p) => n + countFrom(plan.lost, committed[p] ?? 0), 0);
        if (lost === 0) continue;
        this.noteLost(topic, group, lost);
        logger.error("a group lost messages it had not consumed", { topic, group, messages: lost });
      }
    }
    if (batches > 0) logger.info("restored the log", { topics: storage.recovered.length, batches });
  }

  /** Counts messages a group lost before consuming them (recovery, corrupt batches). */
  noteLost(topic: string, group: string, messages: number): void {
    const k = `${topic}\0${group}`;
    this.#lost.set(k, (this.#lost.get(k) ?? 0) + messages);
  }

  /** A partition's lost messages and epoch (0 and 0 without storage). */
  partitionLoss(topic: string, partition: number): { lost: number; epoch: number } {
    const f = this.storage?.filesOf(topic)?.[partition];
    return { lost: f?.lostMessages ?? 0, epoch: f?.highWater?.epochs.length ?? 0 };
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
    let files: PartitionFiles | undefined;
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
      let loc: BatchLocation | undefined;
      if (this.storage) {
        files = (await this.storage.topic(topic, t.logs.length))[partition];
        loc = await this.storage.append(
          files,
          { baseOffset, count, appendedAt, ...producer },
          kept,
        );
      }
      log.producers.record(producer.producerId, producer.sequence, baseOffset);
      return this.core.publish(
        topic,
        partition,
        { blob: kept, count, loc, baseOffset, appendedAt },
        !this.storage,
      );
    });
    this.#chains.set(key, step);
    const stored = await step;
    if (this.storage && files) {
      await this.storage.durable(files);
      this.core.markDurable(topic, partition, stored.baseOffset + stored.count);
    } else if (this.storage) {
      // A duplicate: wait until what holds the original is durable too.
      const all = await this.storage.topic(topic, t.logs.length);
      await this.storage.durable(all[partition]);
    }
    return stored;
  }

  /**
   * Starts creating a topic's files ahead of its first publish (a publisher
   * asked for the topic's metadata), so that publish does not wait for them.
   * A failure here is retried, and reported, by the first append.
   */
  prepare(topic: string): void {
    if (!this.storage) return;
    this.storage.topic(topic, this.core.topic(topic).logs.length).catch(() => {});
  }

  /** A batch's blob: from memory, or read back from disk (undefined when corrupt). */
  readBlob(batch: StoredBatch): Promise<Uint8Array | undefined> | Uint8Array | undefined {
    if (batch.blob) return batch.blob;
    if (!this.storage || batch.loc === undefined) return undefined;
    return this.storage.read(batch.loc as BatchLocation);
  }

  /** Persists every group's committed offsets (when changed). */
  async saveGroups(): Promise<void> {
    if (!this.storage) return;
    const out: GroupOffsets = {};
    for (const t of this.core.topics.values()) {
      if (t.groups.size === 0) continue;
      out[t.name] = {};
      for (const g of t.groups.values()) out[t.name][g.name] = g.cursors.map((c) => c.committed());
    }
    await this.storage.saveGroups(out);
  }

  /**
   * Deletes closed segments that every group has consumed, and those past
   * the age or size limits. Data deleted before a group consumed it is
   * counted (the group's `dropped`) and logged.
   */
  async applyRetention(o: RetentionOptions): Promise<void> {
    if (!this.storage) return;
    const now = this.core.options.clock.now();
    for (const t of this.core.topics.values()) {
      const files = await this.storage.topic(t.name, t.logs.length);
      for (let p = 0; p < t.logs.length; p++) {
        const groups = [...t.groups.values()];
        const low = groups.length > 0 ? Math.min(...groups.map((g) => g.committed(p))) : -1;
        const removed = await files[p].removeOldest((seg, bytesLeft) =>
          seg.endOffset <= low ||
          (o.retentionMs > 0 && seg.newestAppend < now - o.retentionMs) ||
          (o.retentionBytes > 0 && bytesLeft > o.retentionBytes)
        );
        if (removed.segments === 0) continue;
        this.storage.counters.segmentsRemoved += removed.segments;
        t.logs[p].trimBefore(removed.start);
        const unconsumed = groups.filter((g) => g.committed(p) < removed.start)
          .map((g) => `${g.name}:${removed.start - g.committed(p)}`);
        const fields = {
          topic: t.name,
          partition: p,
          segments: removed.segments,
          bytes: removed.bytes,
        };
        if (unconsumed.length > 0) {
          this.#log.warn("retention deleted messages some groups had not consumed", {
            ...fields,
            dropped: unconsumed.join(","),
          });
        } else this.#log.debug("retention deleted consumed segments", fields);
      }
    }
  }
}
