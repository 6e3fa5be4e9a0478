/**
 * The telemetry message that `gputel stream` publishes and `gputel collect`
 * consumes. It travels as the UTF-8 JSON payload of one broker message whose
 * key is the GPU key (see {@linkcode gpuKeyOf}).
 *
 * @module
 */

/** A field value after type detection: numbers, booleans, or strings. */
export type FieldValue = string | number | boolean;

/** The payload of one telemetry message. */
export interface TelemetryMessage {
  /** RFC 3339 time at which the row was processed: the telemetry's timestamp. */
  timestamp: string;
  /** The row's own timestamp, when it had one (column `timestamp`). */
  source_timestamp?: string;
  /** Every non-empty column of the row except `timestamp`, type-detected. */
  fields: Record<string, FieldValue>;
}
