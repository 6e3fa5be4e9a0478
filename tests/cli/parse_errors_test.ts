import assert from "node:assert/strict";
import { UsageError } from "../../src/cli/errors.ts";
import { parseCli } from "../../src/cli/parse.ts";

type Case = [args: string[], env: Record<string, string>, message: string];

const RATE = "a number >= 0 (messages per second per worker)";
const PORT = "an integer from 0 to 65535 (0 picks a free port)";
const BOOL = "true or false (or 1/0, yes/no, on/off)";
const ROLES = "broker, stream, collect, api, compact or demo, or a mix like broker,collect";
const S = ["stream", "--csv", "m.csv"];

const CASES: Case[] = [
  // Values that do not parse or are out of range.
  [[...S, "--rate", "-1"], {}, `--rate must be ${RATE}, got "-1"`],
  [[...S, "--rate", "abc"], {}, `--rate must be ${RATE}, got "abc"`],
  [[...S, "--rate="], {}, `--rate must be ${RATE}, got ""`],
  [["broker", "--port", "70000"], {}, `--port must be ${PORT}, got "70000"`],
  [["broker", "--port", "-1"], {}, `--port must be ${PORT}, got "-1"`],
  [["collect", "--api-port", "80.5"], {}, `--api-port must be ${PORT}, got "80.5"`],
  [
    [...S, "--duration", "5x"],
    {},
    `--duration must be a duration like 500ms, 10s, 5m or 1h (0 = until stopped), got "5x"`,
  ],
  [
    [...S, "--duration", "5"],
    {},
    `--duration must be a duration like 500ms, 10s, 5m or 1h (0 = until stopped), got "5"`,
  ],
  [
    ["broker", "--ack-timeout", "0"],
    {},
    `--ack-timeout must be a duration of at least 1ms, like 500ms, 10s, 5m or 1h, got "0"`,
  ],
  [
    ["broker", "--max-topic-bytes", "64M"],
    {},
    `--max-topic-bytes must be a size above 0, like 64MiB, 1GB or 1048576 (bytes), got "64M"`,
  ],
  [
    ["broker", "--max-topic-bytes", "0"],
    {},
    `--max-topic-bytes must be a size above 0, like 64MiB, 1GB or 1048576 (bytes), got "0"`,
  ],
  [[...S, "--shard", "3/2"], {}, `--shard must be K/N with 1 <= K <= N (e.g. 2/4), got "3/2"`],
  [
    ["collect", "--broker", "nohostport"],
    {},
    `--broker must be HOST:PORT with a port from 1 to 65535 (e.g. 127.0.0.1:9000), or nats://HOST:PORT[,nats://HOST:PORT…], got "nohostport"`,
  ],
  [[...S, "--filter", "nocolumn"], {}, `--filter must be COLUMN=VALUE, got "nocolumn"`],
  [
    ["collect", "--topic", "a/b"],
    {},
    `--topic must be 1 to 200 of the characters A-Z a-z 0-9 . _ -, got "a/b"`,
  ],
  [["collect", "--workers", "0"], {}, `--workers must be an integer from 1 to 256, got "0"`],
  [
    ["broker", "--partitions", "1025"],
    {},
    `--partitions must be an integer from 1 to 1024, got "1025"`,
  ],
  [[...S, "--strict=maybe"], {}, `--strict must be ${BOOL}, got "maybe"`],
  [[...S, "--buffer", "0"], {}, `--buffer must be an integer from 1 to 10000000, got "0"`],
  [
    [...S, "--drain-timeout", "soon"],
    {},
    `--drain-timeout must be a duration like 500ms, 10s or 1m (0 = do not wait), got "soon"`,
  ],
  [["broker", "--log-format", "xml"], {}, `--log-format must be text or json, got "xml"`],
  [["stream", "--csv="], {}, `--csv must be a path to a CSV file, got ""`],
  // Missing and repeated values, required flags.
  [
    ["stream", "--source", "csv"],
    {},
    "stream needs --csv FILE (or GPUTEL_CSV): a path to a CSV file",
  ],
  [
    ["broker,stream"],
    { GPUTEL_SOURCE: "csv" },
    "stream needs --csv FILE (or GPUTEL_CSV): a path to a CSV file",
  ],
  // Live sources.
  [
    ["stream", "--source", "dcgm"],
    {},
    `--source must be csv, nvml, nvidia-smi or scrape, got "dcgm"`,
  ],
  [
    ["stream", "--source", "scrape"],
    {},
    "--source scrape needs --url URL (or GPUTEL_URL): the dcgm-exporter /metrics to read",
  ],
  [
    ["stream", "--source", "scrape", "--url", "ftp://x/metrics"],
    {},
    `--url must be an http(s) URL like http://127.0.0.1:9400/metrics, got "ftp://x/metrics"`,
  ],
  [
    ["stream", "--source", "scrape", "--url", "localhost:9400"],
    {},
    `--url must be an http(s) URL like http://127.0.0.1:9400/metrics, got "localhost:9400"`,
  ],
  [
    ["stream", "--source", "nvml", "--csv", "m.csv"],
    {},
    "--csv is for --source csv, not nvml (from --source); drop one of them",
  ],
  [
    ["stream", "--url", "http://127.0.0.1:9400/metrics"],
    {},
    "--url is for --source scrape, not nvml",
  ],
  [
    ["stream", "--interval", "50ms"],
    {},
    `--interval must be a duration of at least 100ms, like 500ms, 1s or 10s, got "50ms"`,
  ],
  [
    ["stream", "--csv", "m.csv", "--once"],
    {},
    "--once reads a live source; it needs --source nvml, nvidia-smi or scrape",
  ],
  [
    ["api"],
    {},
    "api needs --data-dir DIR (or GPUTEL_DATA_DIR) or --collectors LIST: a directory path",
  ],
  [["stream", "--csv"], {}, "--csv needs a value: a path to a CSV file"],
  [[...S, "--rate", "--quiet"], {}, `--rate needs a value: ${RATE}`],
  [[...S, "--rate", "1", "--rate", "2"], {}, "--rate was given twice; it takes one value"],
  [[...S, "--quiet", "--quiet"], {}, "--quiet was given twice; it takes one value"],
  // Unknown flags and flags of other roles.
  [["broker", "--bogus"], {}, "unknown flag --bogus"],
  [[...S, "--rat", "5"], {}, "unknown flag --rat (did you mean --rate?)"],
  [[...S, "--rat=5"], {}, "unknown flag --rat (did you mean --rate?)"],
  [["broker", "--hepl"], {}, "unknown flag --hepl (did you mean --help?)"],
  [["broker", "-p", "1"], {}, "unknown flag -p"],
  [["broker", "--csv", "x.csv"], {}, "--csv is not a flag of broker: it belongs to stream"],
  [
    ["collect,broker", "--rate", "5"],
    {},
    "--rate is not a flag of broker,collect: it belongs to stream",
  ],
  [["api", "--broker", "h:1"], {}, "--broker is not a flag of api: it belongs to stream, collect"],
  [
    ["demo", "--csv", "x.csv"],
    {},
    "--csv is not a flag of demo: the demo streams its bundled sample " +
    "(for your own file: broker,collect,stream --csv FILE)",
  ],
  [["demo", "--broker", "h:1"], {}, "--broker is not a flag of demo: the demo runs its own broker"],
  // Arguments out of place, roles.
  [["broker", "extra"], {}, `unexpected argument "extra" (flags start with --)`],
  [["broker", "--"], {}, `unexpected argument "--" (flags start with --)`],
  [["--port", "9000"], {}, `expected a role before any flag (e.g. gputel broker), got "--port"`],
  [["brokr"], {}, `unknown role "brokr": expected ${ROLES}`],
  [["help", "brokr"], {}, `unknown role "brokr": expected ${ROLES}`],
  [["broker,broker"], {}, `role broker appears twice in "broker,broker"`],
  [["api,collect"], {}, `collect already serves the query API; drop api from "api,collect"`],
  // Listeners on one port.
  [
    ["broker", "--port", "9000", "--admin-port", "9000"],
    {},
    "--port and --admin-port are both 9000; each listener needs its own port",
  ],
  [
    ["broker,collect", "--api-port", "9090"],
    {},
    "--admin-port and --api-port are both 9090; each listener needs its own port",
  ],
  [
    ["broker,api", "--data-dir", "d"],
    { GPUTEL_API_PORT: "9000" },
    "--port and GPUTEL_API_PORT are both 9000; each listener needs its own port",
  ],
  // Bad variables name the variable.
  [["stream"], { GPUTEL_CSV: "m.csv", GPUTEL_RATE: "-1" }, `GPUTEL_RATE must be ${RATE}, got "-1"`],
  [[...S], { GPUTEL_NO_LOOP: "maybe" }, `GPUTEL_NO_LOOP must be ${BOOL}, got "maybe"`],
  [["collect"], { GPUTEL_API_PORT: "http" }, `GPUTEL_API_PORT must be ${PORT}, got "http"`],
  [[...S], { GPUTEL_FILTER: "a=1,,b=2" }, `GPUTEL_FILTER must be COLUMN=VALUE, got ""`],
];

Deno.test("parseCli refuses each bad command line with one exact line", () => {
  for (const [args, env, message] of CASES) {
    assert.throws(() => parseCli(args, env), (error: unknown) => {
      assert.ok(error instanceof UsageError, args.join(" "));
      assert.equal(error.name, "UsageError");
      assert.equal(error.message, message);
      assert.ok(!error.message.includes("\n"));
      return true;
    }, args.join(" "));
  }
});

Deno.test("UsageError keeps the parser's RangeError as its cause", () => {
  assert.throws(() => parseCli(["broker", "--port", "70000"], {}), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.ok(error.cause instanceof RangeError);
    assert.equal(error.cause.message, `Not an integer from 0 to 65535: "70000"`);
    return true;
  });
});
