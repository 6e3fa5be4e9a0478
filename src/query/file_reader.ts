/**
 * Answers a {@linkcode ReadRequest} from a GPU's JSONL file through its
 * {@linkcode TimeIndex}: only blocks whose time range meets the window are
 * read, smallest timestamps first, stopping once the page is certain.
 *
 * @module
 */

import { StorageReadError } from "./errors.ts";
import { readRange, splitLines } from "../datadir/jsonl_files.ts";
import type { MemoryWindow, WindowEntry } from "./memory_window.ts";
import type { ReadRequest } from "./source.ts";
import { parseRecordLine } from "../record/stored_line.ts";
import type { TimeIndex } from "./time_index.ts";

/** A GPU file to read: its path and index, and the committed bytes not yet in it. */
export interface IndexedFile {
  /** The file. */
  path: string;
  /** Its index, covering committed lines only. */
  index: TimeIndex;
  /** Committed bytes past what the file holds (a live store's), read from memory. */
  tail?: { read(path: string, offset: number, length: number): Promise<Uint8Array> };
}

/** Orders entries by `(ts, seq)`. */
export const byTimeThenSeq = (a: WindowEntry, b: WindowEntry): number =>
  a.ts - b.ts || a.seq - b.seq;

/**
 * A predicate telling whether an entry answers a request for a GPU.
 *
 * @param gpuId entries of other GPUs (a file shared by a hash collision) never match
 * @param request the request
 */
export function entryMatcher(
  gpuId: string,
  request: ReadRequest,
): (entry: WindowEntry) => boolean {
  const { startMs, endMs, after, maxSeq, metric } = request;
  return (entry) =>
    entry.ts >= startMs && entry.ts <= endMs && entry.seq < maxSeq &&
    (after === undefined || entry.ts > after.ts ||
      (entry.ts === after.ts && entry.seq > after.seq)) &&
    (metric === undefined || Object.hasOwn(entry.record.metrics, metric)) &&
    entry.record.gpu_id === gpuId;
}

/**
 * Reads the entries of a request from a file.
 *
 * @param file the GPU's file and index
 * @param gpuId the GPU key
 * @param request the window, position, and limit
 * @returns at most `request.limit` entries, sorted by `(ts, seq)`, and how
 *   many blocks were read
 */
export async function readFromFile(
  file: IndexedFile,
  gpuId: string,
  request: ReadRequest,
): Promise<{ entries: WindowEntry[]; blocks: number }> {
  const { path, index, tail } = file;
  const matches = entryMatcher(gpuId, request);
  const startMs = Math.max(request.startMs, request.after?.ts ?? -Infinity);
  const blocks = index.candidates({ startMs, endMs: request.endMs, maxSeq: request.maxSeq });
  let found: WindowEntry[] = [];
  let read = 0;
  for (const block of blocks) {
    const kth = found[request.limit - 1];
    if (kth !== undefined && block.minTs > kth.ts) break;
    const bytes = tail === undefined
      ? await readRange(path, block.offset, block.bytes)
      : await tail.read(path, block.offset, block.bytes);
    read++;
    let seq = block.firstSeq;
    splitLines(bytes, (line) => {
      const parsed = parseRecordLine(line);
      const entry = parsed && { seq, ts: parsed.ts, record: parsed.record };
      seq++;
      if (entry !== undefined && matches(entry)) found.push(entry);
    });
    found.sort(byTimeThenSeq);
    if (found.length > request.limit) found = found.slice(0, request.limit);
  }
  return { entries: found, blocks: read };
}

/** Counters a {@linkcode readWindowOrFile} call updates. */
export interface ReadCounters {
  /** Reads answered from the memory window. */
  query_memory_reads: number;
  /** Reads answered from a file through its time index. */
  query_file_reads: number;
  /** Index blocks those file reads read. */
  query_file_blocks: number;
}

/**
 * Answers a request from the memory window when it covers the window (no
 * record of the GPU newer than the window's start has left memory), else
 * from the GPU's file through its index.
 *
 * @param window the memory window holding the GPU's newest records
 * @param file the GPU's file and index, `undefined` when it has none
 * @param gpuId the GPU key
 * @param request the window, position and limit
 * @param counters updated with the kind of read and the blocks read
 * @returns at most `request.limit` entries, sorted by `(ts, seq)`
 * @throws {StorageReadError} when the file cannot be read
 */
export async function readWindowOrFile(
  window: MemoryWindow,
  file: IndexedFile | undefined,
  gpuId: string,
  request: ReadRequest,
  counters: ReadCounters,
): Promise<WindowEntry[]> {
  if (file === undefined) return [];
  const startMs = Math.max(request.startMs, request.after?.ts ?? -Infinity);
  if (startMs > window.evictedMaxTs(gpuId)) {
    counters.query_memory_reads++;
    return readFromWindow(window, file.index, gpuId, request);
  }
  counters.query_file_reads++;
  let found;
  try {
    found = await readFromFile(file, gpuId, request);
  } catch (error) {
    throw new StorageReadError(file.path, { cause: error });
  }
  counters.query_file_blocks += found.blocks;
  return found.entries;
}

// The memory path: the file's index picks the blocks whose time range meets
// the window, and the window's entries of each block's lines are found by
// `seq`, so a query costs the blocks it needs, not a scan of every record.
function readFromWindow(
  window: MemoryWindow,
  index: TimeIndex,
  gpuId: string,
  request: ReadRequest,
): WindowEntry[] {
  const matches = entryMatcher(gpuId, request);
  const startMs = Math.max(request.startMs, request.after?.ts ?? -Infinity);
  const blocks = index.candidates({ startMs, endMs: request.endMs, maxSeq: request.maxSeq });
  let found: WindowEntry[] = [];
  for (const block of blocks) {
    const kth = found[request.limit - 1];
    if (kth !== undefined && block.minTs > kth.ts) break;
    for (
      const entry of window.entriesInSeqRange(gpuId, block.firstSeq, block.firstSeq + block.count)
    ) {
      if (matches(entry)) found.push(entry);
    }
    found.sort(byTimeThenSeq);
    if (found.length > request.limit) found = found.slice(0, request.limit);
  }
  return found;
}
