/**
 * Where a collector's writes failed, per partition. Acks are cumulative: an
 * ack up to offset N covers everything below N. So once a delivery of a
 * partition could not be written, no later delivery of that partition may be
 * written and acked before the failed range is: its ack would cover the gap,
 * and the store would then skip the redelivered range as already seen.
 * Deliveries behind a gap are left unacked; the broker redelivers them.
 *
 * @module
 */

/**
 * The first unwritten offset of each partition that had a failed write.
 *
 * @example
 * ```ts
 * const gaps = new WriteGaps();
 * gaps.failed("p0", 100);
 * gaps.admits("p0", 200); // false: would ack over 100..199
 * gaps.admits("p0", 100); // true: the redelivery of the gap
 * gaps.written("p0", 300); // the gap is closed
 * ```
 */
export class WriteGaps {
  readonly #gaps = new Map<string, number>();

  /** Partitions with an open gap. */
  get size(): number {
    return this.#gaps.size;
  }

  /** Whether a delivery of `partition` starting at `first` may be written and acked now. */
  admits(partition: string, first: number): boolean {
    const gap = this.#gaps.get(partition);
    return gap === undefined || first <= gap;
  }

  /** Records that a delivery of `partition` starting at `first` could not be written. */
  failed(partition: string, first: number): void {
    const gap = this.#gaps.get(partition);
    this.#gaps.set(partition, gap === undefined ? first : Math.min(gap, first));
  }

  /** Records that a delivery of `partition` was written up to `end` (exclusive). */
  written(partition: string, end: number): void {
    const gap = this.#gaps.get(partition);
    if (gap !== undefined && gap < end) this.#gaps.delete(partition);
  }
}
