/**
 * A publisher's pause after the broker refuses to store (ERROR STORAGE:
 * disk full, write error): it sends nothing for a while, one pause per
 * window of refusals, growing from {@linkcode STORAGE_RETRY_MS} to
 * {@linkcode STORAGE_RETRY_MAX_MS} while refusals go on, and back to none at
 * the next confirm.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import { backoffDelay } from "./backoff.ts";
import {
  type PublisherCounters,
  STORAGE_RETRY_MAX_MS,
  STORAGE_RETRY_MS,
} from "./publisher_options.ts";

/** The pause of one publisher after storage refusals. */
export class StorageBackoff {
  #counters: PublisherCounters;
  #logger: Logger;
  #resume: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #inARow = 0; // storage refusals since the last confirm

  /**
   * Creates it.
   * @param counters where the current pause is shown (`storageBackoffMs`)
   * @param resume called when a pause ends
   */
  constructor(counters: PublisherCounters, logger: Logger, resume: () => void) {
    this.#counters = counters;
    this.#logger = logger;
    this.#resume = resume;
  }

  /** Whether sending is paused now. */
  get paused(): boolean {
    return this.#timer !== undefined;
  }

  /** A batch was refused: pause (unless a pause already covers this window's refusals). */
  refused(message: string): void {
    if (this.#timer !== undefined) return;
    const delay = backoffDelay(this.#inARow++, {
      initialMs: STORAGE_RETRY_MS,
      maxMs: STORAGE_RETRY_MAX_MS,
    });
    this.#counters.storageBackoffMs = delay;
    if (this.#inARow === 1) {
      this.#logger.warn(`the broker cannot store batches (${message}); backing off`);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#resume();
    }, delay);
  }

  /** A batch was confirmed: the broker stores again. */
  confirmed(): void {
    if (this.#inARow === 0) return;
    this.#logger.info("the broker stores batches again", { refusals: this.#inARow });
    this.#inARow = 0;
    this.#counters.storageBackoffMs = 0;
  }

  /** Cancels a pause (the publisher closes). */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
