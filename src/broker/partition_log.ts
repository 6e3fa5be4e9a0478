/**
 * The index of one partition: an ordered run of stored batches, each with
 * its blob cached in memory, its place on disk, or both. Pure: no I/O, the
 * caller supplies the time and does the reading and writing.
 *
 * Offsets normally run without gaps; a batch lost to corruption leaves one,
 * which readers skip (and count).
 *
 * @module
 */
import { ProducerTable } from "./producers.ts";

/** A batch as the log holds it: an opaque blob of `count` messages. */
export interface StoredBatch {
  /** Offset of the batch's first message. */
  readonly baseOffset: number;
  /** Messages in the blob. */
  readonly count: number;
  /** Blob length in bytes. */
  readonly bytes: number;
  /** When the batch was appended, in epoch ms. */
  readonly appendedAt: number;
  /** The encoded messages when cached in memory; undefined once evicted to disk only. */
  blob?: Uint8Array;
  /** Where the storage layer keeps it on disk (opaque to the log), if persisted. */
  readonly loc?: unknown;
}

/** What a trim removed. */
export interface TrimResult {
  /** Batches removed. */
  batches: number;
  /** Messages removed. */
  messages: number;
  /** Bytes removed. */
  bytes: number;
}

/**
 * Batches of one partition, addressable by message offset.
 *
 * @example
 * ```ts
 * const log = new PartitionLog();
 * const b = log.append({ blob, count: 500, appendedAt: Date.now() }); // b.baseOffset === 0
 * log.batchAt(123) === b; // true
 * ```
 */
export class PartitionLog {
  /** Recent batch sequences of idempotent publishers. */
  readonly producers: ProducerTable = new ProducerTable();
  #batches: StoredBatch[] = [];
  #head = 0; // index of the first live batch in #batches
  #start: number;
  #end: number;
  #durableEnd: number;
  #bytes = 0;
  #cached = 0;
  #evictFrom = 0; // index below which no blob is cached (eviction cursor)
  #holes: { from: number; to: number }[] = []; // offsets with no message, already accounted for

  /**
   * Creates an empty log whose first offset is `startOffset`.
   * @param startOffset offset of the first message this log will hold
   */
  constructor(startOffset = 0) {
    this.#start = startOffset;
    this.#end = startOffset;
    this.#durableEnd = startOffset;
  }

  /** Offset of the oldest retained message. */
  get startOffset(): number {
    return this.#start;
  }

  /** Offset the next appended message will get. */
  get endOffset(): number {
    return this.#end;
  }

  /** Offsets below this are stored as the durability policy promises, and may be delivered. */
  get durableEnd(): number {
    return this.#durableEnd;
  }

  /** Blob bytes retained (on disk or in memory). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Blob bytes cached in memory. */
  get cachedBytes(): number {
    return this.#cached;
  }

  /** Batches retained. */
  get batchCount(): number {
    return this.#batches.length - this.#head;
  }

  /**
   * Appends a batch at the end of the log.
   *
   * @param durable whether it is already durable (memory-only logs: always)
   * @throws {RangeError} when count is not a positive integer, or the base offset goes backwards
   */
  append(
    b: {
      blob?: Uint8Array;
      bytes?: number;
      count: number;
      appendedAt: number;
      loc?: unknown;
      baseOffset?: number;
    },
    durable = true,
  ): StoredBatch {
    if (!Number.isInteger(b.count) || b.count < 1) {
      throw new RangeError(`append: count must be an integer >= 1, got ${b.count}`);
    }
    const baseOffset = b.baseOffset ?? this.#end;
    if (baseOffset < this.#end) {
      throw new RangeError(`append: base offset ${baseOffset} is below the log end ${this.#end}`);
    }
    const bytes = b.bytes ?? b.blob!.length;
    const batch: StoredBatch = {
      baseOffset,
      count: b.count,
      bytes,
      appendedAt: b.appendedAt,
      blob: b.blob,
      loc: b.loc,
    };
    if (this.batchCount === 0) this.#start = baseOffset;
    this.#batches.push(batch);
    this.#end = baseOffset + b.count;
    if (durable) this.#durableEnd = this.#end;
    this.#bytes += bytes;
    if (b.blob) this.#cached += bytes;
    return batch;
  }

