/**
 * The error a command line is refused with.
 *
 * @module
 */

/**
 * A command line (or `GPUTEL_*` environment variable) that gputel cannot run
 * with. The message is one line that names the flag or variable and says what
 * is expected; `main.ts` prints it as `gputel: <message>` and exits 2.
 *
 * @example
 * ```ts
 * throw new UsageError(`--rate must be a number >= 0 (messages per second per worker), got "-1"`);
 * ```
 */
export class UsageError extends Error {
  /**
   * Creates the error with a message naming the bad flag.
   * @param message one line naming the flag and what it expects
   * @param options `cause`: the lower-level error, when there is one
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}
