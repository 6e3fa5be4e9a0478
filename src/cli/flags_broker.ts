/**
 * Flags of the broker role.
 *
 * @module
 */
import type { AnyFlagSpec } from "./flag_spec.ts";
import { durationAtLeast } from "./_flag_values.ts";
import { parseSize } from "./size.ts";
import { parseIntInRange } from "./values.ts";

/** Flags of the broker role. */
export const BROKER_FLAGS: readonly AnyFlagSpec[] = [
  {
    name: "partitions",
    key: "partitions",
    type: "int",
    roles: ["broker"],
    default: "8",
    help: "partitions per topic; a key picks its partition",
    expect: "an integer from 1 to 1024",
    parse: (text) => parseIntInRange(text, 1, 1024),
  },
  {
    name: "ack-timeout",
    key: "ackTimeoutMs",
    type: "duration",
    roles: ["broker"],
    default: "30s",
    help: "redeliver deliveries not acked within this",
    expect: "a duration of at least 1ms, like 500ms, 10s, 5m or 1h",
    parse: durationAtLeast(1),
  },
  {
    name: "max-deliveries",
    key: "maxDeliveries",
    type: "int",
    roles: ["broker"],
    default: "5",
    help: "deliveries before a message is dead-lettered",
    expect: "an integer from 1 to 1000",
    parse: (text) => parseIntInRange(text, 1, 1000),
  },
  {
    name: "max-topic-bytes",
    key: "maxTopicBytes",
    type: "size",
    roles: ["broker"],
    default: "256MiB",
    help: "bytes a topic holds before publishers must wait",
    expect: "a size above 0, like 64MiB, 1GB or 1048576 (bytes)",
    parse: (text) => {
      const bytes = parseSize(text);
      if (bytes === 0) throw new RangeError("Size must be above 0");
      return bytes;
    },
  },
  {
    name: "session-timeout",
    key: "sessionTimeoutMs",
    type: "duration",
    roles: ["broker"],
    default: "10s",
    help: "drop a client silent this long; its partitions move",
    expect: "a duration of at least 1ms, like 500ms, 10s, 5m or 1h",
    parse: durationAtLeast(1),
  },
];
