import assert from "node:assert/strict";
import type { GputelOptions } from "../../src/cli/options.ts";
import { type CliContext, type CliRun, parseCli } from "../../src/cli/parse.ts";

const CONTEXT: CliContext = {
  version: "1.2.3",
  hostname: "gpu-host-7",
  demoCsv: "/app/data/sample.csv",
};

const DEFAULTS: GputelOptions = {
  host: "127.0.0.1",
  port: 9000,
  adminPort: 9090,
  apiPort: 8080,
  dataDir: "./data",
  broker: { host: "127.0.0.1", port: 9000 },
  partitions: 8,
  ackTimeoutMs: 30_000,
  maxDeliveries: 5,
  maxTopicBytes: 268_435_456,
  cacheBytes: 33_554_432,
  sessionTimeoutMs: 10_000,
  persist: true,
  fsync: "always",
  fsyncIntervalMs: 1000,
  segmentBytes: 64 * 1024 * 1024,
  retentionMs: 0,
  retentionBytes: 0,
  intervalMs: 1000,
  hostname: "gpu-host-7",
  nvidiaSmi: "nvidia-smi",
  once: false,
  topic: "telemetry",
  rate: 1,
  durationMs: 0,
  loop: true,
  batchSize: 500,
  lingerMs: 5,
  filters: [],
  strict: false,
  maxRecordBytes: 1_048_576,
  loopGiven: false,
  follow: false,
  maxBadRows: 1_000,
  quiet: false,
  bufferMessages: 20_000,
  drainTimeoutMs: 10_000,
  logFormat: "text",
  group: "collectors",
  id: "gpu-host-7",
  maxEntries: 1000,
  maxMemory: 1_000_000,
  maxWindowMs: 31 * 86_400_000,
  collectorTimeoutMs: 2000,
  maxFrameBytes: 16 * 1024 * 1024,
  maxBatchMessages: 100_000,
  maxConnections: 1024,
  maxSubscriptionsPerConnection: 64,
  brokerTopics: "telemetry",
  maxTopics: 64,
  maxPartitionsTotal: 1024,
  maxOpenFiles: 256,
  repairMetadata: false,
  maxBodyBytes: 65_536,
  maxUrlLength: 8192,
};

function run(args: string[], env: Record<string, string | undefined> = {}): CliRun {
  const result = parseCli(args, env, CONTEXT);
  assert.equal(result.kind, "run");
  return result as CliRun;
}

Deno.test("parseCli fills every default for a role given no flags", () => {
  assert.deepEqual(run(["broker"]), {
    kind: "run",
    roles: ["broker"],
    options: DEFAULTS,
    demo: false,
    brokerIsLocal: false,
    sources: {},
  });
  assert.deepEqual(run(["collect"]).options, DEFAULTS);
  assert.deepEqual(run(["stream", "--csv", "m.csv"]).options, {
    ...DEFAULTS,
    csv: "m.csv",
    source: "csv",
  });
});

Deno.test("parseCli picks the stream source: csv with --csv, else nvml; --hostname from NODE_NAME, else the host", () => {
  assert.equal(run(["stream"]).options.source, "nvml");
  assert.equal(run(["stream", "--csv", "m.csv"]).options.source, "csv");
  assert.equal(run(["stream"], { GPUTEL_SOURCE: "nvidia-smi" }).options.source, "nvidia-smi");
  const scrape = run(["stream", "--source", "scrape", "--url", "http://127.0.0.1:9400/metrics"]);
  assert.equal(scrape.options.url, "http://127.0.0.1:9400/metrics");
  assert.equal(run(["stream"]).options.hostname, "gpu-host-7");
  const inPod = parseCli(["stream"], {}, { ...CONTEXT, nodeName: "node-12" }) as CliRun;
  assert.equal(inPod.options.hostname, "node-12");
  const given = parseCli(["stream", "--hostname", "h"], {}, { ...CONTEXT, nodeName: "node-12" });
  assert.equal((given as CliRun).options.hostname, "h");
  assert.equal(run(["stream", "--interval", "100ms"]).options.intervalMs, 100);
  assert.equal(run(["stream", "--once"]).options.once, true);
  assert.equal(run(["broker"]).options.source, undefined, "no source without stream");
});

