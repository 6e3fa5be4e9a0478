/**
 * Exponential backoff with full jitter. Pure: the random source is injected.
 *
 * @module
 */

/** Default {@linkcode BackoffOptions.initialMs}. */
export const DEFAULT_BACKOFF_INITIAL_MS = 100;
/** Default {@linkcode BackoffOptions.maxMs}. */
export const DEFAULT_BACKOFF_MAX_MS = 5000;

/** Options of {@linkcode backoffDelay}. */
export interface BackoffOptions {
  /** First delay ceiling, ms. @default {DEFAULT_BACKOFF_INITIAL_MS} */
  initialMs?: number;
  /** Largest delay ceiling, ms. @default {DEFAULT_BACKOFF_MAX_MS} */
  maxMs?: number;
  /** Returns a number in [0, 1). @default {Math.random} */
  random?: () => number;
}

/**
 * Delay before reconnect attempt `attempt` (0-based): a uniform random value
 * in [ceiling/2, ceiling], where the ceiling doubles from `initialMs` up to `maxMs`.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? DEFAULT_BACKOFF_INITIAL_MS;
  const max = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
