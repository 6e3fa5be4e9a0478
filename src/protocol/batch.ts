/**
 * Message batches: the unit of transfer, storage and acknowledgment. A batch
 * is a blob of `count` messages, each `u16 keyLength, key (UTF-8), u32
 * payloadLength, payload`. The broker stores and forwards blobs as they are and
 * never looks inside a payload.
 *
 * @module
 */
import { ProtocolError } from "./errors.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Longest key in UTF-8 bytes. */
export const MAX_KEY_BYTES = 0xffff;
/** Encoded keys a builder remembers before it starts over. */
const KEY_CACHE_SIZE = 4096;

/** One message of a batch. `payload` is a view into the batch blob. */
export interface BatchMessage {
  /** The routing key (for telemetry, the GPU). */
  key: string;
  /** The opaque payload. */
  payload: Uint8Array;
}

/**
 * Accumulates messages into one batch blob without per-message allocations
 * beyond the key's encoding.
 *
 * @example
 * ```ts
 * const b = new BatchBuilder();
 * b.add("GPU-1", new TextEncoder().encode("{}"));
 * const blob = b.take(); // b.count was 1; the builder is empty again
 * ```
 */
export class BatchBuilder {
  #buf: Uint8Array;
  #len = 0;
  #count = 0;
  #initial: number;
  /** Encoded keys: telemetry keys (GPUs) repeat in every batch. */
  #keys = new Map<string, Uint8Array>();

  #allocate: (minBytes: number) => Uint8Array;

  /**
   * Creates an empty builder.
   * @param initialBytes starting capacity in bytes
   * @param allocate where buffers come from (a pool; they need not be zeroed)
   */
  constructor(
    initialBytes = 64 * 1024,
    allocate: (minBytes: number) => Uint8Array = (n) => new Uint8Array(n),
  ) {
    this.#initial = initialBytes;
    this.#allocate = allocate;
    this.#buf = allocate(initialBytes);
  }

  /** Messages added since the last {@linkcode take}. */
  get count(): number {
    return this.#count;
  }

  /** Bytes of the blob so far. */
  get bytes(): number {
    return this.#len;
  }