Deno.test("parseCli resolves each flag type from --flag VALUE and --flag=VALUE", () => {
  const cases: [string[], Partial<GputelOptions>][] = [
    [["broker", "--host", "0.0.0.0"], { host: "0.0.0.0" }],
    [["broker", "--port=0"], { port: 0 }],
    [["broker", "--admin-port", "65535"], { adminPort: 65535 }],
    [["collect", "--api-port", "0"], { apiPort: 0 }],
    [["collect", "--data-dir", "/var/lib/gputel"], { dataDir: "/var/lib/gputel" }],
    [["collect", "--broker", "[::1]:9001"], { broker: { host: "::1", port: 9001 } }],
    [["broker", "--partitions", "16"], { partitions: 16 }],
    [["broker", "--ack-timeout", "1m30s"], { ackTimeoutMs: 90_000 }],
    [["broker", "--max-deliveries", "1"], { maxDeliveries: 1 }],
    [["broker", "--max-topic-bytes", "64MiB"], { maxTopicBytes: 67_108_864 }],
    [["broker", "--max-topic-bytes=1GB"], { maxTopicBytes: 1_000_000_000 }],
    [["broker", "--max-topic-bytes", "1048576"], { maxTopicBytes: 1_048_576 }],
    [["broker", "--session-timeout", "500ms"], { sessionTimeoutMs: 500 }],
    [["collect", "--topic", "gpu.metrics"], { topic: "gpu.metrics" }],
    [["collect", "--workers", "256"], { workers: 256 }],
    [["collect", "--group", "g1"], { group: "g1" }],
    [["collect", "--id", "collector-b"], { id: "collector-b" }],
    [["collect", "--max-entries", "10"], { maxEntries: 10 }],
    [["collect", "--max-memory", "5000"], { maxMemory: 5000 }],
  ];
  for (const [args, expected] of cases) {
    assert.deepEqual(run(args).options, { ...DEFAULTS, ...expected }, args.join(" "));
  }
});

Deno.test("parseCli resolves every stream flag", () => {
  const options = run([
    "stream",
    "--csv=metrics.csv",
    "--rate",
    "0.5",
    "--duration",
    "10s",
    "--no-loop",
    "--batch",
    "100",
    "--linger",
    "0",
    "--key",
    "uuid",
    "--filter",
    "Hostname=node-7",
    "--filter=gpu_id=0",
    "--shard",
    "2/4",
    "--strict",
    "--quiet",
    "--buffer",
    "5000",
    "--drain-timeout",
    "2s",
    "--log-format",
    "json",
  ]).options;
  assert.deepEqual(options, {
    ...DEFAULTS,
    csv: "metrics.csv",
    rate: 0.5,
    durationMs: 10_000,
    loop: false,
    batchSize: 100,
    lingerMs: 0,
    key: "uuid",
    filters: [{ column: "Hostname", value: "node-7" }, { column: "gpu_id", value: "0" }],
    shard: { index: 2, count: 4 },
    strict: true,
    quiet: true,
    bufferMessages: 5000,
    drainTimeoutMs: 2000,
    logFormat: "json",
    source: "csv",
  });
});

Deno.test("parseCli takes --log-format for every role and from GPUTEL_LOG_FORMAT", () => {
  for (const role of ["broker", "collect", "api --data-dir d", "stream --csv m.csv"]) {
    const args = [...role.split(" "), "--log-format", "json"];
    assert.equal(run(args).options.logFormat, "json", role);
  }
  const fromEnv = parseCli(["broker"], { GPUTEL_LOG_FORMAT: "json" }, CONTEXT) as CliRun;
  assert.equal(fromEnv.options.logFormat, "json");
  assert.equal(fromEnv.sources.logFormat, "GPUTEL_LOG_FORMAT");
});

Deno.test("parseCli reads --rate 0 as unlimited and takes values that start with one dash", () => {
  assert.equal(run(["stream", "--csv", "m.csv", "--rate", "0"]).options.rate, 0);
  assert.equal(run(["stream", "--csv", "-", "--rate", "2"]).options.csv, "-");
});

Deno.test("parseCli accepts explicit boolean values on the command line", () => {
  assert.equal(run(["stream", "--csv", "m.csv", "--no-loop=false"]).options.loop, true);
  assert.equal(run(["stream", "--csv", "m.csv", "--no-loop=true"]).options.loop, false);
  assert.equal(run(["stream", "--csv", "m.csv", "--strict=0"]).options.strict, false);
  assert.equal(run(["stream", "--csv", "m.csv", "--quiet=yes"]).options.quiet, true);
});

