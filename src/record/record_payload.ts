/**
 * The payloads a collector stores: a telemetry message (`{timestamp,
 * fields}`, converted by {@linkcode toRecord}) or the record itself
 * (`{gpu_id, timestamp, source_timestamp?, metrics, labels}`), which is what
 * `gputel stream` publishes: it has built the record anyway to check that it
 * is storable, and a record payload the collector validates and stores as
 * it came (plus its origin) instead of converting and encoding every
 * message again. Pure: no I/O.
 *
 * @module
 */

import { RecordError } from "./errors.ts";
import { scanRecordPayload } from "./record_scan.ts";
import { parseRfc3339 } from "./rfc3339.ts";
import { fieldNamesProblem, keyProblem } from "./limits.ts";
import {
  checkTimestamp,
  isFieldValue,
  messageOf,
  parsePayloadText,
  payloadText,
  type RecordSummary,
  type TelemetryRecord,
  toRecord,
} from "./telemetry_record.ts";

export type { RecordSummary } from "./telemetry_record.ts";

/** What {@linkcode decodePayload} returns. */
export interface DecodedPayload {
  /**
   * The record to store, or what the collector reads of it besides `json`
   * (see {@linkcode RecordSummary}).
   */
  record: RecordSummary;
  /** `record.timestamp` in epoch ms. */
  ts: number;
  /**
   * The record's JSON, to store (with its origin added): the payload's text
   * when `verbatim`, else `JSON.stringify` of the record.
   */
  json: string;
  /**
   * The payload's bytes are the record's JSON on one line, `{` to `}`: a
   * stored line can be made of them (see `recordLineOf`) instead of encoding
   * the record again.
   */
  verbatim: boolean;
}

const RECORD_KEYS = new Set(["gpu_id", "timestamp", "source_timestamp", "metrics", "labels"]);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Decodes a broker message's payload into the record to store. A payload
 * with `metrics` and no `fields` is a record: its `gpu_id` must be the
 * message key, its times RFC 3339, `metrics` a non-empty object of strings,
 * finite numbers and booleans, `labels` an object of strings, within the
 * shared limits, and nothing else (`_o` included: the collector sets the
 * origin). Any other payload is a telemetry message, converted by
 * {@linkcode toRecord}.
 *
 * A record payload as `gputel stream` publishes it (ASCII, no escapes, no
 * whitespace, keys in the record's order) is read in one pass
 * (`scanRecordPayload`), without `JSON.parse`; anything else takes the full
 * path, {@linkcode decodeParsedPayload}. Both give the same answer.
 *
 * @param key the broker message key (the GPU key)
 * @param bytes the payload
 * @returns the record, and whether its bytes can be stored as they are
 * @throws {RecordError} when the payload is neither a storable record nor a
 *   storable message
 */
export function decodePayload(key: string, bytes: Uint8Array): DecodedPayload {
  const text = payloadText(bytes);
  const scanned = scanRecordPayload(key, bytes, text);
  if (scanned === undefined) return decodeParsed(key, bytes, text);
  return { record: scanned.summary, ts: scanned.ts, json: text, verbatim: true };
}

/**
 * {@linkcode decodePayload} without its fast path: the payload parsed by
 * `JSON.parse`, then checked as a record or converted as a message. It
 * accepts and refuses exactly what `decodePayload` does (tests hold the two
 * to that); `record` is the whole record.
 *
 * @param key the broker message key (the GPU key)
 * @param bytes the payload
 * @throws {RecordError} as {@linkcode decodePayload}
 */
export function decodeParsedPayload(
  key: string,
  bytes: Uint8Array,
): DecodedPayload & { record: TelemetryRecord } {
  return decodeParsed(key, bytes, payloadText(bytes));
}

function decodeParsed(
  key: string,
  bytes: Uint8Array,
  text: string,
): DecodedPayload & { record: TelemetryRecord } {
  const obj = parsePayloadText(text);
  const message = Object.hasOwn(obj, "fields") || !Object.hasOwn(obj, "metrics");
  const record = message ? toRecord(key, messageOf(obj)) : checkRecord(key, obj);
  const verbatim = !message && isOneLineObject(bytes);
  const json = verbatim ? text : JSON.stringify(record);
  return { record, ts: parseRfc3339(record.timestamp)!, json, verbatim };
}

function checkRecord(key: string, obj: Record<string, unknown>): TelemetryRecord {
  const badKey = typeof key === "string" ? keyProblem(key) : "message key is not a string";
  if (badKey !== undefined) throw new RecordError(badKey);
  for (const name in obj) {
    if (!RECORD_KEYS.has(name)) {
      throw new RecordError(`record has a field ${JSON.stringify(name.slice(0, 40))}`);
    }
  }
  if (obj.gpu_id !== key) throw new RecordError("record gpu_id is not the message key");
  checkTimestamp(obj.timestamp, "timestamp");
  if (obj.source_timestamp !== undefined) {
    checkTimestamp(obj.source_timestamp, "source_timestamp");
  }
  const { metrics, labels } = obj;
  if (!isPlainObject(metrics)) throw new RecordError("metrics is not a JSON object");
  if (!isPlainObject(labels)) throw new RecordError("labels is not a JSON object");
  const metricNames = Object.keys(metrics);
  if (metricNames.length === 0) throw new RecordError("record has no metric");
  for (const name of metricNames) {
    if (!isFieldValue(metrics[name])) {
      throw new RecordError(`metric ${JSON.stringify(name)} is not a string, number or boolean`);
    }
  }
  const labelNames = Object.keys(labels);
  for (const name of labelNames) {
    if (typeof labels[name] !== "string") {
      throw new RecordError(`label ${JSON.stringify(name)} is not a string`);
    }
  }
  const namesProblem = fieldNamesProblem(metricNames.concat(labelNames));
  if (namesProblem !== undefined) throw new RecordError(namesProblem);
  return obj as unknown as TelemetryRecord;
}

// `{` first, `}` last, no CR or LF: JSON.stringify's output always is; JSON
// whitespace may hold newlines, which would split a stored line.
function isOneLineObject(bytes: Uint8Array): boolean {
  return bytes[0] === 0x7b && bytes[bytes.length - 1] === 0x7d &&
    bytes.indexOf(0x0a) === -1 && bytes.indexOf(0x0d) === -1;
}
