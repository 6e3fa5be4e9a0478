/**
 * The flag table: every gputel flag once, with its type, default, the roles
 * it belongs to, help text and parser. Adding a flag is one entry here plus
 * its field in `GputelOptions` (options.ts).
 *
 * @module
 */

import { parseDuration } from "./duration.ts";
import type { AnyFlagSpec } from "./flag_spec.ts";
import type { Command } from "./roles.ts";
import { parseSize } from "./size.ts";
import {
  parseBool,
  parseHost,
  parseHostPort,
  parseIntInRange,
  parseName,
  parseNonEmpty,
  parseNumberAtLeast,
  parseRowFilter,
  parseShard,
} from "./values.ts";

const PORT = "an integer from 0 to 65535 (0 picks a free port)";
const NAME = "1 to 200 of the characters A-Z a-z 0-9 . _ -";
const BOOL = "true or false (or 1/0, yes/no, on/off)";
const port = (text: string) => parseIntInRange(text, 0, 65535);
const durationAtLeast = (min: number) => (text: string) => {
  const ms = parseDuration(text);
  if (ms < min) throw new RangeError(`Duration "${text}" is below ${min} ms`);
  return ms;
};

/** Every flag, in the order help lists them. */
export const FLAGS: readonly AnyFlagSpec[] = [
  // Listeners and storage.
  {
    name: "host",
    key: "host",
    type: "string",
    roles: ["broker", "collect", "api"],
    value: "HOST",
    default: "127.0.0.1",
    help: "address the listeners bind to",
    expect: "a host name or IP address",
    parse: parseHost,
  },
  {
    name: "port",
    key: "port",
    type: "int",
    roles: ["broker"],
    value: "PORT",
    default: "9000",
    help: "broker port for clients; 0 = any free port",
    expect: PORT,
    parse: port,
  },
  {
    name: "admin-port",
    key: "adminPort",
    type: "int",
    roles: ["broker"],
    value: "PORT",
    default: "9090",
    help: "admin HTTP port (health, stats, metrics); 0 = any free",
    expect: PORT,
    parse: port,
  },
  {
    name: "api-port",
    key: "apiPort",
    type: "int",
    roles: ["collect", "api"],
    value: "PORT",
    default: "8080",
    help: "query API HTTP port; 0 = any free port",
    expect: PORT,
    parse: port,
  },
  {
    name: "data-dir",
    key: "dataDir",
    type: "string",
    roles: ["broker", "collect", "api"],
    value: "DIR",
    default: "./data",
    help: "where the broker's log and collector's files live",
    expect: "a directory path",
    requiredBy: ["api"],
    parse: parseNonEmpty,
  },
  {
    name: "broker",
    key: "broker",
    type: "host:port",
    roles: ["stream", "collect"],
    default: "127.0.0.1:9000",
    help: "broker to connect to",
    expect: "HOST:PORT with a port from 1 to 65535 (e.g. 127.0.0.1:9000)",
    parse: parseHostPort,
  },
  // Broker.
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
  // Stream.
  {
    name: "csv",
    key: "csv",
    type: "string",
    roles: ["stream"],
    value: "FILE",
    help: "CSV file to publish: DCGM long format or one row per GPU",
    expect: "a path to a CSV file",
    requiredBy: ["stream"],
    parse: parseNonEmpty,
  },
  {
    name: "topic",
    key: "topic",
    type: "string",
    roles: ["stream", "collect"],
    value: "NAME",
    default: "telemetry",
    help: "topic to publish to and consume from",
    expect: NAME,
    parse: parseName,
  },
  {
    name: "workers",
    key: "workers",
    type: "int",
    roles: ["stream", "collect"],
    default: "4",
    help: "concurrent publishers (stream) / consumers (collect)",
    expect: "an integer from 1 to 256",
    parse: (text) => parseIntInRange(text, 1, 256),
  },
  {
    name: "rate",
    key: "rate",
    type: "number",
    roles: ["stream"],
    default: "1",
    help: "messages per second per worker; 0 = unlimited",
    expect: "a number >= 0 (messages per second per worker)",
    parse: (text) => parseNumberAtLeast(text, 0),
  },
  {
    name: "duration",
    key: "durationMs",
    type: "duration",
    roles: ["stream"],
    default: "0",
    help: "stop streaming after this long; 0 = until stopped",
    expect: "a duration like 500ms, 10s, 5m or 1h (0 = until stopped)",
    parse: parseDuration,
  },
  {
    name: "no-loop",
    key: "loop",
    type: "bool",
    roles: ["stream"],
    default: "false",
    help: "make one pass over the file instead of looping over it",
    expect: BOOL,
    parse: (text) => !parseBool(text),
  },
  {
    name: "batch",
    key: "batch",
    type: "int",
    roles: ["stream"],
    default: "500",
    help: "most messages per publish batch",
    expect: "an integer from 1 to 100000",
    parse: (text) => parseIntInRange(text, 1, 100_000),
  },
  {
    name: "linger",
    key: "lingerMs",
    type: "duration",
    roles: ["stream"],
    default: "5ms",
    help: "how long a batch waits to fill before it is sent",
    expect: "a duration like 5ms, 100ms or 1s (0 = send at once)",
    parse: parseDuration,
  },
  {
    name: "key",
    key: "key",
    type: "string",
    roles: ["stream"],
    value: "COLUMN",
    defaultText: "the GPU, by uuid",
    help: "column whose value keys each message",
    expect: "a CSV column name",
    parse: parseNonEmpty,
  },
  {
    name: "filter",
    key: "filters",
    type: "repeatable string",
    roles: ["stream"],
    value: "COLUMN=VALUE",
    help: "only rows whose COLUMN is VALUE; repeatable (AND, OR within a column)",
    expect: "COLUMN=VALUE",
    parse: parseRowFilter,
  },
  {
    name: "shard",
    key: "shard",
    type: "string",
    roles: ["stream"],
    value: "K/N",
    defaultText: "all GPUs",
    help: "publish only share K of N (1-based) of the GPUs",
    expect: "K/N with 1 <= K <= N (e.g. 2/4)",
    parse: parseShard,
  },
  {
    name: "strict",
    key: "strict",
    type: "bool",
    roles: ["stream"],
    default: "false",
    help: "stop at the first malformed row instead of skipping it",
    expect: BOOL,
    parse: parseBool,
  },
  {
    name: "quiet",
    key: "quiet",
    type: "bool",
    roles: ["stream"],
    default: "false",
    help: "print no progress lines",
    expect: BOOL,
    parse: parseBool,
  },
  // Collect.
  {
    name: "group",
    key: "group",
    type: "string",
    roles: ["collect"],
    value: "NAME",
    default: "collectors",
    help: "consumer group; members share its partitions",
    expect: NAME,
    parse: parseName,
  },
  {
    name: "id",
    key: "id",
    type: "string",
    roles: ["collect"],
    value: "NAME",
    defaultText: "this host's name",
    help: "this collector's member id in its group",
    expect: NAME,
    parse: parseName,
  },
  {
    name: "max-entries",
    key: "maxEntries",
    type: "int",
    roles: ["collect"],
    default: "1000",
    help: "newest records kept in memory per GPU",
    expect: "an integer from 1 to 1000000",
    parse: (text) => parseIntInRange(text, 1, 1_000_000),
  },
  {
    name: "max-memory",
    key: "maxMemory",
    type: "int",
    roles: ["collect"],
    default: "1000000",
    help: "most records kept in memory across all GPUs",
    expect: "an integer from 1 to 1000000000 (records)",
    parse: (text) => parseIntInRange(text, 1, 1_000_000_000),
  },
];

/** Flags `gputel demo` refuses, with the reason shown. */
export const DEMO_REFUSED: Readonly<Record<string, string>> = {
  csv: "the demo streams its bundled sample (for your own file: broker,collect,stream --csv FILE)",
  broker: "the demo runs its own broker",
};

/** The flag called `name` (without dashes), if there is one. */
export function findFlag(name: string): AnyFlagSpec | undefined {
  return FLAGS.find((flag) => flag.name === name);
}

/** The flags `command` accepts, in table order: the union of its roles' flags. */
export function flagsFor(command: Command): AnyFlagSpec[] {
  return FLAGS.filter((flag) =>
    flag.roles.some((role) => command.roles.includes(role)) &&
    !(command.demo && Object.hasOwn(DEMO_REFUSED, flag.name))
  );
}
