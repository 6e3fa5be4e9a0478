/**
 * On-disk batch records of the segment log. Pure: bytes in, values out.
 *
 * A record is a 32-byte header followed by the batch blob exactly as it was
 * published:
 *
 * | at | field | |
 * | --- | --- | --- |
 * | 0 | u32 magic `GPTB` | |
 * | 4 | u32 CRC-32 | of bytes 8 .. end of blob |
 * | 8 | u32 blob length | |
 * | 12 | u64 base offset | offset of the batch's first message |
 * | 20 | u32 count | messages in the blob |
 * | 24 | u64 appended at | epoch ms |
 * | 32 | u64 producer id | 0 when not idempotent |
 * | 40 | u32 sequence | the producer's batch number in this partition |
 * | 44 | blob | |
 *
 * @module
 */
import { crc32 } from "node:zlib";

/** `GPTB`: marks the start of every record. */
export const RECORD_MAGIC = 0x47505442;
/** Header bytes before the blob. */
export const RECORD_HEADER_BYTES = 44;
/** Largest blob a record may hold (a frame cannot carry more). */
export const MAX_RECORD_BLOB = 64 * 1024 * 1024;
const TWO_32 = 2 ** 32;

/** A record's header fields. */
export interface RecordHeader {
  /** Offset of the batch's first message. */
  baseOffset: number;
  /** Messages in the batch. */
  count: number;
  /** Bytes of the batch blob. */
  blobLength: number;
  /** When the batch was appended, epoch ms. */
  appendedAt: number;
  /** Idempotent producer id; 0 for none. */
  producerId: number;
  /** Producer's sequence of the batch. */
  sequence: number;
}

/** Encodes a record: header and blob in one buffer. */
export function encodeRecord(h: Omit<RecordHeader, "blobLength">, blob: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + blob.length);
  out.set(encodeRecordHeader(h, blob));
  out.set(blob, RECORD_HEADER_BYTES);
  return out;
}

/**
 * Encodes the header of a record for `blob`, CRC included, so the header and
 * the blob can be written one after the other without copying the blob.
 */
export function encodeRecordHeader(
  h: Omit<RecordHeader, "blobLength">,
  blob: Uint8Array,
): Uint8Array {
  const head = new Uint8Array(RECORD_HEADER_BYTES);
  const v = new DataView(head.buffer);
  v.setUint32(0, RECORD_MAGIC);
  v.setUint32(8, blob.length);
  setU64(v, 12, h.baseOffset);
  v.setUint32(20, h.count);
  setU64(v, 24, h.appendedAt);
  setU64(v, 32, h.producerId);
  v.setUint32(40, h.sequence);
  v.setUint32(4, crc32(blob, crc32(head.subarray(8))));
  return head;
}

/**
 * Reads a header at `at` without checking the CRC. Returns undefined when
 * the bytes there cannot start a record (wrong magic, impossible length).
 */
export function readHeader(bytes: Uint8Array, at = 0): RecordHeader | undefined {
  if (at + RECORD_HEADER_BYTES > bytes.length) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset + at, RECORD_HEADER_BYTES);
  if (v.getUint32(0) !== RECORD_MAGIC) return undefined;
  const blobLength = v.getUint32(8);
  const count = v.getUint32(20);
  if (blobLength > MAX_RECORD_BLOB || count === 0 || count > blobLength / 6) return undefined;
  const hi = v.getUint32(12);
  if (hi >= 2 ** 21) return undefined;
  return {
    blobLength,
    baseOffset: hi * TWO_32 + v.getUint32(16),
    count,
    appendedAt: getU64(v, 24),
    producerId: getU64(v, 32),
    sequence: v.getUint32(40),
  };
}

/** Whether the whole record at `at` (header and blob) is present and its CRC matches. */
export function recordIsValid(bytes: Uint8Array, at = 0): boolean {
  const h = readHeader(bytes, at);
  if (!h) return false;
  const end = at + RECORD_HEADER_BYTES + h.blobLength;
  if (end > bytes.length) return false;
  const stored = new DataView(bytes.buffer, bytes.byteOffset + at + 4, 4).getUint32(0);
  return crc32(bytes.subarray(at + 8, end)) === stored;
}

/** A valid record found by {@linkcode scanRecords}. */
export interface ScannedRecord extends RecordHeader {
  /** Position of the record's header in the scanned bytes. */
  position: number;
}

/** What {@linkcode scanRecords} found. */
export interface ScanResult {
  /** Records read intact. */
  records: ScannedRecord[];
  /** Position just past the last valid record: bytes from here on are garbage or torn. */
  validEnd: number;
  /** Ranges skipped between valid records: corruption in the middle. */
  skipped: { from: number; to: number }[];
}

/**
 * Finds every valid record in `bytes`, in order. After a corrupt stretch it
 * resynchronises at the next position holding a valid record whose base
 * offset continues the sequence, so one damaged record costs only itself.
 *
 * @param expectBase base offset the first record should have, if known
 */
export function scanRecords(bytes: Uint8Array, expectBase?: number): ScanResult {
  const records: ScannedRecord[] = [];
  const skipped: { from: number; to: number }[] = [];
  let pos = 0;
  let validEnd = 0;
  let next = expectBase;
  while (pos + RECORD_HEADER_BYTES <= bytes.length) {
    const h = recordIsValid(bytes, pos) ? readHeader(bytes, pos)! : undefined;
    if (h && (next === undefined || h.baseOffset >= next)) {
      if (pos > validEnd) skipped.push({ from: validEnd, to: pos });
      records.push({ ...h, position: pos });
      pos += RECORD_HEADER_BYTES + h.blobLength;
      validEnd = pos;
      next = h.baseOffset + h.count;
      continue;
    }
    const found = findMagic(bytes, pos + 1);
    if (found < 0) break;
    pos = found;
  }
  return { records, validEnd, skipped };
}

function findMagic(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 4 <= bytes.length; i++) {
    if (
      bytes[i] === 0x47 && bytes[i + 1] === 0x50 && bytes[i + 2] === 0x54 && bytes[i + 3] === 0x42
    ) return i;
  }
  return -1;
}

function setU64(v: DataView, at: number, n: number): void {
  v.setUint32(at, Math.floor(n / TWO_32));
  v.setUint32(at + 4, n >>> 0);
}

function getU64(v: DataView, at: number): number {
  return v.getUint32(at) * TWO_32 + v.getUint32(at + 4);
}
