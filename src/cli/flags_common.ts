/**
 * Flags shared by several roles: listeners, data dir, broker address, topic, workers, log format.
 *
 * @module
 */
import type { AnyFlagSpec } from "./flag_spec.ts";
import { NAME, PORT, port } from "./_flag_values.ts";
import { parseBrokerTarget } from "./flags_nats.ts";
import { parseHost, parseIntInRange, parseName, parseNonEmpty } from "./values.ts";
import { DEFAULT_ADMIN_PORT, DEFAULT_PORT } from "../broker/server_options.ts";
import { DEFAULT_API_PORT, DEFAULT_HOST } from "../net/serve.ts";
import { DEFAULT_LOG_FORMAT, type LogFormat } from "../obs/log.ts";
import { DEFAULT_TOPIC } from "../record/topic.ts";
import { DEFAULT_WORKERS } from "../stream/role_options.ts";
import { DEFAULT_COLLECTOR_WORKERS } from "../collect/collector_options.ts";

/** Flags shared by several roles: listeners, data dir, broker address, topic, workers, log format. */
export const COMMON_FLAGS: readonly AnyFlagSpec[] = [
  {
    name: "host",
    key: "host",
    type: "string",
    roles: ["broker", "collect", "api"],
    value: "HOST",
    default: DEFAULT_HOST,
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
    default: DEFAULT_PORT,
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
    default: DEFAULT_ADMIN_PORT,
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
    default: DEFAULT_API_PORT,
    help: "query API HTTP port; 0 = any free port",
    expect: PORT,
    parse: port,
  },
  {
    name: "data-dir",
    key: "dataDir",
    type: "string",
    roles: ["broker", "collect", "api", "compact"],
    value: "DIR",
    default: "./data",
    help: "where the broker's log and collector's files live",
    expect: "a directory path",
    requiredBy: ["api", "compact"],
    requiredUnless: "collectors",
    parse: parseNonEmpty,
  },
  {
    name: "broker",
    key: "broker",
    type: "host:port",
    roles: ["stream", "collect"],
    value: "ADDR",
    default: { host: DEFAULT_HOST, port: DEFAULT_PORT },
    help: "broker HOST:PORT, or nats://h1:4222,…",
    expect:
      "HOST:PORT with a port from 1 to 65535 (e.g. 127.0.0.1:9000), or nats://HOST:PORT[,nats://HOST:PORT…]",
    parse: parseBrokerTarget,
  },
  {
    name: "topic",
    key: "topic",
    type: "string",
    roles: ["stream", "collect"],
    value: "NAME",
    default: DEFAULT_TOPIC,
    help: "topic to publish to and consume from",
    expect: NAME,
    parse: parseName,
  },
  {
    name: "workers",
    key: "workers",
    type: "int",
    roles: ["stream", "collect"],
    roleDefaults: { stream: DEFAULT_WORKERS, collect: DEFAULT_COLLECTOR_WORKERS },
    help: "concurrent publishers (stream) / consumers (collect)",
    expect: "an integer from 1 to 256",
    parse: (text) => parseIntInRange(text, 1, 256),
  },
  {
    name: "log-format",
    key: "logFormat",
    type: "string",
    roles: ["broker", "stream", "collect", "api", "compact"],
    value: "text|json",
    default: DEFAULT_LOG_FORMAT,
    help: "stderr log lines as text or one JSON object each",
    expect: "text or json",
    parse: parseLogFormat,
  },
];

/** Parses `--log-format`. @throws {RangeError} unless `text` or `json` */
export function parseLogFormat(text: string): LogFormat {
  if (text === "text" || text === "json") return text;
  throw new RangeError(`log format must be text or json, got "${text}"`);
}