Deno.test("parseCli takes flags from GPUTEL_ variables and records where each came from", () => {
  const result = run(["stream"], {
    GPUTEL_CSV: "env.csv",
    GPUTEL_BROKER: "10.0.0.5:9000",
    GPUTEL_RATE: "250",
    GPUTEL_NO_LOOP: "1",
    GPUTEL_DURATION: "5m",
    GPUTEL_FILTER: "Hostname=a,Hostname=b",
  });
  assert.deepEqual(result.options, {
    ...DEFAULTS,
    csv: "env.csv",
    broker: { host: "10.0.0.5", port: 9000 },
    rate: 250,
    loop: false,
    durationMs: 300_000,
    filters: [{ column: "Hostname", value: "a" }, { column: "Hostname", value: "b" }],
    source: "csv",
  });
  assert.deepEqual(result.sources, {
    csv: "GPUTEL_CSV",
    broker: "GPUTEL_BROKER",
    rate: "GPUTEL_RATE",
    loop: "GPUTEL_NO_LOOP",
    durationMs: "GPUTEL_DURATION",
    filters: "GPUTEL_FILTER",
  });
});

Deno.test("parseCli reads boolean variables as true/false, 1/0, yes/no or on/off", () => {
  for (
    const [text, loop] of [["1", false], ["true", false], ["TRUE", false], ["0", true], [
      "false",
      true,
    ]]
  ) {
    const options = run(["stream", "--csv", "m.csv"], { GPUTEL_NO_LOOP: text as string }).options;
    assert.equal(options.loop, loop, text as string);
  }
});

Deno.test("parseCli lets a flag win over its variable, even an invalid one", () => {
  const result = run(["collect", "--api-port", "8081", "--workers", "2"], {
    GPUTEL_API_PORT: "9999",
    GPUTEL_WORKERS: "not-a-number",
  });
  assert.equal(result.options.apiPort, 8081);
  assert.equal(result.options.workers, 2);
  assert.deepEqual(result.sources, { apiPort: "--api-port", workers: "--workers" });
  const filters = run(["stream", "--csv", "m.csv", "--filter", "a=1"], {
    GPUTEL_FILTER: "b=2,c=3",
  });
  assert.deepEqual(filters.options.filters, [{ column: "a", value: "1" }]);
});

Deno.test("parseCli treats empty variables as unset and ignores variables of other roles", () => {
  const result = run(["broker"], { GPUTEL_PORT: "", GPUTEL_CSV: "x.csv", GPUTEL_RATE: "-1" });
  assert.deepEqual(result.options, DEFAULTS);
  assert.deepEqual(result.sources, {});
});

Deno.test("parseCli points --broker at the local broker in a mix that runs one", () => {
  const mix = run(["collect,broker", "--port", "9100"]);
  assert.deepEqual(mix.roles, ["broker", "collect"]);
  assert.equal(mix.brokerIsLocal, true);
  assert.deepEqual(mix.options.broker, { host: "127.0.0.1", port: 9100 });
  const wildcard = run(["broker,stream", "--csv", "m.csv", "--host", "0.0.0.0", "--port", "0"]);
  assert.deepEqual(wildcard.options.broker, { host: "127.0.0.1", port: 0 });
  assert.deepEqual(run(["broker,collect", "--host", "::"]).options.broker, {
    host: "::1",
    port: 9000,
  });
  assert.deepEqual(run(["broker,collect", "--host", "10.1.2.3"]).options.broker, {
    host: "10.1.2.3",
    port: 9000,
  });
});

Deno.test("parseCli keeps an explicit --broker in a mix with broker and says it is not local", () => {
  const result = run(["broker,collect", "--broker", "other:9000"]);
  assert.equal(result.brokerIsLocal, false);
  assert.deepEqual(result.options.broker, { host: "other", port: 9000 });
  assert.equal(run(["broker,collect"], { GPUTEL_BROKER: "other:1" }).brokerIsLocal, false);
  assert.equal(run(["collect"]).brokerIsLocal, false);
});

Deno.test("parseCli applies one flag to every role of a mix that has it", () => {
  const result = run([
    "broker,collect,stream",
    "--csv",
    "m.csv",
    "--workers",
    "8",
    "--topic",
    "t2",
  ]);
  assert.deepEqual(result.roles, ["broker", "collect", "stream"]);
  assert.equal(result.options.workers, 8);
  assert.equal(result.options.topic, "t2");
});

