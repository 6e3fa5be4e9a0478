/**
 * Frame layer of wire protocol v1: a 4-byte big-endian length `L`, then `L`
 * bytes holding a 1-byte type and the body. {@linkcode FrameDecoder} is a pure
 * state machine fed bytes in arbitrary chunks; it does no I/O.
 *
 * @module
 */
import { FrameTooLargeError, ProtocolError } from "./errors.ts";

/** Protocol version spoken by this build. */
export const PROTOCOL_VERSION = 1;

/** Default upper bound on `L`, the bytes after the length prefix: 16 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** Frame type bytes. */
export const FrameType = {
  HELLO: 0x01,
  HELLO_OK: 0x02,
  ERROR: 0x03,
  PING: 0x04,
  PONG: 0x05,
  METADATA: 0x10,
  METADATA_OK: 0x11,
  PUBLISH: 0x12,
  PUBLISH_OK: 0x13,
  SUBSCRIBE: 0x20,
  SUBSCRIBE_OK: 0x21,
  ASSIGN: 0x22,
  DELIVER: 0x23,
  ACK: 0x24,
  NACK: 0x25,
} as const;

/** One of the {@linkcode FrameType} values. */
export type FrameType = typeof FrameType[keyof typeof FrameType];

const KNOWN_TYPES = new Set<number>(Object.values(FrameType));
const TYPE_NAMES = new Map<number, string>(Object.entries(FrameType).map(([n, v]) => [v, n]));

/** Name of a frame type for messages ("PUBLISH"), or its hex value when unknown. */
export function frameTypeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `0x${type.toString(16).padStart(2, "0")}`;
}

/** A frame split into its type and body. The body is a view; copy it to keep it past reuse. */
export interface RawFrame {
  /** The type byte. */
  type: FrameType;
  /** The bytes after the type byte. */
  body: Uint8Array;
}

/** Options for {@linkcode FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest accepted `L` (type byte + body) in bytes. @default {DEFAULT_MAX_FRAME_BYTES} */
  maxFrameBytes?: number;
}

/**
 * Reassembles frames from bytes that arrive in chunks of any size.
 *
 * Frames wholly inside one chunk are returned as views of that chunk (no
 * copy); a frame spanning chunks is copied into a buffer of its own (see
 * {@linkcode FrameDecoder.pendingSpace} to read the rest into it directly).
 * After an error the decoder is poisoned: the connection must be closed.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder();
 * for (const frame of decoder.push(chunk)) handle(frame);
 * ```
 */
export class FrameDecoder {
  #max: number;
  #pending: Uint8Array | null = null; // partial frame (or partial prefix)
  #pendingLen = 0; // bytes of #pending filled
  #need = 0; // total bytes the pending frame needs, incl. prefix (0 = prefix unknown)
  #failed: Error | null = null;

  /**
   * Creates a decoder with an empty buffer.
   * @throws {RangeError} when maxFrameBytes is not an integer in 1..2^31
   */
  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max < 1 || max > 2 ** 31) {
      throw new RangeError(`maxFrameBytes must be an integer in 1..2^31, got ${max}`);
    }
    this.#max = max;
  }

  /** Bytes held for an incomplete frame. */
  get buffered(): number {
    return this.#pendingLen;
  }

  /**
   * Where the rest of an incomplete frame goes, once its length is known:
   * a caller may read from the connection straight into it and then call
   * {@linkcode commitPending}, instead of reading into a chunk for
   * {@linkcode push} (which copies). Null when no frame is pending.
   */
  pendingSpace(): Uint8Array | null {
    if (!this.#pending || this.#need === 0 || this.#failed) return null;
    return this.#pending.subarray(this.#pendingLen, this.#need);
  }

  /**
   * Records `n` bytes written into {@linkcode pendingSpace}; returns the
   * frame once it is complete.
   *
   * @throws {RangeError} when `n` is more than the space offered
   */
  commitPending(n: number): RawFrame[] {
    if (this.#failed) throw this.#failed;
    const space = this.pendingSpace()?.length ?? 0;
    if (!Number.isInteger(n) || n < 0 || n > space) {
      throw new RangeError(`commitPending(${n}): ${space} bytes are pending`);
    }
    this.#pendingLen += n;
    if (this.#pendingLen < this.#need) return [];
    try {
      return [this.#completePending()];
    } catch (err) {
      this.#failed = err as Error;
      throw err;
    }
  }

  /**
   * Feeds a chunk and returns every frame it completes, in order.
   *
   * @throws {FrameTooLargeError} when a length prefix exceeds the limit
   * @throws {ProtocolError} on a zero length or an unknown frame type
   */
  push(chunk: Uint8Array): RawFrame[] {
    if (this.#failed) throw this.#failed;
    try {
      return this.#push(chunk);
    } catch (err) {
      this.#failed = err as Error;
      throw err;
    }
  }

  #push(chunk: Uint8Array): RawFrame[] {
    const out: RawFrame[] = [];
    let pos = 0;
    if (this.#pending) {
      pos = this.#fillPending(chunk, out);
      if (this.#pending) return out;
    }
    while (pos < chunk.length) {
      const left = chunk.length - pos;
      if (left < 4) {
        this.#startPending(chunk.subarray(pos), 0);
        return out;
      }
      const len = readU32(chunk, pos);
      this.#checkLength(len);
      if (left >= 4 + len) {
        out.push(toFrame(chunk.subarray(pos + 4, pos + 4 + len)));
        pos += 4 + len;
      } else {
        this.#startPending(chunk.subarray(pos), 4 + len);
        return out;
      }
    }
    return out;
  }

  #checkLength(len: number): void {
    if (len === 0) throw new ProtocolError("frame length 0: a frame needs at least a type byte");
    if (len > this.#max) throw new FrameTooLargeError(len, this.#max);
  }

  #startPending(bytes: Uint8Array, need: number): void {
    this.#pending = new Uint8Array(need === 0 ? 4 : need);
    this.#pending.set(bytes);
    this.#pendingLen = bytes.length;
    this.#need = need;
  }

  /** Completes the pending frame from `chunk`; returns how many bytes were used. */
  #fillPending(chunk: Uint8Array, out: RawFrame[]): number {
    let pos = 0;
    if (this.#need === 0) {
      const take = Math.min(4 - this.#pendingLen, chunk.length);
      this.#pending!.set(chunk.subarray(0, take), this.#pendingLen);
      this.#pendingLen += take;
      pos = take;
      if (this.#pendingLen < 4) return pos;
      const len = readU32(this.#pending!, 0);
      this.#checkLength(len);
      const grown = new Uint8Array(4 + len);
      grown.set(this.#pending!.subarray(0, 4));
      this.#pending = grown;
      this.#need = 4 + len;
    }
    const take = Math.min(this.#need - this.#pendingLen, chunk.length - pos);
    this.#pending!.set(chunk.subarray(pos, pos + take), this.#pendingLen);
    this.#pendingLen += take;
    pos += take;
    if (this.#pendingLen === this.#need) out.push(this.#completePending());
    return pos;
  }

  #completePending(): RawFrame {
    const frame = toFrame(this.#pending!.subarray(4));
    this.#pending = null;
    this.#pendingLen = 0;
    this.#need = 0;
    return frame;
  }
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];
}

function toFrame(bytes: Uint8Array): RawFrame {
  const type = bytes[0];
  if (!KNOWN_TYPES.has(type)) throw new ProtocolError(`unknown frame type ${frameTypeName(type)}`);
  return { type: type as FrameType, body: bytes.subarray(1) };
}
