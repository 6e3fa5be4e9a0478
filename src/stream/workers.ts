/**
 * The streamer's worker loop: W rate-limited workers pulling rows from one
 * shared iterator and handing messages to one sink. It reads time only from
 * the injected {@linkcode Clock} and waits only through the injected
 * {@linkcode Sleep}, so a test can run minutes of pacing in virtual time.
 *
 * @module
 */
import { DEFAULT_BURST_SECONDS, RateLimiter } from "./rate_limiter.ts";
import { ChunkReader, ChunkSender } from "./worker_chunks.ts";
import {
  DEFAULT_DURATION_MS,
  type RowCounts,
  type WorkerOptions,
  type Workers,
} from "./worker_options.ts";

export {
  DEFAULT_DURATION_MS,
  type HandOffGate,
  type IdleWatch,
  type MessageSink,
  type RowCounts,
  type Sleep,
  type WorkerOptions,
  type Workers,
} from "./worker_options.ts";

/**
 * Rows each worker takes per turn: enough to keep the per-message overhead
 * low, few enough that one turn is about 10 ms of its rate.
 *
 * @param rate messages/s per worker (0 = unlimited)
 */
export function chunkSize(rate: number): number {
  return rate === 0 ? 256 : Math.max(1, Math.min(1000, Math.floor(rate / 100)));
}

/**
 * How much lateness, in seconds of traffic, a worker makes up: a loaded host
 * delays timers and turns by hundreds of milliseconds, and `--rate R
 * --duration D` still promises R·D messages per worker.
 */
const CATCH_UP_SECONDS = 1;

/**
 * Starts the workers. Each takes a chunk of rows, sorts out the rows it will
 * not send (outside `--filter`/`--shard`, without a GPU key, or refused by
 * the collector's rules), reserves one token per message left from its own
 * {@linkcode RateLimiter}, sleeps what the limiter says, then stamps and
 * hands over the chunk. Chunks enter the sink one at a time and in the order
 * they were read, so the sink sees the file's order (one GPU's messages in
 * timestamp order, and the same batches on a replay). With `durationMs`, a
 * worker whose next chunk would go at or after the deadline sleeps until the
 * deadline and stops: over D seconds a worker sends `rate × D` messages plus
 * the limiter's burst.
 *
 * @throws {RangeError} naming `workers` or `rate` when out of range
 */
export function startWorkers(o: WorkerOptions): Workers {
  if (!Number.isInteger(o.workers) || o.workers < 1) {
    throw new RangeError(`workers must be an integer >= 1, got ${o.workers}`);
  }
  if (!Number.isFinite(o.rate) || o.rate < 0) {
    throw new RangeError(`rate must be a finite number >= 0, got ${o.rate}`);
  }
  const { clock, signal } = o;
  const sleep = o.sleep ?? abortableSleep;
  const counts: RowCounts = {
    rowsRead: 0,
    filtered: 0,
    noKey: 0,
    rejected: 0,
    handed: 0,
    waiting: 0,
  };
  const durationMs = o.durationMs ?? DEFAULT_DURATION_MS;
  const reader = new ChunkReader(o, durationMs);
  const sender = new ChunkSender(o, counts);
  const chunk = chunkSize(o.rate);

  const worker = async () => {
    // Up to CATCH_UP_SECONDS of lateness (late timers, a wait for the turn)
    // is made up; only the usual 10 ms burst may go at the start. A worker
    // whose first chunk came late counts from the common start.
    let limiter: RateLimiter | undefined;
    while (!signal.aborted && !reader.exhausted && clock.now() < reader.deadline) {
      const { rows, items, messages, turn, release } = await reader.pull(chunk);
      try {
        if (rows.length === 0 || signal.aborted) break;
        if (limiter === undefined) {
          const burst = Math.max(1, o.rate * CATCH_UP_SECONDS);
          const late = o.rate * Math.max(0, clock.now() - reader.startedAt) / 1000;
          limiter = new RateLimiter({
            rate: o.rate,
            clock,
            burst,
            start: Math.min(burst, Math.max(1, o.rate * DEFAULT_BURST_SECONDS) + late),
          });
        }
        const wait = limiter.reserve(messages);
        const deadline = reader.deadline;
        if (clock.now() + wait >= deadline) {
          await sleep(deadline - clock.now(), signal);
          break;
        }
        if (wait > 0) await sleep(wait, signal);
        if (signal.aborted) break;
        await turn;
        if (!(await sender.send(rows, items))) break;
      } finally {
        release();
      }
    }
  };
  const done = Promise.all(Array.from({ length: o.workers }, worker)).then(() => {});
  const markStarted = () => reader.markStarted();
  done.then(markStarted, markStarted);
  return { counts, done, started: reader.started };
}

/** The real {@linkcode Sleep}: a timer, cut short when `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
