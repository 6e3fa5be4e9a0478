/**
 * A token bucket that paces `gputel stream`. It reads time from an injected
 * {@linkcode Clock} and never sleeps or sets timers itself: it says how long
 * to wait, and the caller waits.
 *
 * @module
 */

import type { Clock } from "../clock.ts";

/** Options of {@linkcode RateLimiter}. */
export interface RateLimiterOptions {
  /** Messages per second; `0` means unlimited. */
  rate: number;
  /** Where time comes from. */
  clock: Clock;
  /**
   * Bucket size in messages: how far a sender that fell behind (a late timer,
   * a slow publish) may catch up at once, and what may go at the very start.
   * @default max(1, rate × {@linkcode DEFAULT_BURST_SECONDS})
   */
  burst?: number;
  /** Tokens in the bucket at the start, at most `burst`: what may go at once. @default burst */
  start?: number;
}

/**
 * Default burst, in seconds of traffic: 10 ms, so timer lateness of a few ms
 * is made up, while the start-up burst stays ≤ 1% of one second's worth.
 */
export const DEFAULT_BURST_SECONDS = 0.01;

/**
 * Token bucket: `rate` tokens a second, at most `burst` saved up, starting
 * full. One message costs one token. A sender calls
 * {@linkcode RateLimiter.reserve} (or {@linkcode RateLimiter.take}) before
 * each batch and waits the returned milliseconds before sending it; over any
 * span of D seconds it then sends `rate × D` messages, plus at most `burst`.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ rate: 10_000, clock: systemClock });
 * for (const batch of batches) {
 *   const wait = limiter.reserve(batch.length);
 *   if (wait > 0) await delay(wait, { signal });
 *   await publish(batch);
 * }
 * ```
 */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  /** Tokens at #last; negative while reservations are outstanding. */
  #tokens: number;
  #last: number;

  /**
   * Creates a limiter with a full bucket.
   * @param options rate, clock, burst
   * @throws {RangeError} naming `rate` or `burst` when not a finite number in range
   */
  constructor(options: RateLimiterOptions) {
    const { rate, clock } = options;
    if (!Number.isFinite(rate) || rate < 0) {
      throw new RangeError(`rate must be a finite number of messages/s >= 0, got ${rate}`);
    }
    const burst = options.burst ?? Math.max(1, rate * DEFAULT_BURST_SECONDS);
    if (!Number.isFinite(burst) || burst < 1) {
      throw new RangeError(`burst must be a finite number >= 1, got ${burst}`);
    }
    this.#rate = rate;
    this.#burst = burst;
    this.#clock = clock;
    const start = options.start ?? burst;
    if (!Number.isFinite(start) || start < 0 || start > burst) {
      throw new RangeError(
        `start must be a finite number from 0 to burst (${burst}), got ${start}`,
      );
    }
    this.#tokens = start;
    this.#last = clock.now();
  }

  /** Messages per second (0 = unlimited). */
  get rate(): number {
    return this.#rate;
  }

  /** Bucket size in messages. */
  get burst(): number {
    return this.#burst;
  }

  /**
   * Reserves `n` messages unconditionally and returns how many milliseconds
   * to wait before sending them (0 = now; may be fractional). Later
   * reservations queue behind this one, so calling again before the wait is
   * over returns a longer wait.
   *
   * @param n number of messages (0 returns the current backlog)
   * @throws {RangeError} when `n` is negative or not finite
   */
  reserve(n: number): number {
    checkCount(n);
    if (this.#rate === 0) return 0;
    this.#refill();
    this.#tokens -= n;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#rate) * 1000;
  }

  /**
   * Takes `n` messages only if they may go now: returns 0 and takes them, or
   * returns the milliseconds after which they may (taking nothing) so the
   * caller waits and calls again. A batch larger than `burst` goes once the
   * bucket is full, leaving the bucket in debt.
   *
   * @param n number of messages
   * @throws {RangeError} when `n` is negative or not finite
   */
  take(n: number): number {
    checkCount(n);
    if (this.#rate === 0) return 0;
    this.#refill();
    const needed = Math.min(n, this.#burst);
    // The epsilon absorbs float rounding after waiting exactly the returned time.
    if (this.#tokens >= needed - 1e-9) {
      this.#tokens -= n;
      return 0;
    }
    return ((needed - this.#tokens) / this.#rate) * 1000;
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = now - this.#last;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed / 1000) * this.#rate);
    }
    // A clock that stepped back is treated as standing still.
    if (now > this.#last) this.#last = now;
  }
}

function checkCount(n: number): void {
  if (!Number.isFinite(n) || n < 0) {
    throw new RangeError(`n must be a finite number of messages >= 0, got ${n}`);
  }
}
