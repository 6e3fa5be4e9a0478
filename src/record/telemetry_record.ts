/**
 * The typed record the collector stores (one JSON object per line of a GPU's
 * JSONL file), and the conversion from a broker message to it. Pure: no I/O,
 * no clock.
 *
 * @module
 */

import type { FieldValue, TelemetryMessage } from "./message.ts";
import { RecordError } from "./errors.ts";
import { addLabel, identityColumnOf, identityLabels } from "./columns.ts";
import { MAX_RFC3339_LENGTH, parseRfc3339 } from "./rfc3339.ts";
import { fieldNamesProblem, keyProblem, LIMITS, messageBytesProblem } from "./limits.ts";
import { decodeUtf8Strict } from "./utf8.ts";

/** A metric value: numbers, or strings and booleans when the source has them. */
export type MetricValue = number | string | boolean;

/** One stored telemetry record. */
export interface TelemetryRecord {
  /** The GPU key of the broker message: uuid, or gpu_id when a source has no uuid. */
  gpu_id: string;
  /** RFC 3339 time at which the row was processed. */
  timestamp: string;
  /** The row's own timestamp, when it had one. */
  source_timestamp?: string;
  /** Metric name → value. Never empty. */
  metrics: Record<string, MetricValue>;
  /** Identity labels: hostname, gpu_index, model, uuid, device, … */
  labels: Record<string, string>;
  /**
   * Origin: `<log>:<partition>:<offset>` of the message it was made from
   * (see `origin.ts`); absent on records stored before origins existed.
   */
  _o?: string;
}

/**
 * What the collector reads of a record besides its stored JSON (the memory
 * window's GPU metadata): its key, time, metrics and labels. A whole record
 * will do; `labels` needs to hold only the identity labels `hostname`,
 * `gpu_index` and `model` that the record has.
 */
export type RecordSummary = Pick<TelemetryRecord, "gpu_id" | "timestamp" | "metrics" | "labels">;

/** The longest GPU key accepted (from the shared {@linkcode LIMITS} table). */
export const MAX_KEY_LENGTH: number = LIMITS.maxKeyLength;

/** The most fields a message may carry (from the shared {@linkcode LIMITS} table). */
export const MAX_FIELDS: number = LIMITS.maxFields;

export { isIdentityColumn } from "./columns.ts";

/** Whether `value` can be a field or metric value: a string, a boolean or a finite number. */
export function isFieldValue(value: unknown): value is FieldValue {
  return typeof value === "string" || typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value));
}

/**
 * `value` when it is an RFC 3339 date-time string.
 *
 * @param value the value to check
 * @param field its name, for the error
 * @throws {RecordError} naming `field` otherwise
 */
export function checkTimestamp(value: unknown, field: string): string {
  if (typeof value !== "string" || parseRfc3339(value) === undefined) {
    const shown = typeof value === "string"
      ? JSON.stringify(value.slice(0, MAX_RFC3339_LENGTH + 1))
      : typeof value;
    throw new RecordError(`${field} is not an RFC 3339 date-time: ${shown}`);
  }
  return value;
}

/**
 * Parses the UTF-8 JSON payload of a broker message into an object: the
 * first step of {@linkcode decodeMessage} and of `decodePayload`.
 *
 * @param bytes the payload
 * @returns the JSON object (not an array)
 * @throws {RecordError} when the payload is too large, not UTF-8, not JSON
 *   or not a JSON object
 */
export function parsePayload(bytes: Uint8Array): Record<string, unknown> {
  return parsePayloadText(payloadText(bytes));
}

const notJson = (cause: unknown) =>
  new RecordError(`payload is not UTF-8 JSON: ${(cause as Error).message}`, { cause });

/**
 * The text of a broker message's UTF-8 payload: the first half of
 * {@linkcode parsePayload}.
 *
 * @throws {RecordError} when the payload is too large or not UTF-8
 */
export function payloadText(bytes: Uint8Array): string {
  const tooBig = messageBytesProblem(bytes.length);
  if (tooBig !== undefined) throw new RecordError(tooBig);
  try {
    return decodeUtf8Strict(bytes);
  } catch (cause) {
    throw notJson(cause);
  }
}

/**
 * Parses a payload's text (see {@linkcode payloadText}) into an object: the
 * second half of {@linkcode parsePayload}.
 *
 * @throws {RecordError} when the text is not JSON or not a JSON object
 */
export function parsePayloadText(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw notJson(cause);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new RecordError("payload is not a JSON object");
  }
  return parsed as Record<string, unknown>;
}

/**
 * Decodes and validates the UTF-8 JSON payload of a broker message.
 *
 * @param bytes the payload
 * @returns the message, with `timestamp` (and `source_timestamp`, when
 *   present) checked as RFC 3339 and every field a string, finite number or
 *   boolean
 * @throws {RecordError} when the bytes are not UTF-8, not JSON, or not a
 *   telemetry message
 */
export function decodeMessage(bytes: Uint8Array): TelemetryMessage {
  return messageOf(parsePayload(bytes));
}

/**
 * Validates a parsed payload object as a telemetry message.
 *
 * @param obj the payload's JSON object (see {@linkcode parsePayload})
 * @returns the message
 * @throws {RecordError} when it is not a telemetry message
 */
