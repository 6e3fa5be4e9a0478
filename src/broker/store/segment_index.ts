/**
 * A segment's index file, `<base>.idx`: one {@linkcode INDEX_ENTRY_BYTES}-byte
 * entry per record, so a read needs no scan. Pure encoding and decoding.
 *
 * @module
 */
import { RECORD_HEADER_BYTES } from "./record.ts";

/** Where one batch lies in a segment. */
export interface IndexEntry {
  /** Offset of the batch's first message. */
  baseOffset: number;
  /** Messages in the batch. */
  count: number;
  /** Position of the record header in the `.log` file. */
  position: number;
  /** Bytes of the batch blob. */
  blobLength: number;
  /** When the batch was appended, epoch ms. */
  appendedAt: number;
  /** The publisher's idempotence id (0: none) and batch number. */
  producerId: number;
  /** Producer's sequence of the batch. */
  sequence: number;
}

/** Bytes per index entry. */
export const INDEX_ENTRY_BYTES = 40;
const TWO_32 = 2 ** 32;

/** Offset after the last entry an index file names, checked or not (0 for none). */
export function indexedEnd(bytes: Uint8Array): number {
  const n = Math.floor(bytes.length / INDEX_ENTRY_BYTES);
  if (n === 0) return 0;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = (n - 1) * INDEX_ENTRY_BYTES;
  const base = v.getUint32(at) * TWO_32 + v.getUint32(at + 4);
  return base + v.getUint32(at + 8);
}

/** Encodes index entries. */
export function encodeIndex(entries: readonly IndexEntry[]): Uint8Array {
  const out = new Uint8Array(entries.length * INDEX_ENTRY_BYTES);
  const v = new DataView(out.buffer);
  entries.forEach((e, i) => {
    const at = i * INDEX_ENTRY_BYTES;
    v.setUint32(at, Math.floor(e.baseOffset / TWO_32));
    v.setUint32(at + 4, e.baseOffset >>> 0);
    v.setUint32(at + 8, e.count);
    v.setUint32(at + 12, e.position);
    v.setUint32(at + 16, e.blobLength);
    v.setUint32(at + 20, Math.floor(e.appendedAt / TWO_32));
    v.setUint32(at + 24, e.appendedAt >>> 0);
    v.setUint32(at + 28, Math.floor(e.producerId / TWO_32));
    v.setUint32(at + 32, e.producerId >>> 0);
    v.setUint32(at + 36, e.sequence);
  });
  return out;
}

/**
 * Decodes the longest consistent prefix of an index: contiguous offsets from
 * `base`, records back to back, every record inside a log of `logSize` bytes.
 */
export function decodeIndex(bytes: Uint8Array, base: number, logSize: number): IndexEntry[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: IndexEntry[] = [];
  let nextOffset = base;
  let nextPos = 0;
  for (let at = 0; at + INDEX_ENTRY_BYTES <= bytes.length; at += INDEX_ENTRY_BYTES) {
    const e: IndexEntry = {
      baseOffset: v.getUint32(at) * TWO_32 + v.getUint32(at + 4),
      count: v.getUint32(at + 8),
      position: v.getUint32(at + 12),
      blobLength: v.getUint32(at + 16),
      appendedAt: v.getUint32(at + 20) * TWO_32 + v.getUint32(at + 24),
      producerId: v.getUint32(at + 28) * TWO_32 + v.getUint32(at + 32),
      sequence: v.getUint32(at + 36),
    };
    const end = e.position + RECORD_HEADER_BYTES + e.blobLength;
    if (e.baseOffset !== nextOffset || e.position !== nextPos || e.count === 0 || end > logSize) {
      break;
    }
    out.push(e);
    nextOffset = e.baseOffset + e.count;
    nextPos = end;
  }
  return out;
}
