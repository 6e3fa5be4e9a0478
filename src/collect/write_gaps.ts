/**
 * Where a collector left delivered offsets unwritten, per partition. Acks
 * are cumulative: an ack up to offset N covers everything below N that the
 * broker has in flight to this member. So once a delivery of a partition was
 * not written (its write failed, its lease had ended, or it was held back
 * behind such a one), no later delivery of that partition may be written and
 * acked until every such range below it has been written: its ack would
 * cover the hole, and the broker would never send those offsets again.
 * Deliveries behind a hole are left unacked and become holes themselves;
 * the broker redelivers them, in order, and each write fills what it covers.
 *
 * Holes belong to one assignment generation: when the partition's
 * generation changes (it moved away and back, or the member rejoined), the
 * broker took back everything in flight of the old one, so its holes no
 * longer matter.
 *
 * @module
 */

interface Holes {
  generation: number;
  /** Unwritten `[start, end)` ranges, unordered. */
  ranges: [number, number][];
}

/**
 * The unwritten delivered ranges of each partition.
 *
 * @example
 * ```ts
 * const gaps = new WriteGaps();
 * gaps.failed("p0", 100, 200);
 * gaps.admits("p0", 200); // false: its ack would cover 100..199
 * gaps.admits("p0", 100); // true: the redelivery of the hole
 * gaps.written("p0", 100, 200); // the hole is filled
 * ```
 */
export class WriteGaps {
  readonly #holes = new Map<string, Holes>();

  /** Partitions with an open hole. */
  get size(): number {
    return this.#holes.size;
  }

  /**
   * Whether a delivery of `partition` starting at `first` may be written
   * and acked now: no hole lies below `first`.
   */
  admits(partition: string, first: number, generation = 0): boolean {
    const holes = this.#current(partition, generation);
    return holes === undefined || holes.ranges.every(([start]) => first <= start);
  }

  /** Records that delivered offsets `[first, end)` of `partition` were not written. */
  failed(partition: string, first: number, end: number, generation = 0): void {
    if (end <= first) return;
    let holes = this.#current(partition, generation);
    if (holes === undefined) this.#holes.set(partition, holes = { generation, ranges: [] });
    holes.ranges.push([first, end]);
  }

  /** Records that offsets `[first, end)` of `partition` were written. */
  written(partition: string, first: number, end: number, generation = 0): void {
    const holes = this.#current(partition, generation);
    if (holes === undefined) return;
    const left: [number, number][] = [];
    for (const [s, e] of holes.ranges) {
      if (e <= first || s >= end) left.push([s, e]);
      else {
        if (s < first) left.push([s, first]);
        if (e > end) left.push([end, e]);
      }
    }
    if (left.length === 0) this.#holes.delete(partition);
    else holes.ranges = left;
  }

  #current(partition: string, generation: number): Holes | undefined {
    const holes = this.#holes.get(partition);
    if (holes !== undefined && holes.generation !== generation) {
      this.#holes.delete(partition); // the broker took the old generation's deliveries back
      return undefined;
    }
    return holes;
  }
}