  /**
   * Moves the end forward to `offset`: the partition's next epoch starts
   * there, and the offsets between hold no message.
   */
  skipTo(offset: number): void {
    if (offset <= this.#end) return;
    this.addHole(this.#end, offset);
    if (this.batchCount === 0) this.#start = offset;
    this.#end = offset;
    this.#durableEnd = offset;
  }

  /**
   * Records `[from, to)` as offsets without messages whose absence is
   * already accounted for (lost at recovery, or never handed out): readers
   * pass them without counting them again.
   */
  addHole(from: number, to: number): void {
    if (to > from) this.#holes.push({ from, to });
  }

  /** Offsets in `[from, to)` that may hold messages: the range less its holes. */
  messagesBetween(from: number, to: number): number {
    let n = to - from;
    for (const h of this.#holes) n -= Math.max(0, Math.min(to, h.to) - Math.max(from, h.from));
    return Math.max(0, n);
  }

  /** Marks everything below `offset` durable. */
  markDurable(offset: number): void {
    this.#durableEnd = Math.max(this.#durableEnd, Math.min(offset, this.#end));
  }

  /** The batch holding `offset`, or undefined when it is not retained (or lies in a gap). */
  batchAt(offset: number): StoredBatch | undefined {
    const b = this.batchFrom(offset);
    return b && b.baseOffset <= offset ? b : undefined;
  }

  /** The first retained batch that ends after `offset` (it may start after it, past a gap). */
  batchFrom(offset: number): StoredBatch | undefined {
    if (offset >= this.#end) return undefined;
    let lo = this.#head;
    let hi = this.#batches.length - 1;
    if (lo > hi) return undefined;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const b = this.#batches[mid];
      if (b.baseOffset + b.count <= offset) lo = mid + 1;
      else hi = mid;
    }
    const b = this.#batches[lo];
    return b.baseOffset + b.count > offset ? b : undefined;
  }

  /** The oldest retained batch, if any. */
  oldest(): StoredBatch | undefined {
    return this.#batches[this.#head];
  }

  /**
   * Drops cached blobs of persisted, durable batches, oldest first, until at
   * most `targetBytes` are cached. Returns the bytes freed.
   */
  evict(targetBytes: number): number {
    let freed = 0;
    let i = Math.max(this.#evictFrom, this.#head);
    for (; i < this.#batches.length && this.#cached > targetBytes; i++) {
      const b = this.#batches[i];
      if (b.baseOffset + b.count > this.#durableEnd) break;
      if (b.blob && b.loc !== undefined) {
        b.blob = undefined;
        this.#cached -= b.bytes;
        freed += b.bytes;
      } else if (b.blob) break; // not persisted: cannot be evicted
    }
    this.#evictFrom = i;
    return freed;
  }

  /**
   * Drops cached blobs of persisted, durable batches that end at or before
   * `offset` (what every group has consumed): they stay readable from disk.
   * Returns the bytes freed.
   */
  evictBefore(offset: number): number {
    let freed = 0;
    let i = Math.max(this.#evictFrom, this.#head);
    for (; i < this.#batches.length; i++) {
      const b = this.#batches[i];
      const end = b.baseOffset + b.count;
      if (end > offset || end > this.#durableEnd) break;
      if (b.blob && b.loc === undefined) break; // not persisted: cannot be evicted
      if (b.blob) {
        b.blob = undefined;
        this.#cached -= b.bytes;
        freed += b.bytes;
      }
    }
    this.#evictFrom = i;
    return freed;
  }

  /** Drops every batch that ends at or before `offset`. */
  trimBefore(offset: number): TrimResult {
    const result: TrimResult = { batches: 0, messages: 0, bytes: 0 };
    while (this.#head < this.#batches.length) {
      const b = this.#batches[this.#head];
      if (b.baseOffset + b.count > offset) break;
      result.batches++;
      result.messages += b.count;
      result.bytes += b.bytes;
      if (b.blob) this.#cached -= b.bytes;
      this.#head++;
    }
    if (result.batches === 0) return result;
    this.#bytes -= result.bytes;
    this.#start = this.#head < this.#batches.length
      ? this.#batches[this.#head].baseOffset
      : this.#end;
    if (this.#head > 1024 && this.#head * 2 > this.#batches.length) {
      this.#batches = this.#batches.slice(this.#head);
      this.#evictFrom = Math.max(0, this.#evictFrom - this.#head);
      this.#head = 0;
    }
    return result;
  }
}
