/**
 * The format of the collector's write-ahead journal: one entry per store
 * round, holding the partitions' next offsets and, per GPU file, the bytes
 * the round appends and the file offset they start at. A file offset makes
 * replay idempotent: a block that a file already holds is skipped. Pure: no
 * I/O.
 *
 * An entry is a 12-byte header (magic `GJL1`, body length, CRC-32 of the
 * body, all big-endian u32), then the body: a u32 length, a JSON
 * description `{"p":[[topic,group,partition,next],…],"f":[[file,offset,length],…]}`,
 * and the blocks' bytes in the order of `f`.
 *
 * @module
 */

import { crc32 } from "node:zlib";
import type { PartitionPosition } from "./checkpoint.ts";
import { isGpuFileName } from "./file_name.ts";

/** The first four bytes of every entry: `GJL1`. */
export const JOURNAL_MAGIC = 0x474a4c31;

/** Bytes of an entry's header. */
export const ENTRY_HEADER_BYTES = 12;

/** The largest entry body {@linkcode decodeJournal} accepts (a larger length is corruption). */
export const MAX_ENTRY_BODY_BYTES = 1 << 30;

/** Bytes one round appends to one GPU file. */
export interface JournalBlock {
  /** The GPU file's name. */
  name: string;
  /** The file's size before the append: where the bytes start. */
  offset: number;
  /** The bytes (whole lines). */
  bytes: Uint8Array;
}

/** One round: what it appended and how far each partition got. */
export interface JournalEntry {
  /** Each partition's next offset after the round. */
  positions: PartitionPosition[];
  /** The appends, at most one per file. */
  blocks: JournalBlock[];
}

/** A block to encode: its bytes given as parts to concatenate. */
export interface BlockParts {
  /** The GPU file's name. */
  name: string;
  /** The file's size before the append. */
  offset: number;
  /** The parts, appended in order. */
  parts: readonly Uint8Array[];
  /** Total bytes of `parts`. */
  size: number;
}

/** An encoded entry, and each block's bytes as a view into it. */
export interface EncodedEntry {
  /** The whole entry, header included. */
  bytes: Uint8Array;
  /** The bytes of each block, in the order given (views into `bytes`). */
  blocks: Uint8Array[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Encodes one round as a journal entry, copying each block's parts once.
 *
 * @param positions each partition's next offset after the round
 * @param blocks the appends, at most one per file
 */
export function encodeJournalEntry(
  positions: readonly PartitionPosition[],
  blocks: readonly BlockParts[],
): EncodedEntry {
  const meta = encoder.encode(JSON.stringify({
    p: positions.map((p) => [p.topic, p.group, p.partition, p.next]),
    f: blocks.map((b) => [b.name, b.offset, b.size]),
  }));
  let data = 0;
  for (const block of blocks) data += block.size;
  const bodyLength = 4 + meta.length + data;
  const bytes = new Uint8Array(ENTRY_HEADER_BYTES + bodyLength);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, JOURNAL_MAGIC);
  view.setUint32(4, bodyLength);
  view.setUint32(12, meta.length);
  bytes.set(meta, 16);
  let at = 16 + meta.length;
  const views: Uint8Array[] = [];
  for (const block of blocks) {
    const start = at;
    for (const part of block.parts) {
      bytes.set(part, at);
      at += part.length;
    }
    views.push(bytes.subarray(start, at));
  }
  view.setUint32(8, crc32(bytes.subarray(ENTRY_HEADER_BYTES)));
  return { bytes, blocks: views };
}

/** What {@linkcode decodeJournal} read. */
export interface DecodedJournal {
  /** The whole entries, in order. */
  entries: JournalEntry[];
  /** Bytes covered by them: everything after is a torn or corrupt tail. */
  validBytes: number;
  /** Why reading stopped before the end, when it did. */
  error?: string;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function parseMeta(bytes: Uint8Array): { p: unknown[][]; f: unknown[][] } | undefined {
  let meta: unknown;
  try {
    meta = JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
  const { p, f } = (meta ?? {}) as { p?: unknown; f?: unknown };
  if (!Array.isArray(p) || !Array.isArray(f)) return undefined;
  const okPosition = (e: unknown) =>
    Array.isArray(e) && e.length === 4 && typeof e[0] === "string" &&
    typeof e[1] === "string" && isCount(e[2]) && isCount(e[3]);
  const okFile = (e: unknown) =>
    Array.isArray(e) && e.length === 3 && typeof e[0] === "string" && isGpuFileName(e[0]) &&
    isCount(e[1]) && isCount(e[2]);
  return p.every(okPosition) && f.every(okFile) ? { p, f } : undefined;
}

/**
 * Reads the entries of a journal file's bytes, stopping at the first entry
 * that is incomplete or fails its checks (magic, length, CRC, description):
 * what a crash in the middle of an append leaves.
 *
 * @param bytes the file's bytes
 * @returns the whole entries and the bytes they cover
 */
export function decodeJournal(bytes: Uint8Array): DecodedJournal {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: JournalEntry[] = [];
  let at = 0;
  const stop = (error: string): DecodedJournal => ({ entries, validBytes: at, error });
  while (at < bytes.length) {
    if (bytes.length - at < ENTRY_HEADER_BYTES) return stop(`torn header at byte ${at}`);
    if (view.getUint32(at) !== JOURNAL_MAGIC) return stop(`bad magic at byte ${at}`);
    const bodyLength = view.getUint32(at + 4);
    if (bodyLength < 4 || bodyLength > MAX_ENTRY_BODY_BYTES) {
      return stop(`bad length at byte ${at}`);
    }
    const end = at + ENTRY_HEADER_BYTES + bodyLength;
    if (end > bytes.length) return stop(`torn entry at byte ${at}`);
    const body = bytes.subarray(at + ENTRY_HEADER_BYTES, end);
    if (crc32(body) !== view.getUint32(at + 8)) return stop(`bad CRC at byte ${at}`);
    const metaLength = view.getUint32(at + ENTRY_HEADER_BYTES);
    const meta = metaLength <= body.length - 4
      ? parseMeta(body.subarray(4, 4 + metaLength))
      : undefined;
    if (meta === undefined) return stop(`bad description at byte ${at}`);
    let data = 4 + metaLength;
    const blocks: JournalBlock[] = [];
    for (const [name, offset, length] of meta.f as [string, number, number][]) {
      blocks.push({ name, offset, bytes: body.subarray(data, data + length) });
      data += length;
    }
    if (data !== body.length) return stop(`block lengths do not match at byte ${at}`);
    const positions = (meta.p as [string, string, number, number][]).map((
      [topic, group, partition, next],
    ) => ({ topic, group, partition, next }));
    entries.push({ positions, blocks });
    at = end;
  }
  return { entries, validBytes: at };
}
