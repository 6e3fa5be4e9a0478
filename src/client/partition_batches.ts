/**
 * The publisher's open batches, one per partition: routes a key to its
 * partition (FNV-1a, like every gputel client), appends the message, and
 * hands over full batches. Batch buffers come from a pool and go back to it
 * once their batch is confirmed.
 *
 * @module
 */
import { BatchBuilder, encodeKey } from "../protocol/mod.ts";
import { fnv1a32 } from "../record/hash.ts";
import { BufferPool } from "./buffer_pool.ts";

/** Where a key's messages go, and the key as a batch holds it. */
interface Route {
  partition: number;
  key: Uint8Array;
}

/** Most keys whose routes are cached before the cache starts over. */
const ROUTE_CACHE_SIZE = 65_536;

/** Open batches of one topic's partitions. */
export class PartitionBatches {
  /** Number of partitions of the topic. */
  readonly partitions: number;
  #builders: BatchBuilder[];
  #routes = new Map<string, Route>();
  #pool: BufferPool;
  #maxBytes: number;
  #held = 0;

  /**
   * Creates empty builders for `partitions` partitions.
   * @param partitions the topic's partition count
   * @param maxBytes most bytes of buffers under taken batches and kept free
   *   for reuse, together: confirms arrive in bursts (one per fsync round),
   *   so the pool keeps what the taken batches leave room for
   */
  constructor(partitions: number, maxBytes: number) {
    this.partitions = partitions;
    this.#maxBytes = maxBytes;
    this.#pool = new BufferPool(64 * 1024, maxBytes);
    this.#builders = Array.from(
      { length: partitions },
      () => new BatchBuilder(64 * 1024, (n) => this.#pool.get(n)),
    );
  }

  /**
   * Appends a message to its partition's batch; returns the partition.
   *
   * @throws {RangeError} when the key is longer than 65,535 UTF-8 bytes
   */
  add(key: string, payload: Uint8Array): number {
    let r = this.#routes.get(key);
    if (r === undefined) {
      r = { partition: fnv1a32(key) % this.partitions, key: encodeKey(key) };
      if (this.#routes.size >= ROUTE_CACHE_SIZE) this.#routes.clear();
      this.#routes.set(key, r);
    }
    this.#builders[r.partition].addEncoded(r.key, payload);
    return r.partition;
  }

  /** Messages in partition `p`'s open batch. */
  count(p: number): number {
    return this.#builders[p].count;
  }

  /** Bytes in partition `p`'s open batch. */
  bytes(p: number): number {
    return this.#builders[p].bytes;
  }

  /**
   * Takes partition `p`'s batch blob; the partition starts a new one. A blob
   * filling at most a quarter of its buffer (a batch sealed early by the
   * linger timer or a flush) is copied into a buffer of its own size and the
   * large one goes back to the pool at once: while confirms are slow every
   * sealed batch waits in memory, and each would otherwise hold a whole
   * batch-sized buffer however few messages it carries.
   */
  take(p: number): Uint8Array {
    let blob = this.#builders[p].take();
    if (blob.length * 4 <= blob.buffer.byteLength) {
      const own = blob.slice();
      this.#keep(blob.subarray(0, 0)); // the buffer, not the batch, goes back
      blob = own;
    }
    this.#held += blob.buffer.byteLength;
    return blob;
  }

  /** Bytes of the buffers under taken batches not given back yet (see {@linkcode done}). */
  get heldBytes(): number {
    return this.#held;
  }

  /**
   * Gives a taken batch's buffer back once the batch is confirmed. `reuse`
   * only when nothing else can read it any more (no earlier write of it may
   * still be queued on a connection).
   */
  done(blob: Uint8Array, reuse: boolean): void {
    this.#held -= blob.buffer.byteLength;
    if (reuse) this.#keep(blob);
  }

  /** Pools a buffer while taken and free buffers stay within maxBytes (and the slack below). */
  #keep(view: Uint8Array): void {
    // Slack of one buffer per partition: the partitions' batches fill
    // together, so taken batches can pass the bound by one each, and at the
    // bound each confirm must hand its buffer on to the next batch.
    const slack = this.partitions * view.buffer.byteLength;
    const room = this.#maxBytes + slack - this.#held - this.#pool.freeBytes;
    if (view.buffer.byteLength <= room) this.#pool.release(view);
  }
}