  /**
   * Appends a message.
   *
   * @throws {RangeError} when the key is longer than 65,535 UTF-8 bytes
   */
  add(key: string, payload: Uint8Array): void {
    let k = this.#keys.get(key);
    if (!k) {
      k = encodeKey(key);
      if (this.#keys.size >= KEY_CACHE_SIZE) this.#keys.clear();
      this.#keys.set(key, k);
    }
    this.addEncoded(k, payload);
  }

  /**
   * Appends a message whose key was encoded by {@linkcode encodeKey} (callers
   * that route by key can cache it once per key).
   */
  addEncoded(encodedKey: Uint8Array, payload: Uint8Array): void {
    const n = payload.length;
    this.#ensure(encodedKey.length + 4 + n);
    const buf = this.#buf;
    const lenAt = this.#len + encodedKey.length;
    buf.set(encodedKey, this.#len);
    buf[lenAt] = n >>> 24;
    buf[lenAt + 1] = n >>> 16;
    buf[lenAt + 2] = n >>> 8;
    buf[lenAt + 3] = n;
    buf.set(payload, lenAt + 4);
    this.#len = lenAt + 4 + n;
    this.#count++;
  }

  /**
   * Returns the blob and empties the builder. The blob is handed over, not
   * copied: the builder starts a new buffer of the same capacity.
   */
  take(): Uint8Array {
    const blob = this.#buf.subarray(0, this.#len);
    // The next batch is likely as large: start with room for it and a quarter more.
    this.#buf = this.#allocate(Math.max(this.#initial, this.#len + (this.#len >> 2)));
    this.#len = 0;
    this.#count = 0;
    return blob;
  }

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = this.#allocate(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }
}

/**
 * A message key as it goes into a batch: its u16 length, then its UTF-8 bytes.
 *
 * @throws {RangeError} when the key is longer than 65,535 UTF-8 bytes
 */
export function encodeKey(key: string): Uint8Array {
  const k = encoder.encode(key);
  if (k.length > MAX_KEY_BYTES) {
    throw new RangeError(`message key of ${k.length} bytes exceeds ${MAX_KEY_BYTES}`);
  }
  const out = new Uint8Array(2 + k.length);
  out[0] = k.length >>> 8;
  out[1] = k.length;
  out.set(k, 2);
  return out;
}

/**
 * Decodes every message of a blob.
 *
 * @param blob the batch bytes
 * @param count how many messages the blob must hold
 * @throws {ProtocolError} when the blob does not hold exactly `count` well-formed messages
 */
export function decodeBatch(blob: Uint8Array, count: number): BatchMessage[] {
  const out: BatchMessage[] = new Array(count);
  const end = walkBatch(blob, count, 0, count, (i, keyAt, keyLen, payAt, payLen) => {
    out[i] = {
      key: decodeKey(blob, keyAt, keyLen, i),
      payload: blob.subarray(payAt, payAt + payLen),
    };
  });
  if (end !== blob.length) {
    throw new ProtocolError(`batch: ${blob.length - end} bytes after message ${count - 1}`);
  }
  return out;
}

/** Decodes a key; short ASCII keys (the usual GPU UUID) skip the TextDecoder call. */
function decodeKey(blob: Uint8Array, at: number, len: number, i: number): string {
  if (len <= 64) {
    let ascii = true;
    for (let j = at; j < at + len; j++) {
      if (blob[j] > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return String.fromCharCode.apply(null, blob.subarray(at, at + len) as unknown as number[]);
    }
  }
  try {
    return decoder.decode(blob.subarray(at, at + len));
  } catch (cause) {
    throw new ProtocolError(`batch message ${i}: key is not valid UTF-8`, { cause });
  }
}

/**
 * Checks that a blob holds exactly `count` well-formed messages without
 * decoding keys or payloads: what the broker does before storing a batch.
 *
 * @throws {ProtocolError} when it does not
 */
export function validateBatch(blob: Uint8Array, count: number): void {
  // walkBatch without the visits: on every batch the broker stores and every
  // delivery a subscriber takes, so it reads the lengths byte by byte.
  const size = blob.length;
  let pos = 0;
  for (let i = 0; i < count; i++) {
    if (pos + 2 > size) throw truncated(i, count);
    const lenAt = pos + 2 + ((blob[pos] << 8) | blob[pos + 1]);
    if (lenAt + 4 > size) throw truncated(i, count);
    const payLen = blob[lenAt] * 0x1000000 +
      ((blob[lenAt + 1] << 16) | (blob[lenAt + 2] << 8) | blob[lenAt + 3]);
    pos = lenAt + 4 + payLen;
    if (pos > size) throw truncated(i, count);
  }
  if (pos !== size) {
    throw new ProtocolError(`batch: ${size - pos} bytes after message ${count - 1}`);
  }
}

/**
 * Copies messages `[from, to)` of a blob into a new blob (for dead letters
 * and partial redelivery). Keys and payloads are not decoded.
 *
 * @throws {ProtocolError} when the blob is malformed
 * @throws {RangeError} when the range is outside `0..count`
 */
export function sliceBatch(blob: Uint8Array, count: number, from: number, to: number): Uint8Array {
  if (!(0 <= from && from <= to && to <= count)) {
    throw new RangeError(`sliceBatch: range [${from}, ${to}) outside 0..${count}`);
  }
  let start = -1;
  const end = walkBatch(blob, count, 0, to, (i, keyAt) => {
    if (i === from) start = keyAt - 2;
  });
  return start < 0 ? new Uint8Array(0) : blob.slice(start, end);
}

/** What {@linkcode walkBatch} reports per message: its index and where its key and payload lie. */
export type BatchVisit = (
  i: number,
  keyAt: number,
  keyLen: number,
  payAt: number,
  payLen: number,
) => void;

/**
 * Walks message headers `0..to` (of `count`) without decoding or allocating,
 * calling `visit` for each at index >= `from`. Returns where message `to`
 * would start.
 *
 * @throws {ProtocolError} when a message runs past the end of the blob
 */
export function walkBatch(
  blob: Uint8Array,
  count: number,
  from: number,
  to: number,
  visit: BatchVisit,
): number {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  let pos = 0;
  for (let i = 0; i < to; i++) {
    if (pos + 2 > blob.length) throw truncated(i, count);
    const keyLen = view.getUint16(pos);
    const keyAt = pos + 2;
    if (keyAt + keyLen + 4 > blob.length) throw truncated(i, count);
    const payLen = view.getUint32(keyAt + keyLen);
    const payAt = keyAt + keyLen + 4;
    if (payAt + payLen > blob.length) throw truncated(i, count);
    if (i >= from) visit(i, keyAt, keyLen, payAt, payLen);
    pos = payAt + payLen;
  }
  return pos;
}

function truncated(i: number, count: number): ProtocolError {
  return new ProtocolError(`batch: message ${i} of ${count} runs past the end of the blob`);
}
