/**
 * The `stream` role: reads a CSV (once, followed as it grows, or looping), turns each row into a
 * telemetry message keyed by its GPU, and publishes through one
 * {@linkcode Publisher} at `rate` messages/s per worker (see
 * {@linkcode startWorkers}). On the signal or at the end of `durationMs` it
 * stops reading, waits up to `drainTimeoutMs` for confirms, and reports what
 * was left unconfirmed.
 *
 * @module
 */
import { CsvStreamRun } from "./csv_stream_run.ts";
import type { StreamResult, StreamRoleOptions } from "./role_options.ts";
import { StreamRun } from "./stream_run.ts";

/**
 * Runs the streamer until the file ends (`loop: false`), the duration passes,
 * or the signal aborts; then waits for confirms: after the file's end as long
 * as it takes (a signal then starts the drain timeout), after the signal or
 * the duration's end at most `drainTimeoutMs`.
 * `unconfirmed` in the result is 0 only when every message made was confirmed.
 *
 * @throws {RangeError} naming a bad option
 * @throws {CsvRowError} in strict mode; file errors; {@linkcode BrokerUnavailableError}
 *
 * @example
 * ```ts
 * const r = await runStream({ csv: "data/sample.csv", broker: { host: "127.0.0.1", port: 9000 },
 *   rate: 0, loop: false, logger: createLogger() });
 * Deno.exit(r.unconfirmed === 0 ? 0 : 1);
 * ```
 */
export async function runStream(o: StreamRoleOptions): Promise<StreamResult> {
  const run = await CsvStreamRun.open(o);
  return await run.run();
}

/**
 * Starts the stream role as an object: `done` settles with what
 * {@linkcode runStream} returns; `close()` (or `o.signal`) stops reading and
 * waits for the drain.
 *
 * @example
 * ```ts
 * await using stream = startStream({ csv: "data/sample.csv", broker, logger, signal });
 * const { unconfirmed } = await stream.done;
 * ```
 */
export function startStream(o: StreamRoleOptions): StreamRun<StreamResult> {
  return new StreamRun((signal) => runStream({ ...o, signal }), o.signal);
}
