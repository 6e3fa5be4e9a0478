/**
 * The live streamer's buffer: samples read from the GPUs wait here for the
 * publisher. Reading never waits on it: when it holds its capacity, the
 * OLDEST waiting sample is dropped to make room (a live reading is worth
 * more than an old one), counted, and reported once per episode. Pure: no
 * I/O, no clock.
 *
 * @module
 */

/** Options of {@linkcode DropOldestBuffer}. */
export interface DropOldestBufferOptions {
  /** Most samples held: waiting here, in hand, and {@linkcode DropOldestBufferOptions.heldElsewhere}. */
  capacity: number;
  /** Samples already handed on but not yet confirmed (they count against the capacity). @default none */
  heldElsewhere?: () => number;
  /** Called at the first drop of an episode (the buffer was not dropping before). */
  onDropStart?: () => void;
  /** Called at the first push without a drop after an episode, with that episode's drops. */
  onDropEnd?: (dropped: number) => void;
}

/**
 * A bounded FIFO that drops its oldest waiting item instead of refusing a
 * new one. One consumer takes items with {@linkcode DropOldestBuffer.take}
 * and reports each handed on with {@linkcode DropOldestBuffer.handed}; the
 * item in hand between the two still counts against the capacity and is
 * never dropped.
 *
 * @example
 * ```ts
 * const buf = new DropOldestBuffer<string>({ capacity: 2 });
 * buf.push("a"); buf.push("b"); buf.push("c"); // "a" is dropped
 * await buf.take(signal); // "b"
 * buf.handed();
 * ```
 */
export class DropOldestBuffer<T> {
  readonly #o: DropOldestBufferOptions;
  #items: (T | undefined)[] = [];
  #head = 0;
  #inHand = false;
  #closed = false;
  #wake: (() => void) | undefined;
  #episode = 0;
  /** Items dropped so far. */
  dropped = 0;
  /** Drop episodes so far. */
  episodes = 0;

  /**
   * Creates an empty buffer.
   * @throws {RangeError} when `capacity` is not an integer >= 1
   */
  constructor(options: DropOldestBufferOptions) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(`capacity must be an integer >= 1, got ${options.capacity}`);
    }
    this.#o = options;
  }

  /** Items waiting (not in hand). */
  get waiting(): number {
    return this.#items.length - this.#head;
  }

  /** Items held here: waiting plus the one in hand. */
  get size(): number {
    return this.waiting + (this.#inHand ? 1 : 0);
  }

  /**
   * Adds `item`. When the buffer (with what is held elsewhere) is full, the
   * oldest waiting items are dropped first; if none waits, `item` itself is.
   * Never waits.
   *
   * @returns how many items were dropped (0 normally)
   */
  push(item: T): number {
    if (this.#closed) throw new RangeError("push after close");
    const elsewhere = this.#o.heldElsewhere?.() ?? 0;
    let dropped = 0;
    while (this.waiting > 0 && this.size + elsewhere >= this.#o.capacity) {
      this.#items[this.#head++] = undefined;
      dropped++;
    }
    if (this.size + elsewhere >= this.#o.capacity) dropped++;
    else this.#items.push(item);
    this.#compact();
    this.#count(dropped);
    this.#wake?.();
    return dropped;
  }

  /**
   * Waits for the oldest item and takes it in hand; call
   * {@linkcode DropOldestBuffer.handed} once it is handed on.
   *
   * @returns the item, or `undefined` once the buffer is closed and empty
   * @throws {RangeError} when an item is already in hand
   */
  async take(): Promise<T | undefined> {
    if (this.#inHand) throw new RangeError("take while an item is in hand");
    while (this.waiting === 0) {
      if (this.#closed) return undefined;
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
    const item = this.#items[this.#head] as T;
    this.#items[this.#head++] = undefined;
    this.#compact();
    this.#inHand = true;
    return item;
  }

  /** The item in hand was handed on: it no longer counts here. */
  handed(): void {
    this.#inHand = false;
  }

  /** No more pushes: `take` answers `undefined` once the waiting items are taken. */
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  #count(dropped: number): void {
    if (dropped > 0) {
      if (this.#episode === 0) {
        this.episodes++;
        this.#o.onDropStart?.();
      }
      this.#episode += dropped;
      this.dropped += dropped;
    } else if (this.#episode > 0) {
      const n = this.#episode;
      this.#episode = 0;
      this.#o.onDropEnd?.(n);
    }
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
