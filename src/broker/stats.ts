/**
 * Read-only views of the broker for operators: a JSON snapshot for `/stats`
 * and `/topics` (Prometheus exposition for `/metrics` is in `metrics.ts`).
 * Pure but for the process's memory figures.
 *
 * @module
 */
import { type ProcessMemory, processMemory } from "../obs/process.ts";
import type { BrokerCore } from "./core.ts";
import type { DurableLog } from "./durable_log.ts";
import type { ServerCounters } from "./server_counters.ts";
import type { BrokerStorage, FsyncPolicy, StorageCounters } from "./store/storage.ts";
import type { Topic } from "./topic.ts";

/** One partition in a snapshot. */
export interface PartitionStats {
  /** Partition number. */
  partition: number;
  /** Oldest offset held. */
  first_offset: number;
  /** Offset the next message will get. */
  next_offset: number;
  /** Messages held. */
  messages: number;
  /** Bytes held. */
  bytes: number;
  /** The log's epoch: 0, plus one per restart that found offsets lost. */
  epoch: number;
  /** Messages lost from this partition (recovery, batches failing their CRC). */
  lost_messages: number;
}

/** One group in a snapshot. */
export interface GroupStats {
  /** Group name. */
  name: string;
  /** Messages not yet acked. */
  lag: number;
  /** Messages delivered and not yet acked. */
  in_flight: number;
  /** Members with their partitions, in-flight messages and credit. */
  members: { id: string; partitions: number[]; in_flight: number; credit: number }[];
  /** Read position of the group in each partition. */
  partitions: {
    partition: number;
    committed: number;
    lag: number;
    in_flight: number;
    retry: number;
  }[];
  /** Group delivery counters. */
  /** Messages the group lost before consuming them. */
  lost_messages: number;
  /** Group delivery counters. */
  counters: Record<string, number>;
}

/** One topic in a snapshot. */
export interface TopicStats {
  /** Topic name. */
  name: string;
  /** Blob bytes retained in the log (disk or memory). */
  bytes: number;
  /** Blob bytes held in memory: what --max-topic-bytes bounds. */
  memory_bytes: number;
  /** Retention limit, bytes. */
  max_bytes: number;
  /** Per-partition figures. */
  partitions: PartitionStats[];
  /** Per-group figures. */
  groups: GroupStats[];
  /** Publish counters. */
  counters: Record<string, number>;
}

/** A topic's snapshot; `log` adds epochs and losses. */
export function topicStats(t: Topic, log?: DurableLog): TopicStats {
  return {
    name: t.name,
    bytes: t.bytes(),
    memory_bytes: t.cachedBytes(),
    max_bytes: t.maxBytes,
    partitions: t.logs.map((l, partition) => ({
      partition,
      first_offset: l.startOffset,
      next_offset: l.endOffset,
      messages: l.messagesBetween(l.startOffset, l.endOffset),
      bytes: l.bytes,
      epoch: log?.partitionLoss(t.name, partition).epoch ?? 0,
      lost_messages: log?.partitionLoss(t.name, partition).lost ?? 0,
    })),
    groups: [...t.groups.values()].map((g) => {
      const partitions = g.cursors.map((c, partition) => ({
        partition,
        committed: c.committed(),
        lag: t.logs[partition].messagesBetween(c.committed(), t.logs[partition].endOffset),
        in_flight: c.inflightMessages(),
        retry: c.retry.reduce((n, r) => n + r.end - r.start, 0),
      }));
      return {
        name: g.name,
        lag: partitions.reduce((n, p) => n + p.lag, 0),
        in_flight: partitions.reduce((n, p) => n + p.in_flight, 0),
        members: g.members().map((m) => ({
          id: m.id,
          partitions: g.partitionsOf(m.id),
          in_flight: m.inflightMessages,
          credit: m.credit.messages,
        })),
        partitions,
        lost_messages: log?.lostBy(t.name, g.name) ?? 0,
        counters: { ...g.counters },
      };
    }),
    counters: { ...t.counters },
  };
}

/** The whole broker's snapshot, as `/stats` serves it. */
export interface BrokerStats {
  /** Connection and request counters. */
  connections: ServerCounters;
  /** The data dir and its counters, or `persisted: false` for an in-memory broker. */
  storage:
    | (
      & { dir: string; fsync: FsyncPolicy; id: string; open_files: number; max_open_files: number }
      & StorageCounters
    )
    | { persisted: false };
  /** Per-topic figures. */
  topics: TopicStats[];
  /** Memory of the broker process. */
  process: ProcessMemory;
}

/** The whole broker's snapshot; `log` adds epochs and losses. */
export function brokerStats(
  core: BrokerCore,
  server: ServerCounters,
  storage?: BrokerStorage,
  log?: DurableLog,
): BrokerStats {
  return {
    connections: { ...server },
    storage: storage
      ? {
        dir: storage.dir,
        fsync: storage.policy,
        id: storage.id,
        ...storage.counters,
        open_files: storage.descriptors.open,
        max_open_files: storage.maxOpenFiles,
      }
      : { persisted: false },
    topics: [...core.topics.values()].map((t) => topicStats(t, log)),
    process: processMemory(),
  };
}
