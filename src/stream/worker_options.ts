/**
 * Options and results of the streamer's workers ({@linkcode startWorkers} in
 * `workers.ts`): the sink and gate they hand rows to, and their counts.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { CsvRow } from "./csv_rows.ts";
import type { RowFilter, Shard } from "./row_filter.ts";

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
  /** Stop after this long by `clock`, ms; 0 = no limit. @default {DEFAULT_DURATION_MS} */
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
