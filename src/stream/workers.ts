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
import { DEFAULT_BURST_SECONDS, RateLimiter } from "./rate_limiter.ts";
import { messageBytesProblem } from "../record/limits.ts";
import { noKeyReason } from "../record/columns.ts";
import { inShard, matchesFilters, type RowFilter, type Shard } from "./row_filter.ts";
import { isoTime, rowToMessage } from "./row_message.ts";
import { storableRecord } from "./row_check.ts";
import type { TelemetryRecord } from "../record/telemetry_record.ts";

/** What a pull's wait for the next row gives when the row source went idle first. */
const IDLE: unique symbol = Symbol("idle");

/**
 * Registers `wake`, to be called once the next time the row source starts
 * waiting for more input; returns a function that unregisters it. A waiter
 * lives only while one row read is pending, so nothing piles up however
 * long the source stays busy.
 */
export type IdleWatch = (wake: () => void) => () => void;

/** Waits `ms` milliseconds, or less when `signal` aborts; never rejects. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** Default {@linkcode WorkerOptions.durationMs}: no deadline, run until the rows end or the signal. */
export const DEFAULT_DURATION_MS = 0;

/** Where workers hand messages: a `Publisher`, or a fake in tests. */
export interface MessageSink {
  /**
   * Queues one message; may wait while the sink's buffer is full. `payload`
   * is a view of a reused buffer, valid until the returned promise settles:
   * the sink copies what it keeps (`Publisher` copies it into its batch).
   */
  publish(key: string, payload: Uint8Array): Promise<void>;
}

/**
 * Holds the hand-off between two rows (the resume keeper's cuts, see
 * `resume_keeper.ts`). Rows reach it in read order, one at a time.
 */
export interface HandOffGate {
  /**
   * Before `row` is handed to the sink or skipped: `true` (or a promise of
   * it) lets the row go; `false` stops this worker.
   */
  enter(row: CsvRow): boolean | Promise<boolean>;
  /** After `row` was handed (`sent`) or skipped; a promise holds the next row until it settles. */
  done(row: CsvRow, sent: boolean): void | Promise<void>;
}

/** Options of {@linkcode startWorkers}. */
export interface WorkerOptions {
  /** The shared row iterator; workers pull from it one chunk at a time, in turn. */
  rows: AsyncIterator<CsvRow>;
  /**
   * Tells a pull when the row source starts waiting for more input, so a
   * chunk that is not full yet goes anyway. Without it, a pull waits until
   * its chunk is full or the rows end.
   */
  idle?: IdleWatch;
  /** Where messages go. */
  sink: MessageSink;
  /** Time source. */
  clock: Clock;
  /** Waits between retries. @default {abortableSleep} (real timers) */
  sleep?: Sleep;
  /** Messages/s per worker; 0 = as fast as the sink accepts. */
  rate: number;
  /** Number of workers, >= 1. */
  workers: number;
  /** Stop after this long by `clock`, ms; 0 = no limit. @default {0} */
  durationMs?: number;
  /** Column that overrides the GPU key choice. */
  key?: string;
  /** Rows to keep (all when empty). @default {[]} */
  filters?: RowFilter[];
  /** This streamer's share of the GPUs. */
  shard?: Shard;
  /** Aborting stops every worker before its next chunk. */
  signal: AbortSignal;
  /**
   * Called, in read order, for a row that will not be sent: without a GPU
   * key, or refused by the collector's rules.
   */
  onRejected?: (row: CsvRow, reason: string) => void;
  /** Called, in read order, for a row that will be sent or is outside `--filter`/`--shard`. */
  onAccepted?: (row: CsvRow) => void;
  /**
   * Called for every row looked at, in read order, once it is handed to the
   * sink or skipped; `sent` says which.
   */
  onRowDone?: (row: CsvRow, sent: boolean) => void;
  /** Holds the hand-off between rows when it must (see {@linkcode HandOffGate}). */
  gate?: HandOffGate;
}

/** What the workers did so far; updated live. */
export interface RowCounts {
  /** Rows taken from the iterator and looked at. */
  rowsRead: number;
  /** Rows outside `--filter` / `--shard`. */
  filtered: number;
  /** Rows without a GPU key. */
  noKey: number;
  /** Rows whose message the collector would refuse (see `messageProblem`). */
  rejected: number;
  /** Messages handed to the sink (their publish call returned). */
  handed: number;
  /** Messages whose publish call is waiting for room in the sink. */
  waiting: number;
}

