/**
 * How wide a telemetry query may be, as a constant with no dependencies, so
 * the flag table can read it without loading the HTTP stack.
 *
 * @module
 */

/** Default widest `start_time`..`end_time` window of one telemetry query, ms: 31 days. */
export const DEFAULT_MAX_WINDOW_MS = 31 * 24 * 3_600_000;
