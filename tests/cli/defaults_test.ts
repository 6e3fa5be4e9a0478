import assert from "node:assert/strict";
import { DEFAULT_COLLECTOR_TIMEOUT_MS } from "../../src/api/federation/upstream.ts";
import { DEFAULT_MAX_WINDOW_MS } from "../../src/api/query_window.ts";
import {
  DEFAULT_ACK_TIMEOUT_MS,
  DEFAULT_CACHE_BYTES,
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_MAX_PARTITIONS_TOTAL,
  DEFAULT_MAX_TOPIC_BYTES,
  DEFAULT_MAX_TOPICS,
  DEFAULT_PARTITIONS,
} from "../../src/broker/core_options.ts";
import {
  DEFAULT_ADMIN_PORT,
  DEFAULT_MAX_BATCH_MESSAGES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_SUBSCRIPTIONS,
  DEFAULT_PORT,
  DEFAULT_RETENTION_BYTES,
  DEFAULT_RETENTION_MS,
  DEFAULT_SESSION_TIMEOUT_MS,
  DEFAULT_TOPICS,
} from "../../src/broker/server_options.ts";
import {
  DEFAULT_FSYNC,
  DEFAULT_FSYNC_INTERVAL_MS,
  DEFAULT_SEGMENT_BYTES,
} from "../../src/broker/store/storage_options.ts";
import { DEFAULT_BATCH_SIZE, DEFAULT_LINGER_MS } from "../../src/client/publisher_options.ts";
import { CLUSTER_REPLICAS, DEFAULT_REPLICAS } from "../../src/client/nats/replicas.ts";
import { DEFAULT_GROUP } from "../../src/client/source.ts";
import { DEFAULT_COLLECTOR_WORKERS } from "../../src/collect/collector_options.ts";
import { DEFAULT_MAX_ENTRIES } from "../../src/query/memory_window.ts";
import { DEFAULT_MAX_OPEN_FILES } from "../../src/fs/fd_pool.ts";
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_URL_LENGTH } from "../../src/net/http_limits.ts";
import { DEFAULT_API_PORT, DEFAULT_HOST } from "../../src/net/serve.ts";
import { DEFAULT_LOG_FORMAT } from "../../src/obs/log.ts";
import { DEFAULT_MAX_FRAME_BYTES } from "../../src/protocol/frame.ts";
import { DEFAULT_TOPIC } from "../../src/record/topic.ts";
import { DEFAULT_MAX_BAD_ROWS } from "../../src/stream/bad_rows.ts";
import { DEFAULT_MAX_RECORD_CHARS } from "../../src/stream/csv_parser.ts";
import {
  DEFAULT_BUFFER_MESSAGES,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_LOOP,
  DEFAULT_RATE,
  DEFAULT_WORKERS,
} from "../../src/stream/role_options.ts";
import { DEFAULT_NVML_LIB } from "../../src/stream/sources/nvml_ffi.ts";
import { DEFAULT_LIVE_INTERVAL_MS } from "../../src/stream/sources/source.ts";
import { DEFAULT_DURATION_MS } from "../../src/stream/workers.ts";
import { findFlag, FLAGS } from "../../src/cli/flags.ts";
import { defaultTextOf, type FlagSpec } from "../../src/cli/flag_spec.ts";
import { commandHelp } from "../../src/cli/help.ts";
import { parseCommand, type Role } from "../../src/cli/roles.ts";

