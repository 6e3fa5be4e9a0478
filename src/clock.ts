/**
 * Time sources. Pure cores take a {@linkcode Clock} instead of reading
 * `Date.now()` themselves, so tests can drive time by hand.
 *
 * @module
 */

/** A source of wall-clock time in milliseconds since the Unix epoch. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
}

/** The real clock, backed by `Date.now()`. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told to. For tests.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(1_000);
 * clock.advance(500);
 * clock.now(); // 1500
 * ```
 */
export class ManualClock implements Clock {
  #now: number;

  /**
   * Creates a clock reading `start` ms.
   * @param start initial time in epoch milliseconds (default 0)
   */
  constructor(start = 0) {
    this.#now = start;
  }

  /** Current time in epoch milliseconds. */
  now(): number {
    return this.#now;
  }

  /**
   * Moves time forward.
   *
   * @throws {RangeError} when `ms` is negative or not finite
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ManualClock.advance: ms must be a finite number >= 0, got ${ms}`);
    }
    this.#now += ms;
  }
}
