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
  return encodeLine(JSON.stringify(record));
}

/**
 * Encodes a record's JSON (`JSON.stringify` of it) as one line, newline
 * included: {@linkcode encodeRecordLine} for a caller that keeps the text.
 * The bytes are a view into a shared buffer: keep or write them, never
 * change them.
 */
export function encodeLine(text: string): Uint8Array {
  // The newline is set as a byte: appending it to the text cost a string
  // concatenation that encodeInto then had to flatten.
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  const at = room(text.length * 3 + 1);
  const { written } = encoder.encodeInto(text, slab.subarray(at));
  return finishLine(at, at + written);
}

/**
 * A record's JSON text with `_o: origin` added as its last field (the text
 * unchanged without an origin): the text form of what
 * {@linkcode recordLineOf} writes as bytes, and what `JSON.stringify` gives
 * for the record with that `_o`.
 *
 * @param json the record's JSON (`{` to `}`, one line)
 * @param origin the `_o` value (`<log>:<partition>:<offset>`, no characters to escape)
 */
export function withOrigin(json: string, origin?: string): string {
  return origin === undefined ? json : `${json.slice(0, -1)},"_o":"${origin}"}`;
}

/**
 * The stored line of a record whose JSON is `json` (one line, `{` to `}`,
 * as `decodePayload` says when it is `verbatim`), with `_o: origin` added as
 * its last field when given: the line {@linkcode encodeRecordLine} gives for
 * the record with that `_o`, made without encoding anything but the origin.
 * The bytes are a view into a shared buffer: keep or write them, never
 * change them.
 *
 * @param json the record's JSON bytes
 * @param origin the `_o` value (`<log>:<partition>:<offset>`, no characters to escape)
 */
export function recordLineOf(json: Uint8Array, origin?: string): Uint8Array {
  const at = room(json.length + (origin === undefined ? 1 : origin.length + 10));
  if (origin === undefined) {
    slab.set(json, at);
    return finishLine(at, at + json.length);
  }
  slab.set(json.subarray(0, json.length - 1), at);
  let end = at + json.length - 1;
  end += encoder.encodeInto(`,"_o":"${origin}"}`, slab.subarray(end)).written;
  return finishLine(at, end);
}

// Where `bytes` more bytes go in the slab (a new slab when they do not fit).
function room(bytes: number): number {
  if (slab.length - slabAt < bytes) {
    slab = new Uint8Array(Math.max(SLAB_BYTES, bytes));
    slabAt = 0;
  }
  return slabAt;
}

// Ends the line written at [at, end) with a newline and takes it from the slab.
function finishLine(at: number, end: number): Uint8Array {
  slab[end] = 0x0a;
  slabAt = end + 1;
  return slab.subarray(at, end + 1);
}

/** A line read back: the record, its timestamp in epoch ms, and its text. */
export interface StoredLine {
  /** The record. */
  record: TelemetryRecord;
  /** `record.timestamp` in epoch ms. */
  ts: number;
  /** The line's text (newline excluded): the record's JSON. */
  json: string;
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
  let json: string;
  try {
    json = decodeUtf8Strict(line);
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  const { gpu_id, timestamp, metrics, labels } = value;
  if (typeof gpu_id !== "string" || typeof timestamp !== "string") return undefined;
  if (!isPlainObject(metrics) || !isPlainObject(labels)) return undefined;
  const ts = parseRfc3339(timestamp);
  if (ts === undefined) return undefined;
  return { record: value as unknown as TelemetryRecord, ts, json };
}
