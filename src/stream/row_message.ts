/**
 * CSV row → telemetry message: the pure conversion at the heart of
 * `gputel stream`. No I/O; time comes from the injected {@linkcode Clock}.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { FieldValue, TelemetryMessage } from "../record/message.ts";
import { gpuKeyOf } from "../record/columns.ts";

/** Options of {@linkcode rowToMessage}. */
export interface RowMessageOptions {
  /** Source of the processing time that becomes the message's `timestamp`. */
  clock: Clock;
  /** Column overriding the default GPU key choice (`--key COLUMN`). */
  keyColumn?: string;
}

/** A message ready to publish, with the key that picks its partition. */
export interface KeyedMessage {
  /** The GPU key (see `gpuKeyOf`). */
  key: string;
  /** The payload. */
  message: TelemetryMessage;
}

/** The column whose value moves to `source_timestamp`. */
export const SOURCE_TIMESTAMP_COLUMN = "timestamp";

/**
 * Turns one row's fields into a keyed telemetry message. `timestamp` is the
 * clock's time in RFC 3339 (UTC, milliseconds); the row's own `timestamp`
 * column moves to `source_timestamp` as a string (a numeric one as its
 * decimal text, e.g. `1721335354`) and is left out of `fields`; every other
 * field is kept as it is. The input is not modified.
 *
 * @param fields the row's non-empty, type-detected fields
 * @param options the clock and the optional key column
 * @returns the keyed message, or `undefined` when the row has no GPU key
 * (`noKeyReason()` says why, for the skip log)
 * @throws {RangeError} when `keyColumn` is the empty string
 *
 * @example
 * ```ts
 * rowToMessage({ timestamp: "2025-07-18T20:42:34Z", gpu_id: 0, value: 87 }, { clock })
 * // { key: "0", message: { timestamp: "2026-…Z",
 * //   source_timestamp: "2025-07-18T20:42:34Z", fields: { gpu_id: 0, value: 87 } } }
 * ```
 */
export function rowToMessage(
  fields: Readonly<Record<string, FieldValue>>,
  options: RowMessageOptions,
): KeyedMessage | undefined {
  const key = gpuKeyOf(fields, options.keyColumn);
  if (key === undefined) return undefined;
  const timestamp = isoTime(options.clock.now());
  if (!Object.hasOwn(fields, SOURCE_TIMESTAMP_COLUMN)) {
    return { key, message: { timestamp, fields: { ...fields } } };
  }
  const { [SOURCE_TIMESTAMP_COLUMN]: source, ...rest } = fields;
  return { key, message: { timestamp, source_timestamp: String(source), fields: rest } };
}

// Rows processed within the same millisecond share one formatted time.
let lastMs = NaN;
let lastIso = "";
/**
 * `ms` as an RFC 3339 UTC time with milliseconds (`2026-11-27T17:00:00.123Z`).
 *
 * @param ms epoch milliseconds
 */
export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

const encoder = new TextEncoder();

/**
 * Encodes a message as the UTF-8 JSON payload of one broker message.
 *
 * @param message the payload to encode
 */
export function encodeMessage(message: TelemetryMessage): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}
