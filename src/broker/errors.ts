/**
 * Errors the broker answers a client with (the connection stays).
 *
 * @module
 */

/** A request would pass a configured limit (answered ERROR LIMIT; the connection stays). */
export class LimitError extends Error {
  /**
   * Creates it.
   *
   * @param message what limit, and the flag that sets it
   */
  constructor(message: string) {
    super(message);
    this.name = "LimitError";
  }
}
