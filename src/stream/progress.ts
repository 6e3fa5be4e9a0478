/**
 * The streamer's progress line: counters plus the publish rate since the
 * previous line. Pure: time comes from the injected {@linkcode Clock}.
 *
 * @module
 */
import type { Clock } from "../clock.ts";

/** Counters a progress line is made from. */
export interface ProgressCounters {
  /** Rows taken from the CSV and looked at. */
  read: number;
  /** Messages handed to the publisher. */
  published: number;
  /** Messages the broker confirmed. */
  confirmed: number;
  /** Messages sent again after a reconnect or a refused batch. */
  retried: number;
  /** Rows skipped: malformed, without a GPU key, or outside --filter/--shard. */
  skipped: number;
  /** The current pause after the broker could not store a batch (disk full), ms; 0 when none. */
  storageBackoffMs?: number;
}

/** One progress line's fields, in the order they are shown. */
export interface ProgressFields extends Omit<ProgressCounters, "storageBackoffMs"> {
  /** Messages published per second since the previous line (or the start), rounded. */
  rate: number;
  /** Present while the broker refuses to store batches: "disk full at the broker, retrying in N ms". */
  broker?: string;
}

/**
 * Makes progress lines; each {@linkcode ProgressMeter.sample} measures the
 * rate since the previous sample.
 *
 * @example
 * ```ts
 * const meter = new ProgressMeter(systemClock);
 * logger.info("stream progress", meter.sample(counters));
 * ```
 */
export class ProgressMeter {
  readonly #clock: Clock;
  #at: number;
  #published = 0;

  /**
   * Creates a meter that reads `clock`.
   * @param clock time source; the first sample's rate counts from now
   */
  constructor(clock: Clock) {
    this.#clock = clock;
    this.#at = clock.now();
  }

  /**
   * The fields of a progress line for `counters`.
   *
   * @param counters current totals
   */
  sample(counters: ProgressCounters): ProgressFields {
    const now = this.#clock.now();
    const rate = ((counters.published - this.#published) * 1000) / Math.max(1, now - this.#at);
    this.#at = now;
    this.#published = counters.published;
    const fields: ProgressFields = {
      read: counters.read,
      published: counters.published,
      confirmed: counters.confirmed,
      retried: counters.retried,
      skipped: counters.skipped,
      rate: Math.round(rate),
    };
    const backoff = counters.storageBackoffMs ?? 0;
    if (backoff > 0) fields.broker = `cannot store (disk full?), backing off ${backoff} ms`;
    return fields;
  }
}
