/**
 * The contract between `gputel stream` and `gputel collect`: the telemetry
 * message, its decoding into a typed record, the GPU key and identity
 * columns, RFC 3339 times, Prometheus label text and the partition hash.
 * Pure: no I/O.
 *
 * @example
 * ```ts
 * import { decodeMessage, toRecord } from "./src/record/mod.ts";
 * const record = toRecord("GPU-1", decodeMessage(payload));
 * ```
 *
 * @module
 */

export type { FieldValue, TelemetryMessage } from "./message.ts";
export {
  decodeMessage,
  type MetricValue,
  type TelemetryRecord,
  toRecord,
} from "./telemetry_record.ts";
export { type DecodedPayload, decodePayload } from "./record_payload.ts";
export { parsePromLabels, type PromLabels } from "./prom_labels.ts";
export { parseRfc3339 } from "./rfc3339.ts";
export { RecordError } from "./errors.ts";
