/**
 * The store-position keys (`SourceDelivery.source`) a JetStream source hands
 * out. The collector's store skips, per key and partition, every position
 * below the highest it stored; JetStream, having no partition ownership, may
 * redeliver a batch to a member after that member stored later batches of
 * the partition. So a key is only reused while a partition's sequences go
 * up; an older sequence (a redelivery) starts a new key, and the store
 * writes it rather than skipping it. A message stored twice that way is one
 * message to the read paths, which deduplicate by origin. Pure.
 *
 * @module
 */

/**
 * Keys per partition.
 *
 * @example
 * ```ts
 * const keys = new PositionKeys("nats:GPUTEL_t@2026:abc");
 * keys.keyFor(0, 5); // "nats:GPUTEL_t@2026:abc:0"
 * keys.keyFor(0, 9); // same key: 9 > 5
 * keys.keyFor(0, 7); // "nats:GPUTEL_t@2026:abc:1": a redelivery
 * ```
 */
export class PositionKeys {
  #prefix: string;
  #next = 0;
  #partitions = new Map<number, { key: string; highest: number }>();

  /**
   * Creates the keys of one source session.
   * @param prefix the origin plus a session id unique to this source
   */
  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** Keys started so far (1 + the redeliveries that arrived out of order, per partition). */
  get started(): number {
    return this.#next;
  }

  /** The key for stream sequence `seq` of `partition`. */
  keyFor(partition: number, seq: number): string {
    const current = this.#partitions.get(partition);
    if (current !== undefined && seq > current.highest) {
      current.highest = seq;
      return current.key;
    }
    const key = `${this.#prefix}:${this.#next++}`;
    this.#partitions.set(partition, { key, highest: seq });
    return key;
  }
}
