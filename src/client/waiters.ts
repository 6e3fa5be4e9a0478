/**
 * Callers parked until a sink makes progress (a confirm, a failure, a
 * close): a full buffer's `publish` and `flush` wait here, and every confirm
 * wakes them all to look again.
 *
 * @module
 */

/** A set of parked callers, woken all at once. */
export class Waiters {
  #parked: (() => void)[] = [];

  /** Resolves at the next {@linkcode wakeAll}. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.#parked.push(resolve));
  }

  /** Wakes every caller parked so far. */
  wakeAll(): void {
    for (const w of this.#parked.splice(0)) w();
  }
}
