/**
 * Flags of the broker role.
 *
 * @module
 */
import type { AnyFlagSpec } from "./flag_spec.ts";
import {
  DEFAULT_ACK_TIMEOUT_MS,
  DEFAULT_CACHE_BYTES,
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_MAX_PARTITIONS_TOTAL,
  DEFAULT_MAX_TOPIC_BYTES,
  DEFAULT_MAX_TOPICS,
  DEFAULT_PARTITIONS,
} from "../broker/core_options.ts";
import {
  DEFAULT_MAX_BATCH_MESSAGES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_SUBSCRIPTIONS,
  DEFAULT_RETENTION_BYTES,
  DEFAULT_RETENTION_MS,
  DEFAULT_SESSION_TIMEOUT_MS,
  DEFAULT_TOPICS,
} from "../broker/server_options.ts";
import {
  DEFAULT_FSYNC,
  DEFAULT_FSYNC_INTERVAL_MS,
  DEFAULT_SEGMENT_BYTES,
} from "../broker/store/storage_options.ts";
import { DEFAULT_MAX_FRAME_BYTES } from "../protocol/frame.ts";
import { DEFAULT_MAX_OPEN_FILES } from "../fs/fd_pool.ts";
import { BOOL, durationAtLeast, NAME } from "./_flag_values.ts";
import { parseDuration } from "./duration.ts";
import { parseSize } from "./size.ts";
import { parseBool, parseIntInRange, parseName } from "./values.ts";

