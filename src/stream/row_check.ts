/**
 * Would the collector store this message? The streamer asks before it
 * publishes, so nothing it confirms ends on the dead-letter topic: the
 * limits come from the shared table (`src/record/limits.ts`) and the record
 * rules from the collector's own conversion, run on the message as it will
 * be sent. Pure.
 *
 * @module
 */
import { type TelemetryRecord, toRecord } from "../record/telemetry_record.ts";
import { fieldNamesProblem } from "../record/limits.ts";
import type { TelemetryMessage } from "../record/message.ts";

/**
 * Why the collector would refuse `message` keyed by `key`, or `undefined`
 * when it would store it. The payload's size is checked separately, once it
 * is encoded (see `messageBytesProblem`).
 *
 * @param key the GPU key
 * @param message the message as it will be published
 * @returns the collector's reason, as a sentence
 *
 * @example
 * ```ts
 * messageProblem("0", { timestamp: "2026-01-01T00:00:00Z", fields: { gpu_id: 0, host: "a" } });
 * // "message has no metric: no metric_name/value and no numeric field"
 * ```
 */
export function messageProblem(key: string, message: TelemetryMessage): string | undefined {
  const checked = storableRecord(key, message);
  return typeof checked === "string" ? checked : undefined;
}

/**
 * The record the collector would store for `message` keyed by `key` (what
 * the streamer publishes: see `decodePayload`), or why it would refuse it.
 *
 * @param key the GPU key
 * @param message the message
 * @returns the record, or the collector's reason as a sentence
 */
export function storableRecord(key: string, message: TelemetryMessage): TelemetryRecord | string {
  const names = fieldNamesProblem(Object.keys(message.fields));
  if (names !== undefined) return names;
  try {
    return toRecord(key, message);
  } catch (err) {
    return (err as Error).message;
  }
}