/** A running set of workers. */
export interface Workers {
  /** Row counters. */
  readonly counts: RowCounts;
  /** Settles when every worker stopped; rejects with the first error (e.g. a strict-mode `CsvRowError`). */
  readonly done: Promise<void>;
  /** Resolves once the first chunk is read (where `durationMs` starts), or at the end. */
  readonly started: Promise<void>;
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
 * How much lateness, in seconds of traffic, a worker makes up: a loaded host
 * delays timers and turns by hundreds of milliseconds, and `--rate R
 * --duration D` still promises R·D messages per worker.
 */
const CATCH_UP_SECONDS = 1;

/** Most rows one pull reads while looking for a chunk's worth of messages. */
const MAX_ROWS_PER_PULL = 4096;

/** A chunk of rows and its place in the hand-off order. */
interface Chunk {
  rows: CsvRow[];
  /** What each row becomes. */
  items: Sorted[];
  /** Messages among the rows: the tokens the chunk costs. */
  messages: number;
  /** Settles when every earlier chunk has entered the sink. */
  turn: Promise<unknown>;
  /** Lets the next chunk in. */
  release: () => void;
}

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
  // The duration counts from the first chunk read, so the time it takes to
  // open and parse the start of the file is not taken from it.
  let deadline = Infinity;
  let startedAt = Infinity;
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => markStarted = resolve);
  const chunk = chunkSize(o.rate);
  const classify = new RowClassifier(o);

  let exhausted = false;
  let ahead: Promise<IteratorResult<CsvRow>> | undefined;
  let readChain: Promise<unknown> = Promise.resolve();
  let handoff: Promise<unknown> = Promise.resolve();
  // A pull reads rows until it has n messages: rows that will not be sent
  // cost no token, so every chunk costs about the same.
  const pull = (n: number): Promise<Chunk> => {
    const p = readChain.then(async () => {
      const rows: CsvRow[] = [];
      const items: Sorted[] = [];
      let messages = 0;
      while (messages < n && rows.length < MAX_ROWS_PER_PULL && !exhausted) {
        const p = ahead ?? o.rows.next();
        ahead = p;
        // A source that waits for more input (a followed file at its end)
        // lets the rows gathered so far go; the pending read carries over.
        const next = rows.length > 0 && o.idle ? await untilIdle(p, o.idle) : await p;
        if (next === IDLE) break;
        ahead = undefined;
        if (next.done) exhausted = true;
        else {
          const item = classify.row(next.value);
          rows.push(next.value);
          items.push(item);
          if (typeof item !== "string") messages++;
        }
      }
      if (startedAt === Infinity) startedAt = clock.now();
      if (durationMs > 0 && deadline === Infinity) deadline = startedAt + durationMs;
      markStarted();
      // The turn is taken in read order, so chunks enter the sink in read order.
      const turn = handoff;
      let release!: () => void;
      handoff = new Promise<void>((resolve) => release = resolve);
      return { rows, items, messages, turn, release };
    });
    readChain = p.catch(() => {});
    return p;
  };

  const worker = async () => {
    // Up to CATCH_UP_SECONDS of lateness (late timers, a wait for the turn)
    // is made up; only the usual 10 ms burst may go at the start. A worker
    // whose first chunk came late counts from the common start.
    let limiter: RateLimiter | undefined;
    while (!signal.aborted && !exhausted && clock.now() < deadline) {
      const { rows, items, messages, turn, release } = await pull(chunk);
      try {
        if (rows.length === 0 || signal.aborted) break;
        if (limiter === undefined) {
          const burst = Math.max(1, o.rate * CATCH_UP_SECONDS);
          const late = o.rate * Math.max(0, clock.now() - startedAt) / 1000;
          limiter = new RateLimiter({
            rate: o.rate,
            clock,
            burst,
            start: Math.min(burst, Math.max(1, o.rate * DEFAULT_BURST_SECONDS) + late),
          });
        }
        const wait = limiter.reserve(messages);
        if (clock.now() + wait >= deadline) {
          await sleep(deadline - clock.now(), signal);
          break;
        }
        if (wait > 0) await sleep(wait, signal);
        if (signal.aborted) break;
        await turn;
        if (!(await send(rows, items))) break;
      } finally {
        release();
      }
    }
  };
  // Payloads are encoded into one reused buffer: sends run one at a time and
  // the sink copies each payload before its publish settles. This spares
  // the allocator a short-lived buffer per message.
  let scratch = new Uint8Array(64 * 1024);
  const encode = (record: TelemetryRecord): Uint8Array => {
    const json = JSON.stringify(record);
    if (json.length * 3 > scratch.length) scratch = new Uint8Array(json.length * 3);
    return scratch.subarray(0, encoder.encodeInto(json, scratch).written);
  };
  const gate = o.gate;
  // Hands a chunk over, row by row; false when it stopped part way (the
  // signal, or the gate): the worker stops too, so no row is skipped.
  const send = async (rows: CsvRow[], items: Sorted[]): Promise<boolean> => {
    for (let i = 0; i < rows.length; i++) {
      if (signal.aborted) return false;
      if (gate !== undefined) {
        let go = gate.enter(rows[i]);
        if (go !== true) go = await go;
        if (!go || signal.aborted) return false;
      }
      const item = items[i];
      let sent = false;
      counts.rowsRead++;
      if (typeof item === "string") {
        counts[item]++;
      } else {
        item.record.timestamp = isoTime(clock.now());
        const payload = encode(item.record);
        const tooBig = messageBytesProblem(payload.length);
        if (tooBig !== undefined) {
          counts.rejected++;
          o.onRejected?.(rows[i], tooBig);
        } else {
          counts.waiting++;
          try {
            await o.sink.publish(item.key, payload);
          } finally {
            counts.waiting--;
          }
          counts.handed++;
          sent = true;
        }
      }
      o.onRowDone?.(rows[i], sent);
      const held = gate?.done(rows[i], sent);
      if (held !== undefined) await held;
    }
    return true;
  };
  const done = Promise.all(Array.from({ length: o.workers }, worker)).then(() => {});
  done.then(markStarted, markStarted);
  return { counts, done, started };
}

