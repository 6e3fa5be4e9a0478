/**
 * What gputel keeps on JetStream for a topic: one stream `GPUTEL_<topic>`
 * holding subjects `<topic>.<partition>`, a dead-letter stream
 * `GPUTEL_<topic>_dlq` holding `<topic>.dlq`, and one durable consumer per
 * consumer group. The wanted configurations are built here, and compared
 * with what a server already has: a difference is reported, never changed.
 * Pure: no I/O.
 *
 * @module
 */
import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { DEFAULT_REPLICAS } from "./replicas.ts";

/** Default {@linkcode JetStreamTopic.duplicateWindowMs}: JetStream's own default. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
/**
 * Offsets of a JetStream delivery: stream sequence × this + index in the
 * batch, so each message has its own increasing position. A batch may hold
 * at most this many messages.
 */
export const OFFSET_STRIDE = 2 ** 20;

/** How a topic's stream is laid out. */
export interface JetStreamTopic {
  /** The topic; no `.` (it becomes part of a stream name). */
  topic: string;
  /** Partitions: subjects `<topic>.0` … `<topic>.<n-1>`. */
  partitions: number;
  /**
   * Copies of every message (R1, R3, R5). @default {DEFAULT_REPLICAS}; `ensureTopic`
   * fills in `defaultReplicas` of the servers up
   */
  replicas?: number;
  /** Drop messages older than this, ms; 0 = no age limit. */
  maxAgeMs: number;
  /** Most bytes kept per partition (the stream keeps partitions × this); 0 = no limit. */
  maxBytesPerPartition: number;
  /** Publishes with a message id seen within this long are stored once, ms. @default {DEFAULT_DUPLICATE_WINDOW_MS} */
  duplicateWindowMs?: number;
}

/** How a group's consumer behaves. */
export interface JetStreamGroup {
  /** The consumer group; no `.`. */
  group: string;
  /** Redeliver a message not acked within this, ms. */
  ackWaitMs: number;
  /** Deliveries before the message is dead-lettered. */
  maxDeliveries: number;
}

const NS_PER_MS = 1_000_000;

/** `GPUTEL_<topic>`: the stream of a topic. */
export function streamName(topic: string): string {
  return `GPUTEL_${topic}`;
}

/** `GPUTEL_<topic>_dlq`: the dead-letter stream of a topic. */
export function deadLetterStreamName(topic: string): string {
  return `GPUTEL_${topic}_dlq`;
}

/** `gputel_<group>`: the durable consumer of a group. */
export function consumerName(group: string): string {
  return `gputel_${group}`;
}

/** `<topic>.<partition>`. */
export function partitionSubject(topic: string, partition: number): string {
  return `${topic}.${partition}`;
}

/** The partition of a `<topic>.<partition>` subject; -1 when it is not one. */
export function partitionOf(topic: string, subject: string): number {
  if (!subject.startsWith(topic + ".")) return -1;
  const tail = subject.slice(topic.length + 1);
  return /^(0|[1-9][0-9]{0,5})$/.test(tail) ? Number(tail) : -1;
}

/**
 * Checks that `name` can be part of a JetStream stream or consumer name.
 *
 * @throws {RangeError} naming the flag when it holds a `.`
 */
export function checkJetStreamName(flag: string, name: string): void {
  if (name.includes(".")) {
    throw new RangeError(
      `--${flag} "${name}" cannot be used with a nats:// broker: JetStream names cannot hold "."`,
    );
  }
}

/** The stream configuration a topic needs. */
export function topicStreamConfig(t: JetStreamTopic): WantedStream {
  return {
    name: streamName(t.topic),
    subjects: Array.from({ length: t.partitions }, (_, p) => partitionSubject(t.topic, p)),
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: t.replicas ?? DEFAULT_REPLICAS,
    max_age: t.maxAgeMs * NS_PER_MS,
    max_bytes: t.maxBytesPerPartition > 0 ? t.maxBytesPerPartition * t.partitions : -1,
    duplicate_window: (t.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS) * NS_PER_MS,
  };
}

/** The dead-letter stream configuration of a topic: same storage and replicas, no limits. */
export function deadLetterStreamConfig(t: JetStreamTopic): WantedStream {
  return {
    name: deadLetterStreamName(t.topic),
    subjects: [`${t.topic}.dlq`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: t.replicas ?? DEFAULT_REPLICAS,
    max_age: 0,
    max_bytes: -1,
    duplicate_window: (t.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS) * NS_PER_MS,
  };
}

/** The durable consumer configuration of a group. */
export function groupConsumerConfig(g: JetStreamGroup): Partial<ConsumerConfig> {
  return {
    durable_name: consumerName(g.group),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: g.ackWaitMs * NS_PER_MS,
    max_deliver: g.maxDeliveries,
  };
}

/** A stream configuration gputel wants: every field it cares about, and a name. */
export type WantedStream = Partial<StreamConfig> & { name: string };

/** A configuration as {@linkcode configDifferences} compares it: any fields, any of them absent. */
export type Comparable = Partial<Record<string, unknown>>;

const UNITS: Record<string, (v: unknown) => string> = {
  max_age: (v) => `${Number(v) / NS_PER_MS} ms`,
  duplicate_window: (v) => `${Number(v) / NS_PER_MS} ms`,
  ack_wait: (v) => `${Number(v) / NS_PER_MS} ms`,
  subjects: (v) => (v as string[]).join(","),
};

/**
 * The settings of `wanted` that `existing` holds differently, as
 * `field: existing X, wanted Y` phrases; empty when they agree.
 */
export function configDifferences(existing: Comparable, wanted: Comparable): string[] {
  const out: string[] = [];
  for (const [field, want] of Object.entries(wanted)) {
    const have = existing[field];
    const same = Array.isArray(want)
      ? Array.isArray(have) && have.length === want.length && want.every((w, i) => w === have[i])
      : have === want;
    if (same) continue;
    const show = UNITS[field] ?? String;
    out.push(`${field}: existing ${show(have)}, wanted ${show(want)}`);
  }
  return out;
}
