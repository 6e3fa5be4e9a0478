/**
 * Flags of the collect role (and the api role where they apply).
 *
 * @module
 */
import { DEFAULT_MAX_WINDOW_MS } from "../api/query_window.ts";
import { DEFAULT_MAX_ENTRIES, DEFAULT_MAX_MEMORY } from "../query/memory_window.ts";
import { DEFAULT_GROUP } from "../client/source.ts";
import type { AnyFlagSpec } from "./flag_spec.ts";
import { NAME } from "./_flag_values.ts";
import { parseWindow } from "./flags_security.ts";
import { parseIntInRange, parseName } from "./values.ts";

/** Flags of the collect role (and the api role where they apply). */
export const COLLECT_FLAGS: readonly AnyFlagSpec[] = [
  {
    name: "group",
    key: "group",
    type: "string",
    roles: ["collect"],
    value: "NAME",
    default: DEFAULT_GROUP,
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
    roles: ["collect", "api"],
    default: DEFAULT_MAX_ENTRIES,
    help: "newest records kept in memory per GPU",
    expect: "an integer from 1 to 1000000",
    parse: (text) => parseIntInRange(text, 1, 1_000_000),
  },
  {
    name: "max-memory",
    key: "maxMemory",
    type: "int",
    roles: ["collect", "api"],
    default: DEFAULT_MAX_MEMORY,
    help: "most records in memory over all GPUs (api: per dir)",
    expect: "an integer from 1 to 1000000000 (records)",
    parse: (text) => parseIntInRange(text, 1, 1_000_000_000),
  },
  {
    name: "max-window",
    key: "maxWindowMs",
    type: "duration",
    roles: ["collect", "api"],
    default: DEFAULT_MAX_WINDOW_MS,
    help: "widest start_time..end_time of a telemetry query",
    expect: "a duration like 24h or whole days like 31d (up to 3650d)",
    parse: parseWindow,
  },
];
