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

/**
 * Most bytes of confirmed batch buffers kept for reuse: confirms arrive in
 * bursts (one per fsync round), so the pool must hold a burst's worth.
 */
const POOL_BYTES = 32 * 1024 * 1024;

/** Most keys whose routes are cached before the cache starts over. */
const ROUTE_CACHE_SIZE = 65_536;

/** Open batches of one topic's partitions. */
export class PartitionBatches {
  /** Number of partitions of the topic. */
  readonly partitions: number;
  #builders: BatchBuilder[];
  #routes = new Map<string, Route>();
  #pool = new BufferPool(64 * 1024, POOL_BYTES);

  /**
   * Creates empty builders for `partitions` partitions.
   * @param partitions the topic's partition count
   */
  constructor(partitions: number) {
    this.partitions = partitions;
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

  /** Takes partition `p`'s batch blob; the partition starts a new one. */
  take(p: number): Uint8Array {
    return this.#builders[p].take();
  }

  /** Gives a confirmed batch's buffer back for reuse (only when nothing else can read it). */
  recycle(blob: Uint8Array): void {
    this.#pool.release(blob);
  }
}