// Each flag's default, as the library that uses the option defines it. A flag
// whose table entry stops reading the constant (or a constant that changes
// under a stale help text) fails below.
const LIBRARY_DEFAULTS: Readonly<Record<string, unknown>> = {
  host: DEFAULT_HOST,
  port: DEFAULT_PORT,
  "admin-port": DEFAULT_ADMIN_PORT,
  "api-port": DEFAULT_API_PORT,
  broker: { host: DEFAULT_HOST, port: DEFAULT_PORT },
  topic: DEFAULT_TOPIC,
  "log-format": DEFAULT_LOG_FORMAT,
  partitions: DEFAULT_PARTITIONS,
  "ack-timeout": DEFAULT_ACK_TIMEOUT_MS,
  "max-deliveries": DEFAULT_MAX_DELIVERIES,
  "max-topic-bytes": DEFAULT_MAX_TOPIC_BYTES,
  "cache-bytes": DEFAULT_CACHE_BYTES,
  "session-timeout": DEFAULT_SESSION_TIMEOUT_MS,
  fsync: DEFAULT_FSYNC,
  "fsync-interval": DEFAULT_FSYNC_INTERVAL_MS,
  "segment-bytes": DEFAULT_SEGMENT_BYTES,
  retention: DEFAULT_RETENTION_MS,
  "retention-bytes": DEFAULT_RETENTION_BYTES,
  "max-frame-bytes": DEFAULT_MAX_FRAME_BYTES,
  "max-batch": DEFAULT_MAX_BATCH_MESSAGES,
  "max-connections": DEFAULT_MAX_CONNECTIONS,
  "max-subscriptions": DEFAULT_MAX_SUBSCRIPTIONS,
  topics: DEFAULT_TOPICS.join(","),
  "max-topics": DEFAULT_MAX_TOPICS,
  "max-partitions-total": DEFAULT_MAX_PARTITIONS_TOTAL,
  "max-open-files": DEFAULT_MAX_OPEN_FILES,
  rate: DEFAULT_RATE,
  duration: DEFAULT_DURATION_MS,
  "no-loop": DEFAULT_LOOP,
  batch: DEFAULT_BATCH_SIZE,
  linger: DEFAULT_LINGER_MS,
  buffer: DEFAULT_BUFFER_MESSAGES,
  "drain-timeout": DEFAULT_DRAIN_TIMEOUT_MS,
  "max-record-bytes": DEFAULT_MAX_RECORD_CHARS,
  "max-bad-rows": DEFAULT_MAX_BAD_ROWS,
  interval: DEFAULT_LIVE_INTERVAL_MS,
  "max-entries": DEFAULT_MAX_ENTRIES,
  group: DEFAULT_GROUP,
  "max-window": DEFAULT_MAX_WINDOW_MS,
  "collector-timeout": DEFAULT_COLLECTOR_TIMEOUT_MS,
  "max-body-bytes": DEFAULT_MAX_BODY_BYTES,
  "max-url-length": DEFAULT_MAX_URL_LENGTH,
};

// Flags that several roles share while each role's library defaults the
// option itself: each role's constant (the flag leaves the option unset).
const ROLE_DEFAULTS: Readonly<Record<string, Readonly<Partial<Record<Role, unknown>>>>> = {
  workers: { stream: DEFAULT_WORKERS, collect: DEFAULT_COLLECTOR_WORKERS },
};

// Defaults only the command line has: the library takes these options as
// required (a path, a program) or expresses them another way (`dataDir`
// unset = memory only). Booleans that are off unless given are left out.
const CLI_ONLY = ["data-dir", "no-persist", "nvidia-smi", "max-memory"];

function lineOf(text: string, flag: string): string {
  const line = text.split("\n").find((l) => l.startsWith(`  --${flag} `) || l === `  --${flag}`);
  assert.ok(line !== undefined, `no line for --${flag}`);
  return line;
}

Deno.test("every flag default is the library's DEFAULT_* constant for its option", () => {
  for (const [name, constant] of Object.entries(LIBRARY_DEFAULTS)) {
    const flag = findFlag(name);
    assert.ok(flag !== undefined, name);
    assert.deepEqual(flag.default, constant, `--${name}`);
  }
  for (const [name, constants] of Object.entries(ROLE_DEFAULTS)) {
    const flag = findFlag(name);
    assert.ok(flag !== undefined, name);
    assert.equal(flag.default, undefined, `--${name} has one default besides its roles' own`);
    assert.deepEqual(flag.roleDefaults, constants, `--${name}`);
  }
  const withDefault = FLAGS.filter((flag) =>
    (flag.default !== undefined && flag.default !== false) || flag.roleDefaults !== undefined
  );
  const unlisted = withDefault.map((flag) => flag.name)
    .filter((name) =>
      !(name in LIBRARY_DEFAULTS) && !(name in ROLE_DEFAULTS) && !CLI_ONLY.includes(name)
    );
  assert.deepEqual(unlisted, [], "a default that is neither a library constant nor CLI-only");
});

