/**
 * The publisher's linger: a partial batch is sealed once it has waited
 * `lingerMs`, but only as many partial batches as the send window can take
 * now. The others keep filling and are sealed as confirms free the window.
 * A batch sealed into a full window could only wait, and every message
 * behind it would go out as one more tiny batch taking a window slot of its
 * own: under slow confirms (a broker's fdatasync round) a publisher would
 * fall ever further behind on batches of a message or two. Partitions take
 * turns for the free slots, so none waits behind the others.
 *
 * @module
 */

/** What a {@linkcode Linger} seals from: the open batch of each partition. */
export interface OpenBatches {
  /** Number of partitions. */
  readonly partitions: number;
  /** Messages in partition `p`'s open batch. */
  count(p: number): number;
}

/** When partial batches are sealed. */
export class Linger {
  readonly #ms: number;
  readonly #onDue: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #due = false;
  #next = 0;

  /**
   * A linger not yet started.
   *
   * @param ms how long a partial batch waits before it is due
   * @param onDue called when the linger time has passed (the caller seals
   *   with {@linkcode sealDue}, then sends)
   */
  constructor(ms: number, onDue: () => void) {
    this.#ms = ms;
    this.#onDue = onDue;
  }

  /** A message went into a partial batch: starts the linger time unless it runs or has passed. */
  arm(): void {
    if (this.#due) return;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#due = true;
      this.#onDue();
    }, this.#ms);
  }

  /**
   * Once the linger time has passed, seals partial batches while `room()`
   * says the window can send one, partitions taking turns; the linger is
   * over once every partial batch is sealed.
   */
  sealDue(batches: OpenBatches, room: () => boolean, seal: (p: number) => void): void {
    if (!this.#due) return;
    const n = batches.partitions;
    const from = this.#next;
    for (let i = 0; i < n; i++) {
      if (!room()) return;
      const p = (from + i) % n;
      if (batches.count(p) === 0) continue;
      seal(p);
      this.#next = (p + 1) % n;
    }
    this.#due = false;
  }

  /** Stops the linger time (every partial batch is being sealed now, or the publisher closes). */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = false;
  }
}
