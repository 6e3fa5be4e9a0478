/**
 * The reading schedule of polled sources (`nvml`, `scrape`): one reading per
 * interval, on a fixed grid so readings do not drift; a reading that runs
 * past its slot skips the slots it missed instead of bunching up.
 *
 * @module
 */
import type { Clock } from "../../clock.ts";
import type { Sleep } from "../workers.ts";
import type { LiveSample } from "./source.ts";

/** Options of {@linkcode pollEvery}. */
export interface PollOptions {
  /** Time between readings, ms (>= 1). */
  intervalMs: number;
  /** Time source. */
  clock: Clock;
  /** Waits between polls. */
  sleep: Sleep;
  /** Called with the number of slots skipped because a reading ran late. */
  onLate?: (skipped: number) => void;
}

/**
 * Yields `read()`'s samples once per interval, the first at once, until
 * `signal` aborts.
 *
 * @param read one reading of every GPU
 * @param o the interval, clock and sleep
 * @param signal stops the schedule
 */
export async function* pollEvery(
  read: () => LiveSample[] | Promise<LiveSample[]>,
  o: PollOptions,
  signal: AbortSignal,
): AsyncGenerator<LiveSample[]> {
  let next = o.clock.now();
  while (!signal.aborted) {
    yield await read();
    next += o.intervalMs;
    const now = o.clock.now();
    if (now >= next + o.intervalMs) {
      const skipped = Math.floor((now - next) / o.intervalMs);
      next += skipped * o.intervalMs;
      o.onLate?.(skipped);
    }
    await o.sleep(next - now, signal);
  }
}