export function messageOf(obj: Record<string, unknown>): TelemetryMessage {
  const timestamp = checkTimestamp(obj.timestamp, "timestamp");
  const fields = obj.fields;
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
    throw new RecordError("fields is not a JSON object");
  }
  const names = Object.keys(fields);
  const namesProblem = fieldNamesProblem(names);
  if (namesProblem !== undefined) throw new RecordError(namesProblem);
  for (const name of names) {
    if (!isFieldValue((fields as Record<string, unknown>)[name])) {
      throw new RecordError(`field ${JSON.stringify(name)} is not a string, number or boolean`);
    }
  }
  const message: TelemetryMessage = {
    timestamp,
    fields: fields as Record<string, FieldValue>,
  };
  if (obj.source_timestamp !== undefined) {
    message.source_timestamp = checkTimestamp(obj.source_timestamp, "source_timestamp");
  }
  return message;
}

/**
 * Converts a broker message to a typed record. `gpu_id` is the message key.
 *
 * - Long format (`fields` has `metric_name` and `value`): one metric,
 *   `{[metric_name]: value}`; every other field is a label.
 * - Wide format (one column per metric): number and boolean fields are
 *   metrics; string fields are labels.
 *
 * In both, identity columns (case-insensitive: gpu_id, gpu, gpu_index,
 * device, uuid, gpu_uuid, modelName, model, Hostname, hostname, host,
 * container, pod, namespace, instance, job, labels_raw, …) are labels, never
 * metrics: `hostname` (from Hostname/hostname/host), `gpu_index` (from
 * gpu_id/gpu/gpu_index), `model` (from modelName/model), `uuid`, `device`,
 * `container`, `pod`, `namespace`, `instance`, `job`; then the pairs of
 * `labels_raw` (Prometheus syntax) that add something: `__name__` is
 * dropped, `DCGM_FI_DRIVER_VERSION` becomes `driver_version`, `Hostname`,
 * `gpu`, `UUID`, `modelName` map onto the labels above and never override
 * a column. Malformed `labels_raw` contributes the pairs that could be read.
 *
 * @param key the broker message key (the GPU key)
 * @param message a decoded message (see {@linkcode decodeMessage})
 * @returns the record
 * @throws {RecordError} when the key is empty or too long, the timestamp is
 *   not RFC 3339, a long-format message lacks a usable `metric_name` or
 *   `value`, or the message has no metric at all
 *
 * @example
 * ```ts
 * toRecord("GPU-1", {
 *   timestamp: "2026-11-27T17:00:00Z",
 *   fields: { metric_name: "DCGM_FI_DEV_GPU_UTIL", value: 87, gpu_id: 0, Hostname: "h1" },
 * });
 * // { gpu_id: "GPU-1", timestamp: "2026-11-27T17:00:00Z",
 * //   metrics: { DCGM_FI_DEV_GPU_UTIL: 87 }, labels: { hostname: "h1", gpu_index: "0" } }
 * ```
 */
export function toRecord(key: string, message: TelemetryMessage): TelemetryRecord {
  const badKey = typeof key === "string" ? keyProblem(key) : "message key is not a string";
  if (badKey !== undefined) throw new RecordError(badKey);
  const timestamp = checkTimestamp(message.timestamp, "timestamp");
  const fields = message.fields;
  if (typeof fields !== "object" || fields === null) {
    throw new RecordError("fields is not an object");
  }
  const names = Object.keys(fields);
  const labels: Record<string, string> = {};
  identityLabels(fields, names, labels);
  // Long format: its one metric. Wide: every number and boolean field.
  let metrics: Record<string, MetricValue> | undefined;
  const long = Object.hasOwn(fields, "metric_name");
  const wide = long ? undefined : new Map<string, MetricValue>();
  if (long) {
    const name = fields.metric_name;
    const value = fields.value;
    if (typeof name !== "string" || name === "") {
      throw new RecordError("metric_name is not a non-empty string");
    }
    if (!Object.hasOwn(fields, "value") || !isFieldValue(value)) {
      throw new RecordError(`metric ${JSON.stringify(name)} has no value`);
    }
    metrics = { [name]: value };
  }
  for (const name of names) {
    if (identityColumnOf(name) !== null || (long && (name === "metric_name" || name === "value"))) {
      continue;
    }
    const value = fields[name];
    if (!isFieldValue(value)) {
      throw new RecordError(`field ${JSON.stringify(name)} is not a string, number or boolean`);
    }
    if (wide && typeof value !== "string") wide.set(name, value);
    else if (value !== "") addLabel(labels, name, String(value));
  }
  if (wide) {
    if (wide.size === 0) {
      throw new RecordError("message has no metric: no metric_name/value and no numeric field");
    }
    metrics = Object.fromEntries(wide);
  }
  const source = message.source_timestamp;
  return source === undefined ? { gpu_id: key, timestamp, metrics: metrics!, labels } : {
    gpu_id: key,
    timestamp,
    source_timestamp: checkTimestamp(source, "source_timestamp"),
    metrics: metrics!,
    labels,
  };
}
