/**
 * The in-memory log of one partition: an ordered run of stored batches with
 * consecutive offsets. Pure: no I/O, the caller supplies the time.
 *
 * @module
 */

/** A batch as the log holds it: an opaque blob of `count` messages. */
export interface StoredBatch {
  /** Offset of the batch's first message. */
  readonly baseOffset: number;
  /** Messages in the blob. */
  readonly count: number;
  /** The encoded messages, exactly as published. */
  readonly blob: Uint8Array;
  /** When the batch was appended, in epoch ms. */
  readonly appendedAt: number;
}

/** What a trim removed. */
export interface TrimResult {
  batches: number;
  messages: number;
  bytes: number;
}

/**
 * Batches of one partition, addressable by message offset.
 *
 * @example
 * ```ts
 * const log = new PartitionLog();
 * const b = log.append(blob, 500, Date.now()); // b.baseOffset === 0
 * log.batchAt(123) === b; // true
 * ```
 */
export class PartitionLog {
  #batches: StoredBatch[] = [];
  #head = 0; // index of the first live batch in #batches
  #start: number;
  #end: number;
  #bytes = 0;

  /** @param startOffset offset of the first message this log will hold */
  constructor(startOffset = 0) {
    this.#start = startOffset;
    this.#end = startOffset;
  }

  /** Offset of the oldest retained message. */
  get startOffset(): number {
    return this.#start;
  }

  /** Offset the next appended message will get. */
  get endOffset(): number {
    return this.#end;
  }

  /** Blob bytes retained. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Batches retained. */
  get batchCount(): number {
    return this.#batches.length - this.#head;
  }

  /**
   * Appends a batch and returns it with its base offset.
   *
   * @throws {RangeError} when count is not a positive integer
   */
  append(blob: Uint8Array, count: number, now: number): StoredBatch {
    if (!Number.isInteger(count) || count < 1) {
      throw new RangeError(`append: count must be an integer >= 1, got ${count}`);
    }
    const batch: StoredBatch = { baseOffset: this.#end, count, blob, appendedAt: now };
    this.#batches.push(batch);
    this.#end += count;
    this.#bytes += blob.length;
    return batch;
  }

  /** The batch holding `offset`, or undefined when it is not retained. */
  batchAt(offset: number): StoredBatch | undefined {
    if (offset < this.#start || offset >= this.#end) return undefined;
    let lo = this.#head;
    let hi = this.#batches.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.#batches[mid].baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.#batches[lo];
  }

  /** The oldest retained batch, if any. */
  oldest(): StoredBatch | undefined {
    return this.#batches[this.#head];
  }

  /** Drops every batch that ends at or before `offset`. */
  trimBefore(offset: number): TrimResult {
    const result: TrimResult = { batches: 0, messages: 0, bytes: 0 };
    while (this.#head < this.#batches.length) {
      const b = this.#batches[this.#head];
      if (b.baseOffset + b.count > offset) break;
      result.batches++;
      result.messages += b.count;
      result.bytes += b.blob.length;
      this.#head++;
    }
    if (result.batches === 0) return result;
    this.#bytes -= result.bytes;
    this.#start = this.#head < this.#batches.length
      ? this.#batches[this.#head].baseOffset
      : this.#end;
    if (this.#head > 1024 && this.#head * 2 > this.#batches.length) {
      this.#batches = this.#batches.slice(this.#head);
      this.#head = 0;
    }
    return result;
  }
}
