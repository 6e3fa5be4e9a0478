/**
 * Flags of the api role over many collectors (`--collectors`).
 *
 * @module
 */
import { type CollectorsSpec, parseCollectorsSpec } from "../api/federation/collectors.ts";
import { DEFAULT_COLLECTOR_TIMEOUT_MS } from "../api/federation/upstream.ts";
import { parseDuration } from "./duration.ts";
import type { AnyFlagSpec } from "./flag_spec.ts";

/** Flags of the api role over many collectors. */
export const API_FLAGS: readonly AnyFlagSpec[] = [
  {
    name: "collectors",
    key: "collectors",
    type: "string",
    roles: ["api"],
    value: "LIST",
    help: "ask these collectors' APIs (URLs, or dns:NAME:PORT), not --data-dir",
    expect: "http://HOST:PORT[,http://HOST:PORT…] or dns:NAME:PORT (dns+https:NAME:PORT for HTTPS)",
    parse: (text): CollectorsSpec => parseCollectorsSpec(text),
  },
  {
    name: "collector-timeout",
    key: "collectorTimeoutMs",
    type: "duration",
    roles: ["api"],
    default: DEFAULT_COLLECTOR_TIMEOUT_MS,
    help: "a slower collector fails a request unless partial=true",
    expect: "a duration from 1ms to 5m, like 500ms or 2s",
    parse: (text) => {
      const ms = parseDuration(text);
      if (ms < 1 || ms > 300_000) throw new RangeError(`${text} is out of range`);
      return ms;
    },
  },
];
