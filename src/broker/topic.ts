/**
 * A topic: its partition logs, its consumer groups and its memory bound. Pure.
 *
 * @module
 */
import { BadRequestError } from "../protocol/errors.ts";
import { ConsumerGroup } from "./group.ts";
import type { GroupSettings } from "./group_types.ts";
import { PartitionLog } from "./partition_log.ts";

/** Counters of one topic. */
export interface TopicCounters {
  /** Messages published. */
  publishedMessages: number;
  /** Batches published. */
  publishedBatches: number;
  /** Bytes published. */
  publishedBytes: number;
  /** Publishes that had to wait because the topic was at its memory bound. */
  publishWaits: number;
  /** Messages trimmed from memory after every group had acked them. */
  trimmedMessages: number;
}

/** Names of topics and groups: 1–200 of `A-Z a-z 0-9 . _ -`. */
export const NAME_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Checks a topic or group name.
 *
 * @throws {BadRequestError} naming the field and the allowed form
 */
export function checkName(kind: "topic" | "group", name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new BadRequestError(
      `${kind} name ${
        JSON.stringify(name.slice(0, 140))
      } is invalid: use 1-200 characters of A-Z a-z 0-9 . _ -`,
    );
  }
}

/** A topic with its partitions and groups. */
export class Topic {
  /** Topic name. */
  readonly name: string;
  /** One log per partition. */
  readonly logs: PartitionLog[];
  /** Consumer groups by name. */
  readonly groups = new Map<string, ConsumerGroup>();
  /** Retention limit, bytes. */
  readonly maxBytes: number;
  /** Bytes of batches kept in memory. */
  readonly cacheBytes: number;
  /** Publish counters. */
  readonly counters: TopicCounters = {
    publishedMessages: 0,
    publishedBatches: 0,
    publishedBytes: 0,
    publishWaits: 0,
    trimmedMessages: 0,
  };

  /**
   * Creates a topic with `partitions` empty logs.
   * @param name topic name (checked by the caller)
   * @param partitions partition count
   * @param maxBytes memory bound: publishers wait while the logs hold this much
   * @param cacheBytes durable, persisted blobs kept in memory past this are
   *   dropped (read back from disk when needed)
   */
  constructor(name: string, partitions: number, maxBytes: number, cacheBytes = maxBytes) {
    this.name = name;
    this.maxBytes = maxBytes;
    this.cacheBytes = cacheBytes;
    this.logs = Array.from({ length: partitions }, () => new PartitionLog());
  }

  /** Blob bytes retained by all partitions (on disk or in memory). */
  bytes(): number {
    let n = 0;
    for (const l of this.logs) n += l.bytes;
    return n;
  }

  /** Blob bytes held in memory by all partitions. */
  cachedBytes(): number {
    let n = 0;
    for (const l of this.logs) n += l.cachedBytes;
    return n;
  }

  /**
   * The group, created on first use starting at the oldest retained message,
   * or at `committed` (per partition) when restoring a persisted group.
   */
  group(name: string, settings: GroupSettings, committed?: readonly number[]): ConsumerGroup {
    let g = this.groups.get(name);
    if (!g) {
      const starts = this.logs.map((l, p) =>
        Math.max(l.startOffset, Math.min(committed?.[p] ?? 0, l.endOffset))
      );
      g = new ConsumerGroup(name, starts, settings);
      this.groups.set(name, g);
    }
    return g;
  }

  /**
   * Drops from memory the blobs of `partition` that every group has consumed
   * and that are on disk: memory holds what consumers still need, the disk
   * (and the OS page cache) the rest.
   */
  evictConsumed(partition: number): void {
    let low = Infinity;
    for (const g of this.groups.values()) low = Math.min(low, g.committed(partition));
    if (low !== Infinity) this.logs[partition].evictBefore(low);
  }

  /**
   * Whether a publish may proceed now, judged by the bytes held in memory.
   * Past the cache bound (or the memory bound, if lower), cached blobs of
   * batches already durable on disk are dropped, down to half of it so this
   * is not done per publish. At the memory bound a memory-only topic then
   * trims batches every group has acked. With no group at all nothing is
   * trimmed, so publishers wait until a consumer arrives.
   */
  hasRoom(): boolean {
    const cached = this.cachedBytes();
    const cache = Math.min(this.cacheBytes, this.maxBytes);
    if (cached >= cache) {
      const target = Math.floor(cache / 2 / this.logs.length);
      for (const l of this.logs) l.evict(target);
    }
    if (this.cachedBytes() < this.maxBytes) return true;
    if (this.groups.size === 0) return false;
    this.logs.forEach((log, p) => {
      let low = log.endOffset;
      for (const g of this.groups.values()) low = Math.min(low, g.committed(p));
      if (log.oldest()?.loc !== undefined) return; // persisted: retention decides
      this.counters.trimmedMessages += log.trimBefore(low).messages;
    });
    return this.cachedBytes() < this.maxBytes;
  }
}
