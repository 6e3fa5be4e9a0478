/**
 * One line of a GPU's JSONL file: a {@linkcode TelemetryRecord} as JSON plus
 * a newline. Pure.
 *
 * @module
 */

import type { TelemetryRecord } from "./record.ts";
import { parseRfc3339 } from "./rfc3339.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Encodes a record as one line, newline included. */
export function encodeRecordLine(record: TelemetryRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record) + "\n");
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
    value = JSON.parse(decoder.decode(line));
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
