/**
 * One line of a GPU's JSONL file: a {@linkcode TelemetryRecord} as JSON plus
 * a newline. Pure.
 *
 * @module
 */

import type { TelemetryRecord } from "./telemetry_record.ts";
import { parseRfc3339 } from "./rfc3339.ts";
import { decodeUtf8Strict } from "./utf8.ts";

const encoder = new TextEncoder();

// Lines are encoded into shared slabs with encodeInto: a TextEncoder.encode
// per line allocated a buffer each time and cost ~9× the encoding itself. A
// slab is never written twice, so each line's view stays valid; it is freed
// once no line of it is referenced.
const SLAB_BYTES = 256 * 1024;
let slab = new Uint8Array(0);
let slabAt = 0;

/**
 * Encodes a record as one line, newline included. The bytes are a view into
 * a shared buffer: keep or write them, never change them.
 */
export function encodeRecordLine(record: TelemetryRecord): Uint8Array {
  // The newline is set as a byte: appending it to the text cost a string
  // concatenation that encodeInto then had to flatten.
  const text = JSON.stringify(record);
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  const most = text.length * 3 + 1;
  if (slab.length - slabAt < most) {
    slab = new Uint8Array(Math.max(SLAB_BYTES, most));
    slabAt = 0;
  }
  const { written } = encoder.encodeInto(text, slab.subarray(slabAt));
  slab[slabAt + written] = 0x0a;
  const line = slab.subarray(slabAt, slabAt + written + 1);
  slabAt += written + 1;
  return line;
}

/** A line read back: the record and its timestamp in epoch ms. */
export interface StoredLine {
  /** The record. */
  record: TelemetryRecord;
  /** `record.timestamp` in epoch ms. */
  ts: number;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Parses one stored line (newline excluded).
 *
 * @returns the record and its time, or `undefined` when the line is not a
 *   stored record (corruption, foreign content)
 */
export function parseRecordLine(line: Uint8Array): StoredLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(decodeUtf8Strict(line));
  } catch {
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  const { gpu_id, timestamp, metrics, labels } = value;
  if (typeof gpu_id !== "string" || typeof timestamp !== "string") return undefined;
  if (!isPlainObject(metrics) || !isPlainObject(labels)) return undefined;
  const ts = parseRfc3339(timestamp);
  if (ts === undefined) return undefined;
  return { record: value as unknown as TelemetryRecord, ts };
}
