/**
 * Exponential backoff with full jitter. Pure: the random source is injected.
 *
 * @module
 */

/** Options of {@linkcode backoffDelay}. */
export interface BackoffOptions {
  /** First delay ceiling, ms. @default {100} */
  initialMs?: number;
  /** Largest delay ceiling, ms. @default {5000} */
  maxMs?: number;
  /** Returns a number in [0, 1). @default {Math.random} */
  random?: () => number;
}

/**
 * Delay before reconnect attempt `attempt` (0-based): a uniform random value
 * in [ceiling/2, ceiling], where the ceiling doubles from `initialMs` up to `maxMs`.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 5000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
