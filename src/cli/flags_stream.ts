/**
 * Flags of the stream role.
 *
 * @module
 */
import { DEFAULT_BATCH_SIZE, DEFAULT_LINGER_MS } from "../client/publisher_options.ts";
import { DEFAULT_MAX_BAD_ROWS } from "../stream/bad_rows.ts";
import { DEFAULT_MAX_RECORD_CHARS } from "../stream/csv_parser.ts";
import {
  DEFAULT_BUFFER_MESSAGES,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_LOOP,
  DEFAULT_RATE,
} from "../stream/role_options.ts";
import { DEFAULT_DURATION_MS } from "../stream/worker_options.ts";
import { parseDuration } from "./duration.ts";
import { parseSize } from "./size.ts";
import { UsageError } from "./errors.ts";
import type { GputelOptions } from "./options.ts";
import type { AnyFlagSpec } from "./flag_spec.ts";
import { BOOL } from "./_flag_values.ts";
import {
  parseBool,
  parseIntInRange,
  parseNonEmpty,
  parseNumberAtLeast,
  parseRowFilter,
  parseShard,
} from "./values.ts";

/**
 * Refuses stream flags that contradict each other: `--loop` with
 * `--no-loop` or with `--follow` (a followed file is read once, as it grows).
 *
 * @param options the resolved options
 * @param sources where each given option came from
 * @throws {UsageError} naming both flags
 */
export function checkStreamFlags(
  options: GputelOptions,
  sources: Partial<Record<keyof GputelOptions, string>>,
): void {
  checkStateFlags(options, sources);
  if (!options.loopGiven) return;
  if (options.follow) {
    throw new UsageError(
      `${sources.loopGiven} and ${sources.follow} are exclusive: a followed file is read once, as it grows`,
    );
  }
  if (sources.loop !== undefined && !options.loop) {
    throw new UsageError(`${sources.loopGiven} and ${sources.loop} are exclusive: pick one`);
  }
}

/**
 * Refuses `--state`/`--state-dir` where a resume point means nothing: with
 * `--state-dir` too, on a looping stream (a position in an endless replay
 * says nothing about what is stored), or on a live source.
 *
 * @throws {UsageError} naming the flags
 */
function checkStateFlags(
  options: GputelOptions,
  sources: Partial<Record<keyof GputelOptions, string>>,
): void {
  const flag = sources.state ?? sources.stateDir;
  if (flag === undefined) return;
  if (sources.state !== undefined && sources.stateDir !== undefined) {
    throw new UsageError(`${sources.state} and ${sources.stateDir} are exclusive: pick one`);
  }
  if (options.source !== undefined && options.source !== "csv") {
    throw new UsageError(
      `${flag} records where a CSV stream got; --source ${options.source} has none`,
    );
  }
  if (options.loop && !options.follow) {
    throw new UsageError(
      `${flag} needs --no-loop or --follow: a looping stream replays the file forever, so a position in it says nothing about what is stored`,
    );
  }
}

