/**
 * Answers a {@linkcode ReadRequest} from a GPU's JSONL file through its
 * {@linkcode TimeIndex}: only blocks whose time range meets the window are
 * read, smallest timestamps first, stopping once the page is certain.
 *
 * @module
 */

import { readRange, splitLines } from "./jsonl_files.ts";
import type { WindowEntry } from "./memory_window.ts";
import type { ReadRequest } from "./query.ts";
import { parseRecordLine } from "./stored_line.ts";
import type { TimeIndex } from "./time_index.ts";

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
 * @param path the GPU's file
 * @param index its index, covering committed lines only
 * @param gpuId the GPU key
 * @param request the window, position, and limit
 * @returns at most `request.limit` entries, sorted by `(ts, seq)`, and how
 *   many blocks were read
 */
export async function readFromFile(
  path: string,
  index: TimeIndex,
  gpuId: string,
  request: ReadRequest,
): Promise<{ entries: WindowEntry[]; blocks: number }> {
  const matches = entryMatcher(gpuId, request);
  const startMs = Math.max(request.startMs, request.after?.ts ?? -Infinity);
  const blocks = index.candidates({ startMs, endMs: request.endMs, maxSeq: request.maxSeq });
  let found: WindowEntry[] = [];
  let read = 0;
  for (const block of blocks) {
    const kth = found[request.limit - 1];
    if (kth !== undefined && block.minTs > kth.ts) break;
    const bytes = await readRange(path, block.offset, block.bytes);
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
