/**
 * Read-only views of the broker for operators: a JSON snapshot for `/stats`
 * and `/topics`, and Prometheus exposition for `/metrics`. Pure but for the
 * process's memory figures.
 *
 * @module
 */
import { type ProcessMemory, processMemory, processMetrics } from "../obs/process.ts";
import { PromText } from "../obs/prometheus.ts";
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

const STORAGE_COUNTERS: Record<keyof StorageCounters, [string, string]> = {
  writes: ["counter", "Batches written to the log."],
  writeErrors: [
    "counter",
    "Batch writes that failed (disk full, I/O error); the publish was refused.",
  ],
  syncs: ["counter", "fdatasync rounds (one covers every batch written meanwhile)."],
  syncErrors: ["counter", "fdatasync rounds that failed; their publishes were refused."],
  reads: ["counter", "Batches read back from disk (consumers past the in-memory cache)."],
  corruptReads: ["counter", "Batches that failed their CRC when read and were skipped."],
  recoveredTruncatedBytes: ["gauge", "Bytes cut from torn or corrupt segment tails at startup."],
  recoveredCorruptRanges: ["gauge", "Corrupt stretches skipped in segment tails at startup."],
  segmentsRemoved: ["counter", "Segments deleted by retention."],
  lostMessages: [
    "counter",
    "Messages lost from the log: ranges found missing at startup, batches failing their CRC.",
  ],
};

const SERVER_COUNTERS: Record<keyof ServerCounters, ["counter" | "gauge", string]> = {
  connectionsOpen: ["gauge", "Open client connections."],
  connectionsAccepted: ["counter", "Connections accepted."],
  connectionsRefused: ["counter", "Connections refused at --max-connections."],
  protocolErrors: ["counter", "Connections closed for a protocol error."],
  requestErrors: ["counter", "Requests refused with ERROR."],
  storageErrors: ["counter", "Publishes refused because the log could not store them."],
  sessionTimeouts: ["counter", "Connections closed for missed heartbeats."],
  unauthorized: ["counter", "HELLOs refused for a missing or wrong token."],
  limitRefusals: ["counter", "Requests refused at --max-topics or --max-partitions-total."],
  acceptErrors: ["counter", "accept() failures (out of file descriptors); the server backs off."],
  internalErrors: [
    "counter",
    "Connections closed because handling a request failed inside the broker (not the client's fault).",
  ],
};

const GROUP_COUNTERS: Record<string, string> = {
  delivered: "Messages delivered to the group's members, redeliveries included.",
  redelivered: "Messages delivered again after a deadline, a nack or a member leaving.",
  acked: "Messages acked by the group.",
  nacked: "Negative acks received.",
  expired: "Messages whose ack deadline passed.",
  deadLettered: "Messages moved to the dead-letter topic after their delivery limit.",
  staleAcks: "Acks or nacks from a member that no longer owns the partition.",
  dropped: "Messages removed from the log before the group consumed them.",
  rebalances: "Partition assignment recomputations.",
};

/** Prometheus exposition of the broker. Labels: topic, partition, group only. */
export function brokerMetrics(
  core: BrokerCore,
  server: ServerCounters,
  storage?: BrokerStorage,
  log?: DurableLog,
): string {
  const p = new PromText();
  if (storage) {
    for (const [k, [type, help]] of Object.entries(STORAGE_COUNTERS)) {
      const name = `gputel_storage_${snake(k)}${type === "counter" ? "_total" : ""}`;
      p.sample(
        name,
        type as "counter" | "gauge",
        help,
        storage.counters[k as keyof StorageCounters],
      );
    }
  }
  for (const [k, [type, help]] of Object.entries(SERVER_COUNTERS)) {
    const name = `gputel_broker_${snake(k)}${type === "counter" ? "_total" : ""}`;
    p.sample(name, type, help, server[k as keyof ServerCounters]);
  }
  for (const t of core.topics.values()) {
    const topic = t.name;
    p.sample(
      "gputel_topic_memory_bytes",
      "gauge",
      "Bytes held in memory by the topic.",
      t.cachedBytes(),
      {
        topic,
      },
    );
    p.sample("gputel_topic_log_bytes", "gauge", "Bytes retained in the topic's log.", t.bytes(), {
      topic,
    });
    p.sample("gputel_topic_max_bytes", "gauge", "Memory bound of the topic.", t.maxBytes, {
      topic,
    });
    p.sample(
      "gputel_topic_published_messages_total",
      "counter",
      "Messages published.",
      t.counters.publishedMessages,
      { topic },
    );
    p.sample(
      "gputel_topic_published_bytes_total",
      "counter",
      "Batch bytes published.",
      t.counters.publishedBytes,
      { topic },
    );
    p.sample(
      "gputel_topic_publish_waits_total",
      "counter",
      "Publishes held back at the memory bound.",
      t.counters.publishWaits,
      { topic },
    );
    t.logs.forEach((l, partition) => {
      p.sample(
        "gputel_partition_next_offset",
        "gauge",
        "Offset the next message will get.",
        l.endOffset,
        { topic, partition },
      );
      p.sample("gputel_partition_first_offset", "gauge", "Oldest retained offset.", l.startOffset, {
        topic,
        partition,
      });
      const loss = log?.partitionLoss(topic, partition) ?? { lost: 0, epoch: 0 };
      p.sample("gputel_partition_epoch", "gauge", "Epoch of the partition's log.", loss.epoch, {
        topic,
        partition,
      });
      p.sample(
        "gputel_partition_lost_messages_total",
        "counter",
        "Messages lost from the partition (recovery, batches failing their CRC).",
        loss.lost,
        { topic, partition },
      );
    });
    for (const g of t.groups.values()) {
      const group = g.name;
      p.sample(
        "gputel_group_lost_messages_total",
        "counter",
        "Messages the group lost before consuming them.",
        log?.lostBy(topic, group) ?? 0,
        { topic, group },
      );
      p.sample("gputel_group_members", "gauge", "Members of the group.", g.members().length, {
        topic,
        group,
      });
      for (const [k, help] of Object.entries(GROUP_COUNTERS)) {
        const name = `gputel_group_${snake(k)}_total`;
        p.sample(name, "counter", help, g.counters[k as keyof typeof g.counters], { topic, group });
      }
      g.cursors.forEach((c, partition) => {
        const lag = t.logs[partition].messagesBetween(c.committed(), t.logs[partition].endOffset);
        p.sample(
          "gputel_group_committed_offset",
          "gauge",
          "Lowest offset not yet acked.",
          c.committed(),
          { topic, group, partition },
        );
        p.sample("gputel_group_lag", "gauge", "Messages not yet acked.", lag, {
          topic,
          group,
          partition,
        });
        p.sample(
          "gputel_group_in_flight",
          "gauge",
          "Messages delivered and awaiting ack.",
          c.inflightMessages(),
          { topic, group, partition },
        );
      });
    }
  }
  processMetrics(p);
  return p.toString();
}

function snake(k: string): string {
  return k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}
