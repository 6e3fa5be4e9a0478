import assert from "node:assert/strict";
import { defaultTextOf, envNameOf, placeholderOf } from "../../src/cli/flag_spec.ts";
import { DEMO_REFUSED, findFlag, FLAGS, flagsFor } from "../../src/cli/flags.ts";
import type { GputelOptions } from "../../src/cli/options.ts";
import { parseCommand } from "../../src/cli/roles.ts";

// Listing every field here makes the type checker fail when GputelOptions
// gains a field without a flag.
const FIELDS: Record<keyof GputelOptions, true> = {
  host: true,
  port: true,
  adminPort: true,
  apiPort: true,
  dataDir: true,
  broker: true,
  natsReplicas: true,
  natsCreds: true,
  partitions: true,
  ackTimeoutMs: true,
  maxDeliveries: true,
  maxTopicBytes: true,
  cacheBytes: true,
  sessionTimeoutMs: true,
  persist: true,
  fsync: true,
  fsyncIntervalMs: true,
  segmentBytes: true,
  retentionMs: true,
  retentionBytes: true,
  csv: true,
  source: true,
  intervalMs: true,
  hostname: true,
  nvmlLib: true,
  nvidiaSmi: true,
  url: true,
  once: true,
  topic: true,
  workers: true,
  rate: true,
  durationMs: true,
  loop: true,
  batchSize: true,
  lingerMs: true,
  key: true,
  filters: true,
  shard: true,
  strict: true,
  maxRecordBytes: true,
  loopGiven: true,
  follow: true,
  maxBadRows: true,
  state: true,
  stateDir: true,
  quiet: true,
  bufferMessages: true,
  drainTimeoutMs: true,
  logFormat: true,
  group: true,
  id: true,
  maxEntries: true,
  maxMemory: true,
  maxWindowMs: true,
  collectors: true,
  collectorTimeoutMs: true,
  maxFrameBytes: true,
  maxBatchMessages: true,
  maxConnections: true,
  maxSubscriptionsPerConnection: true,
  brokerTopics: true,
  maxTopics: true,
  maxPartitionsTotal: true,
  maxOpenFiles: true,
  repairMetadata: true,
  token: true,
  tokenFile: true,
  tlsCert: true,
  tlsKey: true,
  tlsCa: true,
  maxBodyBytes: true,
  maxUrlLength: true,
};

/** A command's flag names, sorted: the contract is which flags, not their help order. */
const names = (command: string) => flagsFor(parseCommand(command)).map((flag) => flag.name).sort();

Deno.test("every option field is set by exactly one flag", () => {
  const keys = FLAGS.map((flag) => flag.key);
  assert.deepEqual([...keys].sort(), Object.keys(FIELDS).sort());
});

Deno.test("flag names are unique lower-case words joined by dashes", () => {
  const all = FLAGS.map((flag) => flag.name);
  assert.equal(new Set(all).size, all.length);
  for (const name of all) assert.match(name, /^[a-z]+(-[a-z]+)*$/);
});

Deno.test("every default, written out as help shows it, parses back to itself with its own flag's parser", () => {
  let checked = 0;
  for (const flag of FLAGS) {
    if (flag.default === undefined) continue;
    if (flag.type === "bool") {
      assert.equal(typeof flag.default, "boolean", flag.name);
      continue;
    }
    const text = defaultTextOf(flag);
    assert.ok(text !== undefined, flag.name);
    assert.deepEqual(flag.parse(text), flag.default, `--${flag.name}: help says ${text}`);
    checked++;
  }
  assert.ok(checked >= 40, `only ${checked} defaults checked`);
});

Deno.test("every flag has help, an expectation and at least one role", () => {
  for (const flag of FLAGS) {
    assert.ok(flag.help.length > 0 && flag.expect.length > 0, flag.name);
    assert.ok(flag.roles.length > 0, flag.name);
  }
});

Deno.test("envNameOf upper-cases the name and turns dashes into underscores", () => {
  assert.equal(envNameOf({ name: "api-port" }), "GPUTEL_API_PORT");
  assert.equal(envNameOf({ name: "no-loop" }), "GPUTEL_NO_LOOP");
  assert.equal(envNameOf({ name: "broker" }), "GPUTEL_BROKER");
});

Deno.test("placeholderOf derives the value name from the type unless the flag names one", () => {
  assert.equal(placeholderOf(findFlag("rate")!), "N");
  assert.equal(placeholderOf(findFlag("linger")!), "DURATION");
  assert.equal(placeholderOf(findFlag("max-topic-bytes")!), "SIZE");
  assert.equal(placeholderOf(findFlag("broker")!), "ADDR");
  assert.equal(placeholderOf(findFlag("csv")!), "FILE");
  assert.equal(placeholderOf(findFlag("strict")!), "");
  assert.equal(placeholderOf(findFlag("drain-timeout")!), "DURATION");
  assert.equal(placeholderOf(findFlag("buffer")!), "N");
  assert.equal(placeholderOf(findFlag("log-format")!), "text|json");
});