/** Flags of the broker role. */
export const BROKER_FLAGS: readonly AnyFlagSpec[] = [
  {
    name: "partitions",
    key: "partitions",
    type: "int",
    roles: ["broker", "stream", "collect"],
    default: DEFAULT_PARTITIONS,
    help: "partitions per topic; a key picks its partition",
    expect: "an integer from 1 to 1024",
    parse: (text) => parseIntInRange(text, 1, 1024),
  },
  {
    name: "ack-timeout",
    key: "ackTimeoutMs",
    type: "duration",
    roles: ["broker", "collect"],
    default: DEFAULT_ACK_TIMEOUT_MS,
    help: "redeliver deliveries not acked within this",
    expect: "a duration of at least 1ms, like 500ms, 10s, 5m or 1h",
    parse: durationAtLeast(1),
  },
  {
    name: "max-deliveries",
    key: "maxDeliveries",
    type: "int",
    roles: ["broker", "collect"],
    default: DEFAULT_MAX_DELIVERIES,
    help: "deliveries before a message is dead-lettered",
    expect: "an integer from 1 to 1000",
    parse: (text) => parseIntInRange(text, 1, 1000),
  },
  {
    name: "max-topic-bytes",
    key: "maxTopicBytes",
    type: "size",
    roles: ["broker"],
    default: DEFAULT_MAX_TOPIC_BYTES,
    help: "bytes a topic holds before publishers must wait",
    expect: "a size above 0, like 64MiB, 1GB or 1048576 (bytes)",
    parse: (text) => {
      const bytes = parseSize(text);
      if (bytes === 0) throw new RangeError("Size must be above 0");
      return bytes;
    },
  },
  {
    name: "cache-bytes",
    key: "cacheBytes",
    type: "size",
    roles: ["broker"],
    default: DEFAULT_CACHE_BYTES,
    help: "memory a persisted topic uses for unconsumed batches",
    expect: "a size, like 64MiB, 1GB or 0 (read everything back from disk)",
    parse: parseSize,
  },
  {
    name: "session-timeout",
    key: "sessionTimeoutMs",
    type: "duration",
    roles: ["broker"],
    default: DEFAULT_SESSION_TIMEOUT_MS,
    help: "drop a client silent this long; its partitions move",
    expect: "a duration of at least 1ms, like 500ms, 10s, 5m or 1h",
    parse: durationAtLeast(1),
  },
  {
    name: "no-persist",
    key: "persist",
    type: "bool",
    roles: ["broker"],
    default: true,
    help: "keep messages in memory only (lost when the broker stops)",
    expect: BOOL,
    parse: (text) => !parseBool(text),
  },
  {
    name: "fsync",
    key: "fsync",
    type: "string",
    roles: ["broker"],
    value: "POLICY",
    default: DEFAULT_FSYNC,
    help: "always: confirm after fdatasync; interval; never",
    expect: "always, interval or never",
    parse: (text) => {
      if (text !== "always" && text !== "interval" && text !== "never") throw new RangeError(text);
      return text;
    },
  },
  {
    name: "fsync-interval",
    key: "fsyncIntervalMs",
    type: "duration",
    roles: ["broker"],
    default: DEFAULT_FSYNC_INTERVAL_MS,
    help: "how often --fsync interval syncs",
    expect: "a duration of at least 1ms, like 200ms or 1s",
    parse: durationAtLeast(1),
  },
  {
    name: "segment-bytes",
    key: "segmentBytes",
    type: "size",
    roles: ["broker"],
    default: DEFAULT_SEGMENT_BYTES,
    help: "start a new segment file past this size",
    expect: "a size from 1KiB to 4GiB, like 16MiB",
    parse: (text) => {
      const n = parseSize(text);
      if (n < 1024 || n > 2 ** 32 - 1) throw new RangeError(`size ${n} out of range`);
      return n;
    },
  },
  {
    name: "retention",
    key: "retentionMs",
    type: "duration",
    roles: ["broker", "stream", "collect"],
    default: DEFAULT_RETENTION_MS,
    help: "delete messages older than this; 0 = no age limit",
    expect: "a duration like 24h or 168h, or 0",
    parse: parseDuration,
  },
  {
    name: "retention-bytes",
    key: "retentionBytes",
    type: "size",
    roles: ["broker", "stream", "collect"],
    default: DEFAULT_RETENTION_BYTES,
    help: "most log bytes kept per partition; 0 = no limit",
    expect: "a size like 10GiB, or 0",
    parse: parseSize,
  },
  {
    name: "max-frame-bytes",
    key: "maxFrameBytes",
    type: "size",
    roles: ["broker"],
    default: DEFAULT_MAX_FRAME_BYTES,
    help: "largest frame a client may send; over it: ERROR, close",
    expect: "a size from 1KiB to 1GiB, like 16MiB",
    parse: (text) => {
      const n = parseSize(text);
      if (n < 1024 || n > 2 ** 30) throw new RangeError(`size ${n} out of range`);
      return n;
    },
  },
  {
    name: "max-batch",
    key: "maxBatchMessages",
    type: "int",
    roles: ["broker"],
    default: DEFAULT_MAX_BATCH_MESSAGES,
    help: "most messages in one publish; over it: ERROR LIMIT",
    expect: "an integer from 1 to 10000000",
    parse: (text) => parseIntInRange(text, 1, 10_000_000),
  },
  {
    name: "max-connections",
    key: "maxConnections",
    type: "int",
    roles: ["broker"],
    default: DEFAULT_MAX_CONNECTIONS,
    help: "most client connections; more get ERROR LIMIT",
    expect: "an integer from 1 to 1000000",
    parse: (text) => parseIntInRange(text, 1, 1_000_000),
  },
  {
    name: "max-subscriptions",
    key: "maxSubscriptionsPerConnection",
    type: "int",
    roles: ["broker"],
    default: DEFAULT_MAX_SUBSCRIPTIONS,
    help: "most subscriptions on one client connection",
    expect: "an integer from 1 to 100000",
    parse: (text) => parseIntInRange(text, 1, 100_000),
  },
  {
    name: "topics",
    key: "brokerTopics",
    type: "string",
    roles: ["broker"],
    value: "NAMES",
    default: DEFAULT_TOPICS.join(","),
    help: "topics created at start, comma-separated",
    expect: `comma-separated topic names of ${NAME}`,
    parse: (text) => text.split(",").map((name) => parseName(name.trim())).join(","),
  },
  {
    name: "max-topics",
    key: "maxTopics",
    type: "int",
    roles: ["broker"],
    default: DEFAULT_MAX_TOPICS,
    help: "most topics; a publish creating one more gets ERROR LIMIT",
    expect: "an integer from 1 to 1000000",
    parse: (text) => parseIntInRange(text, 1, 1_000_000),
  },
  {
    name: "max-partitions-total",
    key: "maxPartitionsTotal",
    type: "int",
    roles: ["broker"],
    default: DEFAULT_MAX_PARTITIONS_TOTAL,
    help: "most partitions across all topics",
    expect: "an integer from 1 to 100000000",
    parse: (text) => parseIntInRange(text, 1, 100_000_000),
  },
  {
    name: "max-open-files",
    key: "maxOpenFiles",
    type: "int",
    roles: ["broker"],
    default: DEFAULT_MAX_OPEN_FILES,
    help: "most log files the broker keeps open at once",
    expect: "an integer from 8 to 1000000",
    parse: (text) => parseIntInRange(text, 8, 1_000_000),
  },
  {
    name: "repair-metadata",
    key: "repairMetadata",
    type: "bool",
    roles: ["broker"],
    default: false,
    help: "start although broker.id or groups.json is lost",
    expect: BOOL,
    parse: parseBool,
  },
];
