/**
 * Turns one partition's batch into what the store writes: redeliveries
 * skipped, payloads decoded into records, lines grouped per GPU file.
 * Pure: no I/O.
 *
 * @module
 */

import { RecordError } from "../record/errors.ts";
import { formatOrigin } from "../record/origin.ts";
import {
  type DecodedPayload,
  decodePayload,
  type RecordSummary,
} from "../record/record_payload.ts";
import { encodeLine, recordLineOf, withOrigin } from "../record/stored_line.ts";

/** One broker message of a batch. */
export interface StoreMessage {
  /** Offset in its partition. */
  offset: number;
  /** The GPU key. */
  key: string;
  /** UTF-8 JSON of a `TelemetryMessage`, or of the `TelemetryRecord` to store (see `decodePayload`). */
  payload: Uint8Array;
}

/** A run of messages of one partition of a topic, for one consumer group. */
export interface StoreBatch {
  /** Topic name. */
  topic: string;
  /** Consumer group. */
  group: string;
  /** Partition number. */
  partition: number;
  /** The messages, normally in offset order. */
  messages: readonly StoreMessage[];
  /**
   * The `<log>` of the messages' origin (`logIdOf` in `origin.ts`): each record
   * gets `_o`. Absent: records carry no origin.
   */
  origin?: string;
}

/** What `write()` did with a batch. */
export interface WriteResult {
  /** Records appended. */
  stored: number;
  /** Messages skipped because their offset was already stored. */
  skipped: number;
  /** Messages that could not become records (not stored; their offsets count as consumed). */
  invalid: { offset: number; error: string }[];
}

/** One line to append. */
export interface PreparedLine {
  /** The record, or what the memory window reads of it (see `RecordSummary`). */
  record: RecordSummary;
  /** Its timestamp in epoch ms. */
  ts: number;
  /** Its encoded length, newline included. */
  bytes: number;
  /** The record's JSON, what the memory window keeps. */
  json: string;
  /** Its `_o`, the last field of the line (absent when the batch has no origin). */
  origin?: string;
}

/** The lines of a batch grouped per file, and where the partition gets to. */
export interface BatchChunk {
  /** The partition's next offset once the batch is stored. */
  next: number;
  /** File name → the lines to append (encoded, in order), their total bytes, and the records. */
  files: Map<string, { parts: Uint8Array[]; size: number; entries: PreparedLine[] }>;
}

/** How {@linkcode prepareBatch} works. */
export interface PrepareOptions {
  /** The partition's checkpointed next offset; lower offsets are skipped. */
  from: number;
  /** Longest topic and group, in UTF-8 bytes. */
  maxNameBytes: number;
  /** GPU key → file name. */
  fileNameOf: (key: string) => string;
}

const encoder = new TextEncoder();

function checkBatch(batch: StoreBatch, maxNameBytes: number): void {
  for (const field of ["topic", "group"] as const) {
    const value = batch[field];
    if (typeof value !== "string" || value === "" || encoder.encode(value).length > maxNameBytes) {
      throw new TypeError(`write: ${field} must be a string of 1 to ${maxNameBytes} bytes`);
    }
  }
  if (!Number.isSafeInteger(batch.partition) || batch.partition < 0) {
    throw new TypeError(`write: partition must be an integer >= 0, got ${batch.partition}`);
  }
  if (!Array.isArray(batch.messages)) throw new TypeError("write: messages must be an array");
  if (batch.origin !== undefined && !/^[0-9A-Za-z_.-]{1,64}$/.test(batch.origin)) {
    throw new TypeError("write: origin must be 1 to 64 of A-Z a-z 0-9 _ . -");
  }
  for (const m of batch.messages) {
    if (!Number.isSafeInteger(m?.offset) || m.offset < 0) {
      throw new TypeError(`write: message offset must be an integer >= 0, got ${m?.offset}`);
    }
    if (typeof m.key !== "string" || !(m.payload instanceof Uint8Array)) {
      throw new TypeError(`write: message ${m.offset} needs a string key and a Uint8Array payload`);
    }
  }
}

/**
 * Prepares a batch for the store.
 *
 * @param batch the batch
 * @param options the stored offset and limits
 * @returns the result to report and what to write; no chunk when every
 *   message was a redelivery
 * @throws {TypeError} when the batch is malformed
 */
export function prepareBatch(
  batch: StoreBatch,
  options: PrepareOptions,
): { result: WriteResult; chunk?: BatchChunk } {
  checkBatch(batch, options.maxNameBytes);
  const messages = [...batch.messages].sort((a, b) => a.offset - b.offset);
  const result: WriteResult = { stored: 0, skipped: 0, invalid: [] };
  let next = options.from;
  const files = new Map<string, { parts: Uint8Array[]; size: number; entries: PreparedLine[] }>();
  for (const message of messages) {
    if (message.offset < next) {
      result.skipped++;
      continue;
    }
    let decoded: DecodedPayload;
    try {
      decoded = decodePayload(message.key, message.payload);
    } catch (error) {
      if (!(error instanceof RecordError)) throw error;
      result.invalid.push({ offset: message.offset, error: error.message });
      next = message.offset + 1;
      continue;
    }
    const { record, ts, verbatim, json } = decoded;
    const origin = batch.origin === undefined
      ? undefined
      : formatOrigin(batch.origin, batch.partition, message.offset);
    const name = options.fileNameOf(record.gpu_id);
    next = message.offset + 1;
    // A record payload is stored as it came (its origin added); a message is
    // converted and encoded.
    const line = verbatim
      ? recordLineOf(message.payload, origin)
      : encodeLine(withOrigin(json, origin));
    let file = files.get(name);
    if (file === undefined) files.set(name, file = { parts: [], size: 0, entries: [] });
    file.parts.push(line);
    file.size += line.length;
    file.entries.push({ record, ts, bytes: line.length, json, origin });
    result.stored++;
  }
  return next > options.from ? { result, chunk: { next, files } } : { result };
}