/** Flags of the stream role. */
export const STREAM_FLAGS: readonly AnyFlagSpec[] = [
  {
    name: "csv",
    key: "csv",
    type: "string",
    roles: ["stream"],
    value: "FILE",
    help: "CSV file to publish: DCGM long format or one row per GPU",
    expect: "a path to a CSV file",
    parse: parseNonEmpty,
  },
  {
    name: "rate",
    key: "rate",
    type: "number",
    roles: ["stream"],
    default: DEFAULT_RATE,
    help: "messages per second per worker; 0 = unlimited",
    expect: "a number >= 0 (messages per second per worker)",
    parse: (text) => parseNumberAtLeast(text, 0),
  },
  {
    name: "duration",
    key: "durationMs",
    type: "duration",
    roles: ["stream"],
    default: DEFAULT_DURATION_MS,
    help: "stop streaming after this long; 0 = until stopped",
    expect: "a duration like 500ms, 10s, 5m or 1h (0 = until stopped)",
    parse: parseDuration,
  },
  {
    name: "no-loop",
    key: "loop",
    type: "bool",
    roles: ["stream"],
    default: DEFAULT_LOOP,
    help: "make one pass over the file instead of looping over it",
    expect: BOOL,
    parse: (text) => !parseBool(text),
  },
  {
    name: "loop",
    key: "loopGiven",
    type: "bool",
    roles: ["stream"],
    default: false,
    help: "loop over the file (the default, unless --follow)",
    expect: BOOL,
    parse: parseBool,
  },
  {
    name: "follow",
    key: "follow",
    type: "bool",
    roles: ["stream"],
    default: false,
    help: "read the file as it grows, like tail -F; never loops",
    expect: BOOL,
    parse: parseBool,
  },
  {
    name: "batch",
    key: "batchSize",
    type: "int",
    roles: ["stream"],
    default: DEFAULT_BATCH_SIZE,
    help: "most messages per publish batch",
    expect: "an integer from 1 to 100000",
    parse: (text) => parseIntInRange(text, 1, 100_000),
  },
  {
    name: "linger",
    key: "lingerMs",
    type: "duration",
    roles: ["stream"],
    default: DEFAULT_LINGER_MS,
    help: "how long a batch waits to fill before it is sent",
    expect: "a duration like 5ms, 100ms or 1s (0 = send at once)",
    parse: parseDuration,
  },
  {
    name: "buffer",
    key: "bufferMessages",
    type: "int",
    roles: ["stream"],
    default: DEFAULT_BUFFER_MESSAGES,
    help: "messages held; then CSV waits, live drops oldest",
    expect: "an integer from 1 to 10000000",
    parse: (text) => parseIntInRange(text, 1, 10_000_000),
  },
  {
    name: "drain-timeout",
    key: "drainTimeoutMs",
    type: "duration",
    roles: ["stream"],
    default: DEFAULT_DRAIN_TIMEOUT_MS,
    help: "after Ctrl-C or --duration, wait this long for confirms",
    expect: "a duration like 500ms, 10s or 1m (0 = do not wait)",
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
    default: false,
    help: "stop at the first malformed row instead of skipping it",
    expect: BOOL,
    parse: parseBool,
  },
  {
    name: "max-record-bytes",
    key: "maxRecordBytes",
    type: "size",
    roles: ["stream"],
    default: DEFAULT_MAX_RECORD_CHARS,
    help: "a longer CSV record is skipped as a bad row",
    expect: "a size from 1KiB to 1GiB, like 1MiB or 65536 (bytes)",
    parse: (text) => {
      const n = parseSize(text);
      if (n < 1024 || n > 1 << 30) throw new RangeError("Size must be from 1KiB to 1GiB");
      return n;
    },
  },
  {
    name: "max-bad-rows",
    key: "maxBadRows",
    type: "int",
    roles: ["stream"],
    default: DEFAULT_MAX_BAD_ROWS,
    help: "stop (exit 1) after more bad rows than this in a row",
    expect: "an integer from 1 to 1000000000",
    parse: (text) => parseIntInRange(text, 1, 1_000_000_000),
  },
  {
    name: "state",
    key: "state",
    type: "string",
    roles: ["stream"],
    value: "FILE",
    help: "record confirmed rows here; a restart continues after them",
    expect: "a file path (its directory must exist)",
    parse: parseNonEmpty,
  },
  {
    name: "state-dir",
    key: "stateDir",
    type: "string",
    roles: ["stream"],
    value: "DIR",
    help: "keep the --state file here, named after the input",
    expect: "a directory path (created if missing)",
    parse: parseNonEmpty,
  },
  {
    name: "quiet",
    key: "quiet",
    type: "bool",
    roles: ["stream"],
    default: false,
    help: "print no progress lines",
    expect: BOOL,
    parse: parseBool,
  },
];
