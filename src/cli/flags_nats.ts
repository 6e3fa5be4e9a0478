/**
 * Flags of the NATS JetStream transport (`--broker nats://…` on stream and
 * collect), the `--broker` value parser that tells a gputel broker from NATS
 * servers, and the check that JetStream-only flags are not given without it.
 *
 * @module
 */
import type { AnyFlagSpec } from "./flag_spec.ts";
import { UsageError } from "./errors.ts";
import type { GputelOptions, HostPort, NatsServers } from "./options.ts";
import type { Role } from "./roles.ts";
import { parseHostPort, parseIntInRange, parseNonEmpty } from "./values.ts";
import { CLUSTER_REPLICAS, DEFAULT_REPLICAS } from "../client/nats/replicas.ts";

const NATS_URL = /^(nats|tls):\/\/([^@/\s]+@)?[^@/\s:]+(:[0-9]{1,5})?$/;
/** The port a NATS URL without one means: nats-server's client port. */
const NATS_PORT = 4222;

/**
 * Parses `--broker`: `HOST:PORT` of a gputel broker, or a comma-separated
 * list of `nats://HOST:PORT` (or `tls://`) NATS servers.
 *
 * @example
 * ```ts
 * parseBrokerTarget("127.0.0.1:9000"); // { host: "127.0.0.1", port: 9000 }
 * parseBrokerTarget("nats://a:4222,nats://b:4222"); // { nats: ["nats://a:4222", "nats://b:4222"] }
 * ```
 * @throws {RangeError} when it is neither
 */
export function parseBrokerTarget(text: string): HostPort | NatsServers {
  if (!/^(nats|tls):\/\//.test(text)) return parseHostPort(text);
  const nats = text.split(",").map((s) => s.trim());
  for (const url of nats) {
    const port = Number(/:([0-9]+)$/.exec(url)?.[1] ?? NATS_PORT);
    if (!NATS_URL.test(url) || port < 1 || port > 65535) {
      throw new RangeError(`not a NATS server URL: "${url}"`);
    }
  }
  return { nats };
}

/** Whether `--broker` names NATS servers. */
export function isNats(target: HostPort | NatsServers): target is NatsServers {
  return "nats" in target;
}

/** Flags only the NATS transport uses. */
export const NATS_FLAGS: readonly AnyFlagSpec[] = [
  {
    name: "nats-replicas",
    key: "natsReplicas",
    type: "int",
    roles: ["stream", "collect"],
    defaultText: `${CLUSTER_REPLICAS} on ${CLUSTER_REPLICAS}+ servers, else ${DEFAULT_REPLICAS}`,
    help: "replicas of a new JetStream stream",
    expect: "an integer from 1 to 5",
    parse: (text) => parseIntInRange(text, 1, 5),
  },
  {
    name: "nats-creds",
    key: "natsCreds",
    type: "string",
    roles: ["stream", "collect"],
    value: "FILE",
    help: "NATS .creds file (user JWT and NKey seed) for nats://",
    expect: "a file path",
    parse: parseNonEmpty,
  },
];

/**
 * Flags that stream and collect take only for a JetStream stream (with the
 * broker role they configure the broker).
 */
const JETSTREAM_ONLY: readonly (keyof GputelOptions)[] = [
  "natsReplicas",
  "natsCreds",
  "partitions",
  "ackTimeoutMs",
  "maxDeliveries",
  "retentionMs",
  "retentionBytes",
];

/**
 * Refuses JetStream-only flags on stream/collect when `--broker` is not
 * `nats://…`: they would do nothing.
 *
 * @throws {UsageError} naming the flag
 */
export function checkNatsOnlyFlags(
  roles: readonly Role[],
  options: GputelOptions,
  sources: Readonly<Record<string, string>>,
): void {
  if (isNats(options.broker)) return;
  for (const key of JETSTREAM_ONLY) {
    const nats = key === "natsReplicas" || key === "natsCreds";
    if (sources[key] !== undefined && (nats || !roles.includes("broker"))) {
      throw new UsageError(
        `${sources[key]} on ${roles.join(",")} needs --broker nats://…: ` +
          "it configures the JetStream stream (for gputel's broker, give it to `gputel broker`)",
      );
    }
  }
}
