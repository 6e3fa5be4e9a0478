/**
 * Flags of the stream role's live sources (`--source nvml|nvidia-smi|scrape`),
 * and the check that the source and its flags fit together.
 *
 * @module
 */
import { DEFAULT_NVML_LIB } from "../stream/sources/nvml_ffi.ts";
import { DEFAULT_LIVE_INTERVAL_MS, MIN_LIVE_INTERVAL_MS } from "../stream/sources/source.ts";
import { BOOL, durationAtLeast } from "./_flag_values.ts";
import { UsageError } from "./errors.ts";
import type { AnyFlagSpec } from "./flag_spec.ts";
import type { GputelOptions, StreamSource } from "./options.ts";
import { parseBool, parseNonEmpty } from "./values.ts";

const SOURCES: readonly StreamSource[] = ["csv", "nvml", "nvidia-smi", "scrape"];

/** Parses `--source`. */
export function parseSource(text: string): StreamSource {
  const source = SOURCES.find((s) => s === text);
  if (source === undefined) throw new RangeError(`Not a source: "${text}"`);
  return source;
}

/**
 * Parses `--url`: an absolute http(s) URL without credentials.
 *
 * @throws {RangeError} for anything else
 */
export function parseScrapeUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RangeError(`Not a URL: "${text}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RangeError(`Not an http(s) URL: "${text}"`);
  }
  return url.href;
}

/** Flags of the live sources. */
export const LIVE_FLAGS: readonly AnyFlagSpec[] = [
  {
    name: "source",
    key: "source",
    type: "string",
    roles: ["stream"],
    value: "SOURCE",
    defaultText: "csv if --csv, else nvml",
    help: "read csv, nvml, nvidia-smi or scrape",
    expect: "csv, nvml, nvidia-smi or scrape",
    parse: parseSource,
  },
  {
    name: "interval",
    key: "intervalMs",
    type: "duration",
    roles: ["stream"],
    default: DEFAULT_LIVE_INTERVAL_MS,
    help: "time between readings of a live source",
    expect: `a duration of at least ${MIN_LIVE_INTERVAL_MS}ms, like 500ms, 1s or 10s`,
    parse: durationAtLeast(MIN_LIVE_INTERVAL_MS),
  },
  {
    name: "hostname",
    key: "hostname",
    type: "string",
    roles: ["stream"],
    value: "NAME",
    defaultText: "$NODE_NAME or host name",
    help: "Hostname label of live samples",
    expect: "a host name",
    parse: parseNonEmpty,
  },
  {
    name: "nvml-lib",
    key: "nvmlLib",
    type: "string",
    roles: ["stream"],
    value: "PATH",
    defaultText: DEFAULT_NVML_LIB,
    help: "NVML library --source nvml loads",
    expect: "a path to libnvidia-ml.so",
    parse: parseNonEmpty,
  },
  {
    name: "nvidia-smi",
    key: "nvidiaSmi",
    type: "string",
    roles: ["stream"],
    value: "PATH",
    default: "nvidia-smi",
    help: "nvidia-smi program --source nvidia-smi runs",
    expect: "a path to nvidia-smi",
    parse: parseNonEmpty,
  },
  {
    name: "url",
    key: "url",
    type: "string",
    roles: ["stream"],
    value: "URL",
    help: "dcgm-exporter /metrics URL that --source scrape reads",
    expect: "an http(s) URL like http://127.0.0.1:9400/metrics",
    parse: parseScrapeUrl,
  },
  {
    name: "once",
    key: "once",
    type: "bool",
    roles: ["stream"],
    default: false,
    help: "print one reading of a live source as JSON lines and exit (no broker)",
    expect: BOOL,
    parse: parseBool,
  },
];

/**
 * Fills `source` (csv when `--csv` was given, else nvml) and checks that the
 * source's flags are there and no other source's are.
 *
 * @throws {UsageError} naming the flag at fault
 */
export function resolveSource(
  options: GputelOptions,
  sources: Partial<Record<keyof GputelOptions, string>>,
): void {
  options.source ??= options.csv !== undefined ? "csv" : "nvml";
  const source = options.source;
  const by = sources.source ?? "the default source";
  if (source === "csv") {
    if (options.csv === undefined) {
      throw new UsageError("stream needs --csv FILE (or GPUTEL_CSV): a path to a CSV file");
    }
    if (options.once) {
      throw new UsageError(
        "--once reads a live source; it needs --source nvml, nvidia-smi or scrape",
      );
    }
    return;
  }
  if (sources.csv !== undefined) {
    throw new UsageError(
      `${sources.csv} is for --source csv, not ${source} (from ${by}); drop one of them`,
    );
  }
  if (source === "scrape" && options.url === undefined) {
    throw new UsageError(
      "--source scrape needs --url URL (or GPUTEL_URL): the dcgm-exporter /metrics to read",
    );
  }
  if (source !== "scrape" && sources.url !== undefined) {
    throw new UsageError(`${sources.url} is for --source scrape, not ${source}`);
  }
}
