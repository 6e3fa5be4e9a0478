/**
 * Prometheus exposition of the broker for `/metrics`: server, storage,
 * topic, partition and group figures, plus the process's. Labels: topic,
 * partition, group only.
 *
 * @module
 */
import { processMetrics } from "../obs/process.ts";
import { PromText } from "../obs/prometheus.ts";
import type { BrokerCore } from "./core.ts";
import type { DurableLog } from "./durable_log.ts";
import type { ConsumerGroup } from "./group.ts";
import type { PartitionLog } from "./partition_log.ts";
import type { ServerCounters } from "./server_counters.ts";
import type { BrokerStorage, StorageCounters } from "./store/storage.ts";
import type { Topic } from "./topic.ts";

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
    topicMetrics(p, t);
    t.logs.forEach((l, partition) => partitionMetrics(p, t.name, partition, l, log));
    for (const g of t.groups.values()) groupMetrics(p, t, g, log);
  }
  processMetrics(p);
  return p.toString();
}

/** A topic's memory and publish figures. */
function topicMetrics(p: PromText, t: Topic): void {
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
}

/** A partition's offsets, epoch and losses. */
function partitionMetrics(
  p: PromText,
  topic: string,
  partition: number,
  l: PartitionLog,
  log: DurableLog | undefined,
): void {
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
}

/** A group's members, counters, and per-partition offsets, lag and in-flight messages. */
function groupMetrics(p: PromText, t: Topic, g: ConsumerGroup, log: DurableLog | undefined): void {
  const topic = t.name;
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

function snake(k: string): string {
  return k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}
