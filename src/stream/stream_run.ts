/**
 * A stream role running to its end, held as an object: the CSV role
 * ({@linkcode startStream} in `role.ts`) and the live one (composed in
 * `src/cli/live.ts`) both run inside one, so a process holds and stops
 * every role alike.
 *
 * @module
 */

/**
 * Runs `run` at once with a signal of its own, which aborts when the outer
 * signal does or on {@linkcode StreamRun.close}; `done` settles with what the
 * run returns (or throws).
 *
 * @example
 * ```ts
 * await using stream = new StreamRun((signal) => runStream({ ...options, signal }), signal);
 * const result = await stream.done;
 * ```
 */
export class StreamRun<T> implements AsyncDisposable {
  /** Settles when the run has finished, with its result or its error. */
  readonly done: Promise<T>;
  readonly #stop = new AbortController();

  /**
   * Starts `run` at once.
   *
   * @param run the role's run; it stops reading, drains and returns once its signal aborts
   * @param signal the process's signal: aborting it stops the run, as `close()` does
   */
  constructor(run: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal) {
    const stop = this.#stop;
    const onAbort = () => stop.abort();
    if (signal?.aborted) stop.abort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    this.done = run(stop.signal).finally(() => signal?.removeEventListener("abort", onAbort));
  }

  /**
   * Stops the run (it drains as on its signal) and waits for it to finish.
   * Safe to call twice, and after the end. An error of the run is not
   * thrown here: `done` carries it.
   */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.done.catch(() => {});
  }

  /** Same as {@linkcode StreamRun.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