Deno.test("parseCli runs the demo as broker, collect and stream on the bundled sample", () => {
  const result = run(["demo", "--duration", "1m", "--api-port", "0"]);
  assert.deepEqual(result, {
    kind: "run",
    roles: ["broker", "collect", "stream"],
    options: {
      ...DEFAULTS,
      csv: "/app/data/sample.csv",
      source: "csv",
      durationMs: 60_000,
      apiPort: 0,
    },
    demo: true,
    brokerIsLocal: true,
    sources: { durationMs: "--duration", apiPort: "--api-port" },
  });
  assert.equal((parseCli(["demo"], {}) as CliRun).options.csv, "data/sample.csv");
});

Deno.test("parseCli ignores GPUTEL_CSV and GPUTEL_BROKER for the demo", () => {
  const result = run(["demo"], { GPUTEL_CSV: "x.csv", GPUTEL_BROKER: "other:1" });
  assert.equal(result.options.csv, "/app/data/sample.csv");
  assert.equal(result.brokerIsLocal, true);
});

Deno.test("parseCli defaults --id to the host name, made a valid name", () => {
  assert.equal(
    (parseCli(["collect"], {}, { hostname: "my host" }) as CliRun).options.id,
    "my-host",
  );
  assert.equal((parseCli(["collect"], {}) as CliRun).options.id, "localhost");
});

Deno.test("parseCli allows port 0 for several listeners at once", () => {
  const result = run(["broker,collect", "--port", "0", "--admin-port", "0", "--api-port", "0"]);
  assert.deepEqual([result.options.port, result.options.adminPort, result.options.apiPort], [
    0,
    0,
    0,
  ]);
});

Deno.test("parseCli answers help requests with the matching help text", () => {
  for (const args of [[], ["--help"], ["-h"], ["help"]]) {
    const result = parseCli(args, {}, CONTEXT);
    assert.equal(result.kind, "help", args.join(" "));
    assert.ok(result.kind === "help" && result.text.startsWith("gputel 1.2.3: "));
  }
  for (
    const args of [["help", "stream"], ["--help", "stream"], ["stream", "--help"], ["stream", "-h"]]
  ) {
    const result = parseCli(args, {}, CONTEXT);
    assert.ok(result.kind === "help" && result.text.startsWith("Usage: gputel stream [flags]"));
  }
  const mix = parseCli(["stream,broker", "--rate", "-1", "--help"], {}, CONTEXT);
  assert.ok(mix.kind === "help" && mix.text.startsWith("Usage: gputel broker,stream [flags]"));
});

Deno.test("parseCli answers --version with the version it was given", () => {
  for (const args of [["--version"], ["version"], ["broker", "--version"]]) {
    assert.deepEqual(parseCli(args, {}, CONTEXT), { kind: "version", text: "gputel 1.2.3" });
  }
  assert.deepEqual(parseCli(["--version"], {}), { kind: "version", text: "gputel unknown" });
});

Deno.test("--follow and --loop are exclusive, and so are --loop and --no-loop", () => {
  const base = ["stream", "--csv", "m.csv"];
  assert.equal(run([...base, "--follow"]).options.follow, true);
  assert.throws(
    () => run([...base, "--follow", "--loop"]),
    /--loop and --follow are exclusive: a followed file is read once, as it grows/,
  );
  assert.throws(() => run([...base, "--loop", "--no-loop"]), /--loop and --no-loop are exclusive/);
  assert.equal(run([...base, "--loop"]).options.loop, true);
});

Deno.test("--state needs a single pass (--no-loop or --follow), a CSV source and no --state-dir beside it", () => {
  const base = ["stream", "--csv", "m.csv"];
  assert.equal(run([...base, "--no-loop", "--state", "s.json"]).options.state, "s.json");
  assert.equal(run([...base, "--follow", "--state-dir", "st"]).options.stateDir, "st");
  assert.throws(
    () => run([...base, "--state", "s.json"]),
    /--state needs --no-loop or --follow: a looping stream replays the file forever/,
  );
  assert.throws(
    () => run([...base, "--loop", "--state-dir", "st"]),
    /--state-dir needs --no-loop or --follow/,
  );
  assert.throws(
    () => run([...base, "--no-loop", "--state", "s.json", "--state-dir", "st"]),
    /--state and --state-dir are exclusive/,
  );
  assert.throws(
    () => run(["stream", "--source", "nvml", "--state", "s.json"]),
    /--state records where a CSV stream got; --source nvml has none/,
  );
  assert.throws(() => run(["demo", "--state", "s.json"]), /no position to resume/);
});
