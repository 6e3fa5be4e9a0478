/**
 * The streamer's worker loop: W rate-limited workers pulling rows from one
 * shared iterator and handing messages to one sink. It reads time only from
 * the injected {@linkcode Clock} and waits only through the injected
 * {@linkcode Sleep}, so a test can run minutes of pacing in virtual time.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { CsvRow } from "./csv_rows.ts";
import { RateLimiter } from "./rate_limiter.ts";
import { inShard, matchesFilters, type RowFilter, type Shard } from "./row_filter.ts";
import { rowToMessage } from "./row_message.ts";
import type { TelemetryMessage } from "./message.ts";

/** Waits `ms` milliseconds, or less when `signal` aborts; never rejects. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** Where workers hand messages: a `Publisher`, or a fake in tests. */
export interface MessageSink {
  /**
   * Queues one message; may wait while the sink's buffer is full. `payload`
   * is a view of a reused buffer, valid until the returned promise settles:
   * the sink copies what it keeps (`Publisher` copies it into its batch).
   */
  publish(key: string, payload: Uint8Array): Promise<void>;
}

/** Options of {@linkcode startWorkers}. */
export interface WorkerOptions {
  /** The shared row iterator; workers pull from it one chunk at a time, in turn. */
  rows: AsyncIterator<CsvRow>;
  sink: MessageSink;
  clock: Clock;
  /** @default {abortableSleep} (real timers) */
  sleep?: Sleep;
  /** Messages/s per worker; 0 = as fast as the sink accepts. */
  rate: number;
  /** Number of workers, >= 1. */
  workers: number;
  /** Stop after this long by `clock`, ms; 0 = no limit. @default {0} */
  durationMs?: number;
  /** Column that overrides the GPU key choice. */
  key?: string;
  /** @default {[]} */
  filters?: RowFilter[];
  shard?: Shard;
  /** Aborting stops every worker before its next chunk. */
  signal: AbortSignal;
}

/** What the workers did so far; updated live. */
export interface RowCounts {
  /** Rows taken from the iterator and looked at. */
  rowsRead: number;
  /** Rows outside `--filter` / `--shard`. */
  filtered: number;
  /** Rows without a GPU key. */
  noKey: number;
  /** Messages handed to the sink (their publish call returned). */
  handed: number;
  /** Messages whose publish call is waiting for room in the sink. */
  waiting: number;
}

/** A running set of workers. */
export interface Workers {
  readonly counts: RowCounts;
  /** Settles when every worker stopped; rejects with the first error (e.g. a strict-mode `CsvRowError`). */
  readonly done: Promise<void>;
}

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
 * Starts the workers. Each takes a chunk of rows, reserves that many tokens
 * from its own {@linkcode RateLimiter}, sleeps what the limiter says, then
 * converts and hands over the chunk; chunks enter the sink one at a time,
 * so one GPU's messages reach the sink in timestamp order even while the
 * sink makes publishers wait. With `durationMs`, a worker
 * whose next chunk would go at or after the deadline sleeps until the
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
  const filters = o.filters ?? [];
  const counts: RowCounts = { rowsRead: 0, filtered: 0, noKey: 0, handed: 0, waiting: 0 };
  const deadline = (o.durationMs ?? 0) > 0 ? clock.now() + o.durationMs! : Infinity;
  const chunk = chunkSize(o.rate);

  let exhausted = false;
  let readChain: Promise<unknown> = Promise.resolve();
  const pull = (n: number): Promise<CsvRow[]> => {
    const p = readChain.then(async () => {
      const out: CsvRow[] = [];
      while (out.length < n && !exhausted) {
        const next = await o.rows.next();
        if (next.done) exhausted = true;
        else out.push(next.value);
      }
      return out;
    });
    readChain = p.catch(() => {});
    return p;
  };

  const worker = async () => {
    const limiter = new RateLimiter({ rate: o.rate, clock });
    while (!signal.aborted && !exhausted && clock.now() < deadline) {
      const batch = await pull(chunk);
      if (batch.length === 0 || signal.aborted) break;
      const wait = limiter.reserve(batch.length);
      if (clock.now() + wait >= deadline) {
        await sleep(deadline - clock.now(), signal);
        break;
      }
      if (wait > 0) await sleep(wait, signal);
      if (signal.aborted) break;
      // One chunk at a time enters the sink: a worker stamps its rows only
      // once the previous chunk is in, even when the sink's buffer is full.
      const turn = handoff.then(() => send(batch));
      handoff = turn.catch(() => {});
      await turn;
    }
  };
  let handoff: Promise<unknown> = Promise.resolve();
  // Payloads are encoded into one reused buffer: sends run one at a time and
  // the sink copies each payload before its publish settles. This spares
  // the allocator a short-lived buffer per message.
  let scratch = new Uint8Array(64 * 1024);
  const encode = (message: TelemetryMessage): Uint8Array => {
    const json = JSON.stringify(message);
    if (json.length * 3 > scratch.length) scratch = new Uint8Array(json.length * 3);
    return scratch.subarray(0, encoder.encodeInto(json, scratch).written);
  };
  const send = async (batch: CsvRow[]) => {
    for (const row of batch) {
      if (signal.aborted) return;
      counts.rowsRead++;
      if (!matchesFilters(row.fields, filters)) {
        counts.filtered++;
        continue;
      }
      const keyed = rowToMessage(row.fields, { clock, keyColumn: o.key });
      if (!keyed) {
        counts.noKey++;
        continue;
      }
      if (!inShard(keyed.key, o.shard)) {
        counts.filtered++;
        continue;
      }
      counts.waiting++;
      try {
        await o.sink.publish(keyed.key, encode(keyed.message));
      } finally {
        counts.waiting--;
      }
      counts.handed++;
    }
  };
  const done = Promise.all(Array.from({ length: o.workers }, worker)).then(() => {});
  return { counts, done };
}

const encoder = new TextEncoder();

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
