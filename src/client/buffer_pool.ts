/**
 * Reusable batch buffers for a publisher: a blob's buffer comes back once its
 * batch is confirmed, so steady publishing allocates (and page-faults in)
 * no new memory per batch.
 *
 * @module
 */

/** A stack of same-sized buffers. */
export class BufferPool {
  #free: Uint8Array[] = [];
  #size: number;
  #step: number;
  #maxBytes: number;

  /**
   * Creates an empty pool.
   * @param size bytes of each buffer (grows to the largest asked for)
   * @param maxBytes most bytes of free buffers kept
   */
  constructor(size: number, maxBytes: number) {
    this.#size = size;
    this.#step = size;
    this.#maxBytes = maxBytes;
  }

  /** Free buffers held. */
  get free(): number {
    return this.#free.length;
  }

  /** Bytes of the free buffers held. */
  get freeBytes(): number {
    return this.#free.length * this.#size;
  }

  /** A buffer of at least `minBytes` (a used one when the pool has it; not zeroed). */
  get(minBytes: number): Uint8Array {
    if (minBytes > this.#size) {
      // Grown to what is asked, in whole steps of the first size: doubling
      // would leave up to half of every buffer unused.
      this.#size = Math.ceil(minBytes / this.#step) * this.#step;
      this.#free = [];
    }
    return this.#free.pop() ?? new Uint8Array(this.#size);
  }

  /** Gives back the buffer under `bytes` (a view of it is enough); smaller ones are dropped. */
  release(bytes: Uint8Array): void {
    const full = (this.#free.length + 1) * this.#size > this.#maxBytes;
    if (bytes.buffer.byteLength !== this.#size || full) return;
    this.#free.push(new Uint8Array(bytes.buffer as ArrayBuffer));
  }
}
