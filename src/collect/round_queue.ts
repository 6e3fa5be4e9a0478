/**
 * A bounded queue drained in rounds: items pushed while a round runs wait
 * for the next one, which takes everything queued up to a size limit. The
 * collector uses it to group-commit deliveries from all its subscribers
 * with one store write per round.
 *
 * @module
 */

/** Default of {@linkcode RoundQueueOptions.maxMessages}. */
export const DEFAULT_ROUND_MESSAGES = 50_000;

/** Default of {@linkcode RoundQueueOptions.maxBytes}. */
export const DEFAULT_ROUND_BYTES = 16 * 1024 * 1024;

/** Limits of a {@linkcode RoundQueue}. */
export interface RoundQueueOptions {
  /** Most messages one round takes (a larger single item runs alone). @default {DEFAULT_ROUND_MESSAGES} */
  maxMessages?: number;
  /** Most bytes one round takes (a larger single item runs alone). @default {DEFAULT_ROUND_BYTES} */
  maxBytes?: number;
  /** Called when a round rejects (a round should handle its own errors). */
  onError?: (error: unknown) => void;
}

/** An item's size, in the units of {@linkcode RoundQueueOptions}. */
export interface RoundWeight {
  /** Messages in the item. */
  messages: number;
  /** Bytes in the item. */
  bytes: number;
}

function positive(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`RoundQueue: ${field} must be an integer >= 1, got ${value}`);
  }
  return value;
}

/**
 * Runs queued items in rounds, one round at a time, in push order.
 *
 * @example
 * ```ts
 * const queue = new RoundQueue<Delivery>(
 *   async (ds) => { await store.writeMany(ds.map(toBatch)); ds.forEach(ack); },
 *   (d) => ({ messages: d.messages.length, bytes: 0 }),
 * );
 * await queue.push(delivery); // waits while a full round is already queued
 * await queue.drain();
 * ```
 */
export class RoundQueue<T> {
  readonly #run: (items: T[]) => Promise<void>;
  readonly #weigh: (item: T) => RoundWeight;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #onError: (error: unknown) => void;
  #items: { item: T; weight: RoundWeight }[] = [];
  #messages = 0;
  #running = false;
  #space: (() => void)[] = [];
  #idle: (() => void)[] = [];
  /** Rounds run so far. */
  rounds = 0;

  /**
   * Creates an empty queue.
   *
   * @param run writes one round; the next round starts after it settles
   * @param weigh an item's size
   * @param options round limits
   * @throws {RangeError} when a limit is not an integer >= 1
   */
  constructor(
    run: (items: T[]) => Promise<void>,
    weigh: (item: T) => RoundWeight,
    options: RoundQueueOptions = {},
  ) {
    this.#run = run;
    this.#weigh = weigh;
    this.#maxMessages = positive("maxMessages", options.maxMessages ?? DEFAULT_ROUND_MESSAGES);
    this.#maxBytes = positive("maxBytes", options.maxBytes ?? DEFAULT_ROUND_BYTES);
    this.#onError = options.onError ?? (() => {});
  }

  /** Messages queued and not yet taken by a round. */
  get queuedMessages(): number {
    return this.#messages;
  }

  /**
   * Queues an item for the next round. Waits while a full round's worth of
   * messages is already queued: the producer slows to the writer's pace.
   */
  async push(item: T): Promise<void> {
    while (this.#messages >= this.#maxMessages) {
      await new Promise<void>((resolve) => this.#space.push(resolve));
    }
    const weight = this.#weigh(item);
    this.#items.push({ item, weight });
    this.#messages += weight.messages;
    void this.#pump();
  }

  /** Resolves once every item queued so far has run and no round is running. */
  drain(): Promise<void> {
    if (!this.#running && this.#items.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #take(): T[] {
    const taken: T[] = [];
    let messages = 0;
    let bytes = 0;
    while (this.#items.length > 0) {
      const { item, weight } = this.#items[0];
      const over = messages + weight.messages > this.#maxMessages ||
        bytes + weight.bytes > this.#maxBytes;
      if (taken.length > 0 && over) break;
      this.#items.shift();
      taken.push(item);
      messages += weight.messages;
      bytes += weight.bytes;
    }
    this.#messages -= messages;
    for (const wake of this.#space.splice(0)) wake();
    return taken;
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    // Let producers that are ready now join the first round.
    await Promise.resolve();
    while (this.#items.length > 0) {
      const items = this.#take();
      this.rounds++;
      try {
        await this.#run(items);
      } catch (error) {
        this.#onError(error);
      }
    }
    this.#running = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