Deno.test("flagsFor gives each role exactly the flags of the contract", () => {
  assert.deepEqual(names("broker"), [
    "ack-timeout",
    "admin-port",
    "cache-bytes",
    "data-dir",
    "fsync",
    "fsync-interval",
    "host",
    "log-format",
    "max-batch",
    "max-body-bytes",
    "max-connections",
    "max-deliveries",
    "max-frame-bytes",
    "max-open-files",
    "max-partitions-total",
    "max-subscriptions",
    "max-topic-bytes",
    "max-topics",
    "max-url-length",
    "no-persist",
    "partitions",
    "port",
    "repair-metadata",
    "retention",
    "retention-bytes",
    "segment-bytes",
    "session-timeout",
    "tls-cert",
    "tls-key",
    "token",
    "token-file",
    "topics",
  ]);
  assert.deepEqual(names("stream"), [
    "batch",
    "broker",
    "buffer",
    "csv",
    "drain-timeout",
    "duration",
    "filter",
    "follow",
    "hostname",
    "interval",
    "key",
    "linger",
    "log-format",
    "loop",
    "max-bad-rows",
    "max-record-bytes",
    "nats-creds",
    "nats-replicas",
    "no-loop",
    "nvidia-smi",
    "nvml-lib",
    "once",
    "partitions",
    "quiet",
    "rate",
    "retention",
    "retention-bytes",
    "shard",
    "source",
    "state",
    "state-dir",
    "strict",
    "tls-ca",
    "token",
    "token-file",
    "topic",
    "url",
    "workers",
  ]);
  assert.deepEqual(names("collect"), [
    "ack-timeout",
    "api-port",
    "broker",
    "data-dir",
    "group",
    "host",
    "id",
    "log-format",
    "max-body-bytes",
    "max-deliveries",
    "max-entries",
    "max-memory",
    "max-url-length",
    "max-window",
    "nats-creds",
    "nats-replicas",
    "partitions",
    "retention",
    "retention-bytes",
    "tls-ca",
    "tls-cert",
    "tls-key",
    "token",
    "token-file",
    "topic",
    "workers",
  ]);
  assert.deepEqual(names("api"), [
    "api-port",
    "collector-timeout",
    "collectors",
    "data-dir",
    "host",
    "log-format",
    "max-body-bytes",
    "max-entries",
    "max-memory",
    "max-url-length",
    "max-window",
    "tls-ca",
    "tls-cert",
    "tls-key",
    "token",
    "token-file",
  ]);
});

Deno.test("flagsFor gives a mix the union of its roles' flags, each once", () => {
  const union = names("broker,collect,stream");
  assert.equal(new Set(union).size, union.length);
  const apiOnly = names("api").filter((name) => !union.includes(name));
  assert.deepEqual(apiOnly, ["collector-timeout", "collectors"]);
  assert.deepEqual([...union, ...apiOnly].sort(), FLAGS.map((flag) => flag.name).sort());
  assert.deepEqual(names("broker,api"), [
    "ack-timeout",
    "admin-port",
    "api-port",
    "cache-bytes",
    "collector-timeout",
    "collectors",
    "data-dir",
    "fsync",
    "fsync-interval",
    "host",
    "log-format",
    "max-batch",
    "max-body-bytes",
    "max-connections",
    "max-deliveries",
    "max-entries",
    "max-frame-bytes",
    "max-memory",
    "max-open-files",
    "max-partitions-total",
    "max-subscriptions",
    "max-topic-bytes",
    "max-topics",
    "max-url-length",
    "max-window",
    "no-persist",
    "partitions",
    "port",
    "repair-metadata",
    "retention",
    "retention-bytes",
    "segment-bytes",
    "session-timeout",
    "tls-ca",
    "tls-cert",
    "tls-key",
    "token",
    "token-file",
    "topics",
  ]);
});

Deno.test("flagsFor gives the demo every flag of its roles except those it refuses", () => {
  assert.deepEqual(Object.keys(DEMO_REFUSED), [
    "csv",
    "broker",
    "follow",
    "state",
    "state-dir",
    "source",
    "once",
  ]);
  assert.deepEqual(
    names("demo"),
    names("broker,collect,stream").filter((name) => !Object.hasOwn(DEMO_REFUSED, name)),
  );
});
