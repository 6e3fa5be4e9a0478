/**
 * The streamer's resume point, as kept in its `--state` file: per input
 * path, the inode, byte offset and line up to which every row is confirmed,
 * with the producer id and per-partition sequences that make a replay after
 * a crash idempotent, and the one position where the last run sealed its
 * batches after that point (so a replay seals at the same place and sends
 * the very same batches). Pure codec: no I/O.
 *
 * @module
 */

/** A place in a file. */
export interface FilePoint {
  /** The file's inode. */
  ino: number;
  /** A byte offset just past a row. */
  offset: number;
}

/** What the state file records for one input path. */
export interface PathState {
  /** The device of the file's file system. */
  dev: number;
  /** The file's inode. */
  ino: number;
  /** Byte offset up to which every row is confirmed. */
  offset: number;
  /** The line at that offset. */
  line: number;
  /** Data rows up to that offset (read, published or skipped). */
  rows: number;
  /** The sink's producer id (decimal for the gputel broker, a name for JetStream). */
  producer: string;
  /** Its last sequence per partition, at `offset`. */
  sequences: number[];
  /**
   * Where batches were (or were about to be) sealed after `offset`: written
   * before the seal, so a replay seals there too.
   */
  sealAt: FilePoint | null;
  /** What must not change for a replay to send the same batches (transport, topic, batch, key, filters, shard). */
  fingerprint: string;
  /** When this entry was written (RFC 3339), for people reading the file. */
  writtenAt: string;
}

/** The whole state file. */
export interface StreamState {
  /** The format's version. */
  version: 1;
  /** Per input path (absolute), where its stream stands. */
  paths: Record<string, PathState>;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Encodes the state as JSON text (one object, a trailing newline).
 *
 * @param state the state
 */
export function encodeState(state: StreamState): string {
  return JSON.stringify(state, null, 1) + "\n";
}

/**
 * Decodes a state file's text.
 *
 * @param text the file's content
 * @returns the state
 * @throws {RangeError} naming what is wrong: not JSON, another version, a bad field
 *
 * @example
 * ```ts
 * decodeState('{"version":1,"paths":{}}'); // { version: 1, paths: {} }
 * ```
 */
export function decodeState(text: string): StreamState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new RangeError(`state is not JSON: ${(cause as Error).message}`, { cause });
  }
  const obj = raw as { version?: unknown; paths?: unknown };
  if (typeof raw !== "object" || raw === null || obj.version !== 1) {
    throw new RangeError("state is not a version 1 gputel stream state");
  }
  if (typeof obj.paths !== "object" || obj.paths === null || Array.isArray(obj.paths)) {
    throw new RangeError("state has no paths object");
  }
  const paths: Record<string, PathState> = {};
  for (const [path, value] of Object.entries(obj.paths)) paths[path] = pathState(path, value);
  return { version: 1, paths };
}

function pathState(path: string, value: unknown): PathState {
  const v = value as Record<string, unknown>;
  const bad = (field: string) => new RangeError(`state of ${path}: ${field} is not valid`);
  if (typeof v !== "object" || v === null) throw bad("the entry");
  for (const field of ["dev", "ino", "offset", "line", "rows"]) {
    if (!isCount(v[field])) throw bad(field);
  }
  if (typeof v.producer !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(v.producer)) {
    throw bad("producer");
  }
  if (!Array.isArray(v.sequences) || !v.sequences.every(isCount)) throw bad("sequences");
  const seal = v.sealAt as Record<string, unknown> | null;
  if (seal !== null && (typeof seal !== "object" || !isCount(seal.ino) || !isCount(seal.offset))) {
    throw bad("sealAt");
  }
  if (typeof v.fingerprint !== "string") throw bad("fingerprint");
  if (typeof v.writtenAt !== "string") throw bad("writtenAt");
  return {
    dev: v.dev as number,
    ino: v.ino as number,
    offset: v.offset as number,
    line: v.line as number,
    rows: v.rows as number,
    producer: v.producer,
    sequences: [...v.sequences as number[]],
    sealAt: seal === null ? null : { ino: seal.ino as number, offset: seal.offset as number },
    fingerprint: v.fingerprint,
    writtenAt: v.writtenAt,
  };
}
