/**
 * The bytes of a collector's time index snapshot (`time_index.snap`): each
 * GPU file's sparse time index up to a size, with what identifies that
 * prefix of the file, and every GPU's metadata as the memory window held it.
 * Pure: no I/O.
 *
 * Layout: the 8-byte magic `GTIDX\x00\x00\x01`, the body's length (u32 BE)
 * and CRC32 (u32 BE), then the body: the JSON header's length (u32 BE), the
 * JSON header, zero padding to a multiple of 8, and four little-endian
 * float64 per block (lines, bytes, smallest and greatest timestamp), every
 * file's blocks in the header's file order.
 *
 * @module
 */

import { crc32 } from "node:zlib";
import type { GpuSnapshot } from "../query/gpu_state.ts";
import type { IndexBlock } from "../query/time_index.ts";

/** A block as the snapshot keeps it (`firstSeq` and `offset` follow from the ones before). */
export type SnapshotBlock = Pick<IndexBlock, "count" | "bytes" | "minTs" | "maxTs">;

/** One GPU file's index as of a size. */
export interface SnapshotFile {
  /** File name inside the collector dir. */
  name: string;
  /** The file's device and inode when the snapshot was taken; 0 when it was not on disk yet. */
  dev: number;
  /** See `dev`. */
  ino: number;
  /** Bytes indexed: the prefix of the file the blocks cover. */
  size: number;
  /** Lines indexed. */
  lines: number;
  /** Of those, lines that were no record. */
  corrupt: number;
  /** CRC32 of the (at most) {@linkcode TAIL_CHECK_BYTES} bytes before `size`. */
  tailCrc: number;
  /** Its blocks, in file order. */
  blocks: SnapshotBlock[];
}

/** What a snapshot holds. */
export interface IndexSnapshot {
  /** Lines per block of the indexes. */
  every: number;
  /** Every GPU file, by name order. */
  files: SnapshotFile[];
  /** Every GPU's metadata and the file its records are in, in first-seen order. */
  gpus: { file: string; gpu: GpuSnapshot }[];
}

/** Bytes before a file's indexed size whose CRC32 the snapshot checks. */
export const TAIL_CHECK_BYTES = 4096;

const MAGIC = new Uint8Array([0x47, 0x54, 0x49, 0x44, 0x58, 0, 0, 1]); // "GTIDX" v1
const HEAD = MAGIC.length + 8;

/** Encodes a snapshot. */
export function encodeIndexSnapshot(snapshot: IndexSnapshot): Uint8Array {
  return assembleIndexSnapshot(snapshot, encodeSnapshotBlocks(snapshot.files));
}

/**
 * The blocks part of a snapshot: every file's blocks, in order. Taking a
 * snapshot of a live index encodes them at once, before they change.
 */
export function encodeSnapshotBlocks(
  files: readonly { blocks: readonly SnapshotBlock[] }[],
): Uint8Array {
  const count = files.reduce((n, f) => n + f.blocks.length, 0);
  const out = new Uint8Array(count * 32);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const file of files) {
    for (const block of file.blocks) {
      view.setFloat64(at, block.count, true);
      view.setFloat64(at + 8, block.bytes, true);
      view.setFloat64(at + 16, block.minTs, true);
      view.setFloat64(at + 24, block.maxTs, true);
      at += 32;
    }
  }
  return out;
}

/**
 * A snapshot from its header fields and its blocks part
 * ({@linkcode encodeSnapshotBlocks}); each file's `blocks` is its count of blocks.
 */
export function assembleIndexSnapshot(
  snapshot: Omit<IndexSnapshot, "files"> & {
    files: readonly (Omit<SnapshotFile, "blocks"> & { blocks: { length: number } })[];
  },
  blocks: Uint8Array,
): Uint8Array {
  const files = snapshot.files.map((file) => ({ ...file, blocks: file.blocks.length }));
  const json = new TextEncoder().encode(
    JSON.stringify({ every: snapshot.every, files, gpus: snapshot.gpus }),
  );
  const blocksAt = Math.ceil((4 + json.length) / 8) * 8;
  const body = new Uint8Array(blocksAt + blocks.length);
  new DataView(body.buffer).setUint32(0, json.length);
  body.set(json, 4);
  body.set(blocks, blocksAt);
  const out = new Uint8Array(HEAD + body.length);
  out.set(MAGIC);
  const head = new DataView(out.buffer);
  head.setUint32(MAGIC.length, body.length);
  head.setUint32(MAGIC.length + 4, crc32(body));
  out.set(body, HEAD);
  return out;
}

/**
 * Decodes a snapshot.
 *
 * @throws {RangeError} saying what is wrong when the bytes are not a whole,
 *   intact snapshot of this version
 */
export function decodeIndexSnapshot(bytes: Uint8Array): IndexSnapshot {
  if (bytes.length < HEAD || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new RangeError("not a time index snapshot of this version");
  }
  const head = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const length = head.getUint32(MAGIC.length);
  if (HEAD + length !== bytes.length) {
    throw new RangeError(`${bytes.length - HEAD} body bytes, the header says ${length}`);
  }
  const body = bytes.subarray(HEAD);
  if (crc32(body) !== head.getUint32(MAGIC.length + 4)) throw new RangeError("bad CRC");
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  const jsonLength = view.getUint32(0);
  const header = JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + jsonLength)));
  const blocksAt = Math.ceil((4 + jsonLength) / 8) * 8;
  let at = blocksAt;
  const files: SnapshotFile[] = [];
  for (const { blocks: count, ...file } of checkHeader(header).files) {
    if (blocksAt + count * 32 > body.length) throw new RangeError("blocks past the end");
    const blocks: SnapshotBlock[] = [];
    for (let i = 0; i < count; i++, at += 32) {
      blocks.push({
        count: view.getFloat64(at, true),
        bytes: view.getFloat64(at + 8, true),
        minTs: view.getFloat64(at + 16, true),
        maxTs: view.getFloat64(at + 24, true),
      });
    }
    files.push({ ...file, blocks });
  }
  if (at !== body.length) throw new RangeError(`${body.length - at} bytes after the blocks`);
  return { every: header.every, files, gpus: header.gpus };
}

type Header = { every: number; files: (Omit<SnapshotFile, "blocks"> & { blocks: number })[] };

const isCount = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;

// Checks the header's shape where decoding depends on it: counts and names.
function checkHeader(header: unknown): Header {
  const h = header as Header & { gpus: unknown };
  const fine = typeof h === "object" && h !== null && isCount(h.every) && h.every >= 1 &&
    Array.isArray(h.files) && Array.isArray(h.gpus) &&
    h.files.every((f) =>
      typeof f?.name === "string" && isCount(f.blocks) && isCount(f.size) && isCount(f.lines) &&
      isCount(f.corrupt) && isCount(f.tailCrc) && typeof f.dev === "number" &&
      typeof f.ino === "number"
    ) &&
    (h.gpus as { file: unknown; gpu: GpuSnapshot }[]).every((g) =>
      typeof g?.file === "string" && typeof g.gpu?.info?.id === "string" &&
      typeof g.gpu.firstTs === "number" && typeof g.gpu.lastTs === "number" &&
      Array.isArray(g.gpu.latest)
    );
  if (!fine) throw new RangeError("malformed header");
  return h;
}