Deno.test("each role's help states the library's default, in a form the flag parses back", () => {
  let checked = 0;
  for (const name of [...Object.keys(LIBRARY_DEFAULTS), ...Object.keys(ROLE_DEFAULTS)]) {
    const flag = findFlag(name)!;
    if (flag.type === "bool") continue;
    for (const role of flag.roles) {
      const constant = ROLE_DEFAULTS[name]?.[role] ?? LIBRARY_DEFAULTS[name];
      const line = lineOf(commandHelp(parseCommand(role)), name);
      const shown = /\(default (.+)\)$/.exec(line)?.[1];
      assert.ok(shown !== undefined, `--${name} in ${role} help shows no default: ${line}`);
      assert.deepEqual(flag.parse(shown), constant, `--${name} in ${role} help: ${shown}`);
      checked++;
    }
  }
  assert.ok(checked >= 45, `only ${checked} help lines checked`);
});

Deno.test("a flag with a default per role shows one value where the roles agree, each role's where not", () => {
  const workers = findFlag("workers")!;
  const mix = lineOf(commandHelp(parseCommand("stream,collect")), "workers");
  if (new Set<number>([DEFAULT_WORKERS, DEFAULT_COLLECTOR_WORKERS]).size === 1) {
    assert.match(mix, new RegExp(`\\(default ${DEFAULT_WORKERS}\\)$`));
  } else {
    assert.match(mix, /\(default stream \d+, collect \d+\)$/);
  }
  const differing: FlagSpec<"workers"> = {
    ...workers as FlagSpec<"workers">,
    roleDefaults: { stream: 4, collect: 8 },
  };
  assert.equal(defaultTextOf(differing), "stream 4, collect 8");
  assert.equal(defaultTextOf(differing, ["collect"]), "8");
  assert.equal(defaultTextOf(differing, ["broker"]), undefined);
});

Deno.test("help states the JetStream replicas rule with the library's numbers", () => {
  assert.match(
    lineOf(commandHelp(parseCommand("collect")), "nats-replicas"),
    new RegExp(
      `\\(default ${CLUSTER_REPLICAS} on ${CLUSTER_REPLICAS}\\+ servers, else ${DEFAULT_REPLICAS}\\)$`,
    ),
  );
});

Deno.test("help shows the NVML library a live stream loads by default", () => {
  assert.match(
    lineOf(commandHelp(parseCommand("stream")), "nvml-lib"),
    new RegExp(`\\(default ${DEFAULT_NVML_LIB.replaceAll(".", "\\.")}\\)$`),
  );
});

Deno.test("the flag table loads no npm package: a stream-only process parses its flags without hono or zod", async () => {
  const url = new URL("../../src/cli/flags.ts", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", url.href] })
    .output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  const specifiers = graph.modules.map((m) => m.specifier);
  assert.ok(
    specifiers.some((s) => s.endsWith("/src/stream/role_options.ts")),
    "graph looks incomplete",
  );
  assert.deepEqual(specifiers.filter((s) => !s.startsWith("file:") && !s.startsWith("node:")), []);
});

Deno.test("the flag table loads no role's core: the broker's state machine, the stream workers and the frame codec load with their role", async () => {
  const url = new URL("../../src/cli/flags.ts", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", url.href] })
    .output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  };
  // What runs: static code imports only (`import type` is erased, a
  // dynamic import loads with its role).
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const loaded = new Set<string>();
  const next = [url.href];
  for (let s = next.pop(); s !== undefined; s = next.pop()) {
    if (loaded.has(s)) continue;
    loaded.add(s);
    for (const d of bySpecifier.get(s)?.dependencies ?? []) {
      if (d.code !== undefined && !d.isDynamic) next.push(d.code.specifier);
    }
  }
  assert.ok(
    [...loaded].some((s) => s.endsWith("/src/broker/core_options.ts")),
    "graph looks incomplete",
  );
  const cores = [
    "/src/broker/core.ts",
    "/src/broker/group.ts",
    "/src/stream/workers.ts",
    "/src/stream/worker_chunks.ts",
    "/src/protocol/mod.ts",
    "/src/protocol/batch.ts",
  ];
  assert.deepEqual([...loaded].filter((s) => cores.some((c) => s.endsWith(c))), []);
});
