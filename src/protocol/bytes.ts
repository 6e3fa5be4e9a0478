/**
 * Bounds-checked big-endian reader and a growable writer: the primitives of
 * the frame bodies. Private to the protocol module.
 *
 * @module
 */
import { ProtocolError } from "./errors.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const TWO_32 = 2 ** 32;

/** Reads big-endian fields from a frame body, throwing ProtocolError past its end. */
export class BodyReader {
  #view: DataView;
  #bytes: Uint8Array;
  #pos = 0;
  #what: string;

  /**
   * Creates a reader over `bytes`; `what` names the frame in errors.
   * @param bytes the frame body
   * @param what the frame's name, for error messages
   */
  constructor(bytes: Uint8Array, what: string) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#what = what;
  }

  #need(n: number, field: string): number {
    const at = this.#pos;
    if (at + n > this.#bytes.length) {
      throw new ProtocolError(
        `${this.#what}: body truncated reading ${field} (need ${n} bytes at ${at}, body has ${this.#bytes.length})`,
      );
    }
    this.#pos += n;
    return at;
  }

  /** Reads an unsigned 8-bit integer. */
  u8(field: string): number {
    return this.#view.getUint8(this.#need(1, field));
  }

  /** Reads an unsigned 16-bit integer. */
  u16(field: string): number {
    return this.#view.getUint16(this.#need(2, field));
  }

  /** Reads an unsigned 32-bit integer. */
  u32(field: string): number {
    return this.#view.getUint32(this.#need(4, field));
  }

  /** Reads an unsigned 64-bit integer that must fit in a safe JS integer. */
  u64(field: string): number {
    const at = this.#need(8, field);
    const hi = this.#view.getUint32(at);
    const lo = this.#view.getUint32(at + 4);
    if (hi >= 2 ** 21) throw new ProtocolError(`${this.#what}: ${field} exceeds 2^53`);
    return hi * TWO_32 + lo;
  }

  /** Reads a u16-length-prefixed UTF-8 string. */
  str(field: string): string {
    const len = this.u16(field);
    const at = this.#need(len, field);
    try {
      return decoder.decode(this.#bytes.subarray(at, at + len));
    } catch (cause) {
      throw new ProtocolError(`${this.#what}: ${field} is not valid UTF-8`, { cause });
    }
  }

  /** Returns the remaining bytes (a view, not a copy). */
  rest(): Uint8Array {
    const at = this.#pos;
    this.#pos = this.#bytes.length;
    return this.#bytes.subarray(at);
  }

  /** Throws when unread bytes remain: a body must be consumed exactly. */
  end(): void {
    if (this.#pos !== this.#bytes.length) {
      throw new ProtocolError(
        `${this.#what}: ${this.#bytes.length - this.#pos} unexpected trailing bytes`,
      );
    }
  }
}

/** Builds a frame: reserves the 5-byte header, then appends big-endian fields. */
export class FrameWriter {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 5;

  /**
   * Starts a frame of `type`.
   * @param type the frame type byte
   * @param sizeHint expected body size, to avoid regrowth
   */
  constructor(type: number, sizeHint = 64) {
    this.#buf = new Uint8Array(5 + sizeHint);
    this.#view = new DataView(this.#buf.buffer);
    this.#buf[4] = type;
  }

  #room(n: number): number {
    if (this.#pos + n > this.#buf.length) {
      const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#pos + n));
      next.set(this.#buf.subarray(0, this.#pos));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  /** Appends an unsigned 8-bit integer. */
  u8(v: number): this {
    const at = this.#room(1); // may replace #view: take the offset first
    this.#view.setUint8(at, v);
    return this;
  }

  /** Appends an unsigned 16-bit integer. */
  u16(v: number): this {
    const at = this.#room(2); // may replace #view: take the offset first
    this.#view.setUint16(at, v);
    return this;
  }

  /** Appends an unsigned 32-bit integer. */
  u32(v: number): this {
    const at = this.#room(4); // may replace #view: take the offset first
    this.#view.setUint32(at, v);
    return this;
  }

  /** Appends an unsigned 64-bit integer (a safe JS integer). */
  u64(v: number): this {
    const at = this.#room(8);
    this.#view.setUint32(at, Math.floor(v / TWO_32));
    this.#view.setUint32(at + 4, v >>> 0);
    return this;
  }

  /**
   * Appends a u16-length-prefixed UTF-8 string.
   *
   * @throws {RangeError} when the string encodes to more than 65,535 bytes
   */
  str(s: string): this {
    const b = encoder.encode(s);
    if (b.length > 0xffff) throw new RangeError(`string of ${b.length} bytes exceeds 65535`);
    this.u16(b.length);
    const at = this.#room(b.length); // may reallocate #buf: take the offset first
    this.#buf.set(b, at);
    return this;
  }

  /** Appends raw bytes. */
  bytes(b: Uint8Array): this {
    const at = this.#room(b.length); // may reallocate #buf: take the offset first
    this.#buf.set(b, at);
    return this;
  }

  /** Writes the length prefix and returns the finished frame. */
  finish(): Uint8Array {
    this.#view.setUint32(0, this.#pos - 4);
    return this.#buf.subarray(0, this.#pos);
  }
}
