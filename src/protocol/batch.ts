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
  #view: DataView;
  #len = 0;
  #count = 0;

  /** @param initialBytes starting capacity in bytes */
  constructor(initialBytes = 64 * 1024) {
    this.#buf = new Uint8Array(initialBytes);
    this.#view = new DataView(this.#buf.buffer);
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
    const maxKey = key.length * 3;
    this.#ensure(6 + maxKey + payload.length);
    const keyAt = this.#len + 2;
    const { written } = encoder.encodeInto(key, this.#buf.subarray(keyAt, keyAt + maxKey));
    if (written > MAX_KEY_BYTES) {
      throw new RangeError(`message key of ${written} bytes exceeds ${MAX_KEY_BYTES}`);
    }
    this.#view.setUint16(this.#len, written);
    const lenAt = keyAt + written;
    this.#view.setUint32(lenAt, payload.length);
    this.#buf.set(payload, lenAt + 4);
    this.#len = lenAt + 4 + payload.length;
    this.#count++;
  }

  /** Returns a copy of the blob and empties the builder (its buffer is reused). */
  take(): Uint8Array {
    const blob = this.#buf.slice(0, this.#len);
    this.#len = 0;
    this.#count = 0;
    return blob;
  }

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
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
    let key: string;
    try {
      key = decoder.decode(blob.subarray(keyAt, keyAt + keyLen));
    } catch (cause) {
      throw new ProtocolError(`batch message ${i}: key is not valid UTF-8`, { cause });
    }
    out[i] = { key, payload: blob.subarray(payAt, payAt + payLen) };
  });
  if (end !== blob.length) {
    throw new ProtocolError(`batch: ${blob.length - end} bytes after message ${count - 1}`);
  }
  return out;
}

/**
 * Checks that a blob holds exactly `count` well-formed messages without
 * decoding keys or payloads: what the broker does before storing a batch.
 *
 * @throws {ProtocolError} when it does not
 */
export function validateBatch(blob: Uint8Array, count: number): void {
  const end = walkBatch(blob, count, 0, count, () => {});
  if (end !== blob.length) {
    throw new ProtocolError(`batch: ${blob.length - end} bytes after message ${count - 1}`);
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

type Visit = (i: number, keyAt: number, keyLen: number, payAt: number, payLen: number) => void;

/** Walks message headers `0..to` (of `count`), calling `visit` for each at index >= `from`. */
function walkBatch(
  blob: Uint8Array,
  count: number,
  from: number,
  to: number,
  visit: Visit,
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
