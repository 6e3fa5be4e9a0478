/**
 * Time sources. Pure cores take a {@linkcode Clock} instead of reading
 * `Date.now()` themselves; edges that keep time (the broker's ticker, its
 * timeouts) take a {@linkcode TimerClock}, so tests can drive time, and
 * every timer due in it, by hand with {@linkcode ManualClock}.
 *
 * @module
 */

/** A source of wall-clock time in milliseconds since the Unix epoch. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
}

/** A scheduled callback; {@linkcode Timer.cancel} stops it (safe to call twice). */
export interface Timer {
  /** Stops the timer: its callback is not called again. */
  cancel(): void;
}

/** A clock that also runs timers on its own time. */
export interface TimerClock extends Clock {
  /** Calls `fn` once, `ms` from now. */
  setTimeout(fn: () => void, ms: number): Timer;
  /** Calls `fn` every `ms` from now on, until cancelled. */
  setInterval(fn: () => void, ms: number): Timer;
  /**
   * Resolves `ms` from now.
   *
   * @throws the signal's reason when `signal` aborts first
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Resolves after `ms` on `clock`, or rejects with the reason when `signal` aborts first. */
function sleepOn(clock: TimerClock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      timer.cancel();
      reject(signal!.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The real clock: `Date.now()` and the runtime's timers. */
export const systemClock: TimerClock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const id = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(id) };
  },
  setInterval(fn, ms) {
    const id = setInterval(fn, ms);
    return { cancel: () => clearInterval(id) };
  },
  sleep(ms, signal) {
    return sleepOn(systemClock, ms, signal);
  },
};

interface Scheduled {
  due: number;
  seq: number;
  every: number; // 0: once
  fn: () => void;
}

/**
 * A clock that only moves when told to; its timers fire, in time order, as
 * {@linkcode ManualClock.advance} passes their due times. For tests.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(1_000);
 * let fired = 0;
 * clock.setInterval(() => fired++, 100);
 * clock.advance(250);
 * clock.now(); // 1250
 * fired; // 2
 * ```
 */
export class ManualClock implements TimerClock {
  #now: number;
  #timers: Scheduled[] = [];
  #seq = 0;

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

  /** Timers scheduled and not yet fired (once) or cancelled. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Calls `fn` once when the clock has advanced `ms` (at least 0) from now. */
  setTimeout(fn: () => void, ms: number): Timer {
    return this.#schedule(fn, Math.max(0, ms), 0);
  }

  /**
   * Calls `fn` each time the clock passes another `ms` from now.
   *
   * @throws {RangeError} when `ms` is not a positive finite number
   */
  setInterval(fn: () => void, ms: number): Timer {
    if (!Number.isFinite(ms) || ms <= 0) {
      throw new RangeError(`ManualClock.setInterval: ms must be a finite number > 0, got ${ms}`);
    }
    return this.#schedule(fn, ms, ms);
  }

  /**
   * Resolves once the clock has advanced `ms` from now.
   *
   * @throws the signal's reason when `signal` aborts first
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the
   * way, in due order (ties in the order they were set), with the clock
   * reading each one's due time while it runs. A timer set by a callback
   * fires in the same call when it falls due within it.
   *
   * @throws {RangeError} when `ms` is negative or not finite
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ManualClock.advance: ms must be a finite number >= 0, got ${ms}`);
    }
    const end = this.#now + ms;
    for (;;) {
      const next = this.#next();
      if (!next || next.due > end) break;
      this.#now = next.due;
      if (next.every > 0) {
        next.due += next.every;
        next.seq = this.#seq++;
      } else this.#drop(next);
      next.fn();
    }
    this.#now = end;
  }

  #schedule(fn: () => void, after: number, every: number): Timer {
    const t: Scheduled = { due: this.#now + after, seq: this.#seq++, every, fn };
    this.#timers.push(t);
    return { cancel: () => this.#drop(t) };
  }

  #drop(t: Scheduled): void {
    const i = this.#timers.indexOf(t);
    if (i >= 0) this.#timers.splice(i, 1);
  }

  #next(): Scheduled | undefined {
    let best: Scheduled | undefined;
    for (const t of this.#timers) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