/**
 * A row sorted out before it takes a token, or the record it is published
 * as: the collector stores a record payload as it comes (see
 * `decodePayload`), so the record built to check the row is what is sent.
 */
type Sorted = "filtered" | "noKey" | "rejected" | { key: string; record: TelemetryRecord };

/** Sorts rows into messages to send and the counted reasons not to. */
class RowClassifier {
  readonly #o: WorkerOptions;
  readonly #filters: RowFilter[];

  constructor(o: WorkerOptions) {
    this.#o = o;
    this.#filters = o.filters ?? [];
  }

  row(row: CsvRow): Sorted {
    const sorted = this.#sort(row);
    if (sorted === "filtered" || typeof sorted !== "string") this.#o.onAccepted?.(row);
    return sorted;
  }

  #sort(row: CsvRow): Sorted {
    const o = this.#o;
    if (!matchesFilters(row.fields, this.#filters)) return "filtered";
    const keyed = rowToMessage(row.fields, { clock: o.clock, keyColumn: o.key });
    if (!keyed) {
      o.onRejected?.(row, noKeyReason(o.key));
      return "noKey";
    }
    if (!inShard(keyed.key, o.shard)) return "filtered";
    const record = storableRecord(keyed.key, keyed.message);
    if (typeof record === "string") {
      o.onRejected?.(row, record);
      return "rejected";
    }
    return { key: keyed.key, record };
  }
}

const encoder = new TextEncoder();

/**
 * `p`'s result, or {@linkcode IDLE} if the source goes idle first. Not
 * `Promise.race` with a long-lived idle promise: every race leaves a
 * reaction on that promise which holds the race's result (a row), so a
 * source that never goes idle (a whole file read at full speed) would keep
 * every row it ever produced.
 */
function untilIdle<T>(p: Promise<T>, watch: IdleWatch): Promise<T | typeof IDLE> {
  return new Promise((resolve, reject) => {
    const unwatch = watch(() => resolve(IDLE));
    p.then((v) => {
      unwatch();
      resolve(v);
    }, (e) => {
      unwatch();
      reject(e);
    });
  });
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
