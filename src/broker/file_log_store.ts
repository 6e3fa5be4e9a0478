/**
 * The file store behind the broker's log: {@linkcode BrokerStorage}'s
 * segments on disk, fsynced per its policy, recovered at open, trimmed by
 * retention.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import type { BrokerCore } from "./core.ts";
import {
  type LogStore,
  MemoryLogStore,
  type PartitionLoss,
  type RetentionOptions,
} from "./log_store.ts";
import { OWNERSHIP_FILE_NAME, OwnershipWriter, restoreOwnership } from "./ownership_file.ts";
import { countFrom } from "./store/high_water.ts";
import type { GroupOffsets } from "./store/metadata.ts";
import type { BatchLocation, RecordInput } from "./store/partition_files.ts";
import type { BrokerStorage } from "./store/storage.ts";

/**
 * The store of a broker's log: a {@linkcode FileLogStore} on `storage`, or a
 * {@linkcode MemoryLogStore} when the broker keeps no files (`--no-persist`).
 *
 * @param logger where the file store reports what it restored, lost and deleted
 */
export function logStoreOn(storage: BrokerStorage | undefined, logger: Logger): LogStore {
  return storage === undefined ? new MemoryLogStore() : new FileLogStore(storage, logger);
}

/** A {@linkcode LogStore} on {@linkcode BrokerStorage}. */
export class FileLogStore implements LogStore {
  /** The storage (for its counters in /stats). */
  readonly storage: BrokerStorage;
  #log: Logger;
  #ownership: OwnershipWriter;

  /**
   * Wraps an open storage (the caller closes it).
   * @param logger where restore and retention report what they did
   */
  constructor(storage: BrokerStorage, logger: Logger) {
    this.storage = storage;
    this.#log = logger;
    this.#ownership = new OwnershipWriter(storage.dir);
  }

  /** The identity kept in the data dir. */
  get id(): string {
    return this.storage.id;
  }

  /** The descriptor pool's capacity. */
  get maxOpenFiles(): number {
    return this.storage.maxOpenFiles;
  }

  /** Puts the recovered topics, batches, holes and group offsets into `core`. */
  restore(
    core: BrokerCore,
    onLost: (topic: string, group: string, messages: number) => void,
  ): void {
    const storage = this.storage;
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
        onLost(topic, group, lost);
        this.#log.error("a group lost messages it had not consumed", {
          topic,
          group,
          messages: lost,
        });
      }
    }
    if (batches > 0) {
      this.#log.info("restored the log", { topics: storage.recovered.length, batches });
    }
  }

  /** Creates the topic's directories in the background. */
  prepare(topic: string, partitions: number): void {
    this.storage.topic(topic, partitions).catch(() => {});
  }

  /** Appends the record to the partition's current segment. */
  async write(
    topic: string,
    partitions: number,
    partition: number,
    record: RecordInput,
    blob: Uint8Array,
  ): Promise<BatchLocation> {
    const files = (await this.storage.topic(topic, partitions))[partition];
    return await this.storage.append(files, record, blob);
  }

  /** Resolves once the partition's writes are synced per the fsync policy. */
  async durable(topic: string, partitions: number, partition: number): Promise<void> {
    const files = this.storage.filesOf(topic) ?? await this.storage.topic(topic, partitions);
    await this.storage.durable(files[partition]);
  }

  /** Reads the batch back, checking its CRC. */
  read(loc: unknown): Promise<Uint8Array | undefined> | undefined {
    return loc === undefined ? undefined : this.storage.read(loc as BatchLocation);
  }

  /** Writes groups.json when it changed. */
  saveGroups(groups: GroupOffsets): Promise<void> {
    return this.storage.saveGroups(groups);
  }

  /** Reads ownership.json beside groups.json; an unreadable one is logged and ignored. */
  async restoreOwnership(core: BrokerCore): Promise<void> {
    if (await restoreOwnership(this.storage.dir, core) === "unreadable") {
      this.#log.warn(
        `${OWNERSHIP_FILE_NAME} unreadable: partitions are assigned afresh (no data is affected)`,
      );
    }
  }

  /** Writes ownership.json when it changed. */
  saveOwnership(core: BrokerCore): Promise<void> {
    return this.#ownership.save(core);
  }

  /**
   * Deletes closed segments that every group has consumed, and those past
   * the age or size limits. Data deleted before a group consumed it is
   * logged (the group's loss shows in its lag).
   */
  async applyRetention(core: BrokerCore, o: RetentionOptions): Promise<void> {
    const now = core.options.clock.now();
    for (const t of core.topics.values()) {
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

  /** The partition's lost messages and epoch count. */
  partitionLoss(topic: string, partition: number): PartitionLoss {
    const f = this.storage.filesOf(topic)?.[partition];
    return { lost: f?.lostMessages ?? 0, epoch: f?.highWater?.epochs.length ?? 0 };
  }
}
