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
import { type Clock, systemClock } from "../clock.ts";
import type { BrokerAddress } from "../client/link.ts";
import { Publisher } from "../client/publisher.ts";
import { DEFAULT_BATCH_SIZE, DEFAULT_LINGER_MS } from "../client/publisher_options.ts";
import type { ResumableSinkOptions, Sink } from "../client/sink.ts";
import type { TlsClientConfig } from "../net/tls.ts";
import type { Logger } from "../obs/log.ts";
import { DEFAULT_TOPIC } from "../record/topic.ts";
import { BadRowRun, DEFAULT_MAX_BAD_ROWS } from "./bad_rows.ts";
import type { BadRow } from "./csv_errors.ts";
import { DEFAULT_MAX_RECORD_CHARS } from "./csv_parser.ts";
import { ProgressMeter } from "./progress.ts";
import type { RowFilter, Shard } from "./row_filter.ts";
import { csvRowSource } from "./row_source.ts";
import { StreamResume } from "./resume_run.ts";
import { StreamRun } from "./stream_run.ts";
import { DEFAULT_DURATION_MS, type Sleep, startWorkers } from "./workers.ts";

/** Default {@linkcode StreamRoleOptions.drainTimeoutMs}. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
/** Default {@linkcode StreamRoleOptions.bufferMessages}. */
export const DEFAULT_BUFFER_MESSAGES = 20_000;
/** Default {@linkcode StreamRoleOptions.rate}: one message per second per worker. */
export const DEFAULT_RATE = 1;
/** Default {@linkcode StreamRoleOptions.workers}. */
export const DEFAULT_WORKERS = 4;
/** Default {@linkcode StreamRoleOptions.loop}: replay the file until stopped. */
export const DEFAULT_LOOP = true;
/** Default {@linkcode StreamRoleOptions.progressMs}. */
export const DEFAULT_PROGRESS_MS = 10_000;
// The real-time stop at the end of --duration comes this much after the
// clock's deadline, so it only cuts short workers stuck waiting for room,
// not ones whose timers a loaded host made late.
const DEADLINE_GRACE_MS = 1_000;

/** What the stream role publishes through: a {@linkcode Sink} (`Publisher`, JetStream, a fake). */
export type StreamPublisher = Sink;

/** Options of {@linkcode runStream}. */
export interface StreamRoleOptions {
  /** Path of the CSV file to stream. */
  csv: string;
  /** The gputel broker; required unless `connect` is given. */
  broker?: BrokerAddress;
  /** Sent to the broker in HELLO when it requires one. */
  token?: string;
  /** Speak TLS to the broker, trusting these CAs. */
  tls?: TlsClientConfig;
  /** Topic to publish to. @default {DEFAULT_TOPIC} */
  topic?: string;
  /** Rate-limited senders sharing the file. @default {DEFAULT_WORKERS} */
  workers?: number;
  /** Messages/s per worker; 0 = as fast as the broker accepts. @default {DEFAULT_RATE} */
  rate?: number;
  /** Stop after this long, ms; 0 = until the file ends (no loop) or the signal. @default {DEFAULT_DURATION_MS} */
  durationMs?: number;
  /** Replay the file forever (not with `follow`). @default {DEFAULT_LOOP} */
  loop?: boolean;
  /**
   * Read the file as it grows (tail -F), across rotation and truncation,
   * until the signal or the duration's end; never loops. @default {false}
   */
  follow?: boolean;
  /** Messages per published batch. @default {DEFAULT_BATCH_SIZE} */
  batchSize?: number;
  /** How long a batch waits for more messages, ms. @default {DEFAULT_LINGER_MS} */
  lingerMs?: number;
  /** Most unconfirmed messages held in memory; reading waits above it. @default {DEFAULT_BUFFER_MESSAGES} */
  bufferMessages?: number;
  /** Column that overrides the GPU key choice. */
  key?: string;
  /** Rows to keep (all when empty). */
  filters?: RowFilter[];
  /** This streamer's share of GPUs (one-based K of N). */
  shard?: Shard;
  /** First bad row is fatal. @default {false} */
  strict?: boolean;
  /**
   * A longer CSV record is a bad row (characters of decoded text: bytes for
   * ASCII). @default {DEFAULT_MAX_RECORD_CHARS}
   */
  maxRecordBytes?: number;
  /** More bad rows than this in a row stop the stream (exit 1). @default {DEFAULT_MAX_BAD_ROWS} */
  maxBadRows?: number;
  /** No progress lines. @default {false} */
  quiet?: boolean;
  /** Progress line interval, ms. @default {DEFAULT_PROGRESS_MS} */
  progressMs?: number;
  /** After stopping, wait this long for outstanding confirms, ms. @default {DEFAULT_DRAIN_TIMEOUT_MS} */
  drainTimeoutMs?: number;
  /** Time source. @default {systemClock} */
  clock?: Clock;
  /** How workers wait for the rate limiter. @default real timers */
  sleep?: Sleep;
  /**
   * Opens the sink (the JetStream transport, a fake), numbering its batches
   * as `options` say. @default `Publisher.connect` to `broker`
   */
  connect?: (options: ResumableSinkOptions) => Promise<StreamPublisher>;
  /** The transport behind `connect`, as the state file names it. @default {"gputel"} */
  transport?: string;
  /**
   * Record the confirmed position in this file and continue there on a
   * restart (not with `loop`; see `resume_keeper.ts`). Batches are then
   * sealed only when full and at the cut made every second.
   */
  state?: string;
  /** Where the role logs. */
  logger: Logger;
  /** Aborting stops reading; outstanding messages are drained. */
  signal?: AbortSignal;
}

/** What a stream run did. */
export interface StreamResult {
  /** Data rows read. */
  rowsRead: number;
  /** Messages published. */
  published: number;
  /** Messages the broker confirmed. */
  confirmed: number;
  /** Messages resent. */
  retried: number;
  /** Rows skipped: malformed, without a GPU key, refused by the collector's rules, or outside --filter/--shard. */
  skipped: number;
  /** Rows that failed to parse. */
  badRows: number;
  /** Rows without a GPU key. */
  noKey: number;
  /** Rows whose message the collector would refuse (too many fields, no metric, …). */
  rejected: number;
  /** Rows dropped by a filter. */
  filtered: number;
  /** Messages made but not confirmed when the run ended (0 on success). */
  unconfirmed: number;
}

function checkOptions(o: StreamRoleOptions): void {
  if (!o.broker && !o.connect) throw new RangeError("broker is required unless connect is given");
  const positive = { bufferMessages: o.bufferMessages, progressMs: o.progressMs };
  for (const [field, v] of Object.entries(positive)) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new RangeError(`${field} must be an integer >= 1, got ${v}`);
    }
  }
  const nonNegative = { durationMs: o.durationMs, drainTimeoutMs: o.drainTimeoutMs };
  for (const [field, v] of Object.entries(nonNegative)) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`${field} must be a finite number >= 0, got ${v}`);
    }
  }
}

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
  checkOptions(o);
  const clock = o.clock ?? systemClock;
  const log = o.logger;
  const durationMs = o.durationMs ?? DEFAULT_DURATION_MS;
  const drainMs = o.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  const stop = new AbortController();
  const stopped = new Promise<void>((resolve) =>
    stop.signal.addEventListener("abort", () => resolve(), { once: true })
  );
  const onAbort = () => stop.abort();
  if (o.signal?.aborted) stop.abort();
  else o.signal?.addEventListener("abort", onAbort, { once: true });
  const resume = o.state === undefined ? undefined : await StreamResume.open(o.state, o.csv, {
    transport: o.transport ?? "gputel",
    topic: o.topic ?? DEFAULT_TOPIC,
    batch: o.batchSize ?? DEFAULT_BATCH_SIZE,
    key: o.key,
    filters: o.filters ?? [],
    shard: o.shard,
    maxRecordBytes: o.maxRecordBytes ?? DEFAULT_MAX_RECORD_CHARS,
  }, log);
  const sinkOptions = resume?.sinkOptions ?? {};
  const pub = await (o.connect ?? ((numbering: ResumableSinkOptions) =>
    Publisher.connect({
      broker: o.broker!,
      topic: o.topic ?? DEFAULT_TOPIC,
      clientId: "stream",
      token: o.token,
      tls: o.tls,
      batchSize: o.batchSize ?? DEFAULT_BATCH_SIZE,
      lingerMs: o.lingerMs ?? DEFAULT_LINGER_MS,
      bufferMessages: o.bufferMessages ?? DEFAULT_BUFFER_MESSAGES,
      logger: log,
      ...numbering,
    })))(sinkOptions);
  const keeper = resume?.keeper(pub, log, stop.signal);
  let badRows = 0;
  const badRun = new BadRowRun(o.maxBadRows ?? DEFAULT_MAX_BAD_ROWS, o.csv);
  // Pulls waiting for a row, woken when the reader reaches the end of what is there.
  const idle = new Set<() => void>();
  const rows = csvRowSource(o.csv, {
    onIdle: () => {
      const waiting = [...idle];
      idle.clear();
      for (const wake of waiting) wake();
    },
    loop: !o.follow && (o.loop ?? DEFAULT_LOOP),
    follow: o.follow,
    resume: resume?.plan.resume,
    signal: stop.signal,
    onEvent: (e) => {
      resume?.checkEvent(e);
      if (e.kind === "resumed") log.info(e.message);
      else log.warn(e.message);
    },
    strict: o.strict,
    maxRecordChars: o.maxRecordBytes ?? DEFAULT_MAX_RECORD_CHARS,
    onBadRow: (bad: BadRow) => {
      badRows++;
      log.warn(`skipping ${o.csv} line ${bad.line}: ${describeBadRow(bad, o.maxRecordBytes)}`);
      badRun.bad(bad.line);
    },
    onPass: (pass) => pass > 1 && log.debug("looping over the file", { pass }),
  });
  const work = startWorkers({
    rows,
    sink: pub,
    clock,
    sleep: o.sleep,
    idle: (wake) => {
      idle.add(wake);
      return () => idle.delete(wake);
    },
    rate: o.rate ?? DEFAULT_RATE,
    workers: o.workers ?? DEFAULT_WORKERS,
    durationMs,
    key: o.key,
    filters: o.filters,
    shard: o.shard,
    signal: stop.signal,
    onRejected: (row, reason) => {
      log.warn(`skipping ${o.csv} line ${row.line}: ${reason}`);
      badRun.bad(row.line);
    },
    onAccepted: () => badRun.good(),
    gate: keeper,
  });
  const c = work.counts;
  const result = (): StreamResult => ({
    rowsRead: c.rowsRead,
    published: pub.counters.published,
    confirmed: pub.counters.confirmed,
    retried: pub.counters.retried,
    skipped: badRows + c.noKey + c.rejected + c.filtered,
    badRows,
    noKey: c.noKey,
    rejected: c.rejected,
    filtered: c.filtered,
    unconfirmed: pub.counters.published - pub.counters.confirmed + c.waiting,
  });
  const meter = new ProgressMeter(clock);
  const progress = (msg: string, r: StreamResult) => {
    if (o.quiet) return;
    const storageBackoffMs = pub.counters.storageBackoffMs;
    log.info(msg, { ...meter.sample({ ...r, read: r.rowsRead, storageBackoffMs }) });
  };
  const ticker = setInterval(
    () => progress("stream progress", result()),
    o.progressMs ?? DEFAULT_PROGRESS_MS,
  );
  let durationTimer: ReturnType<typeof setTimeout> | undefined;
  if (durationMs > 0) {
    work.started.then(() => {
      if (!stop.signal.aborted) {
        durationTimer = setTimeout(() => stop.abort(), durationMs + DEADLINE_GRACE_MS);
      }
    });
  }

  let failure: unknown;
  let closing = false;
  let final: StreamResult | undefined;
  const done = work.done.catch((err) => {
    if (!closing) failure ??= err;
  });
  // With --state, the keeper confirms the rest and writes the final state,
  // unless the drain gave up first.
  let giveUp!: () => void;
  const givenUp = new Promise<void>((resolve) => giveUp = resolve);
  let drained: Promise<unknown> = Promise.resolve();
  const confirm = async () => {
    if (keeper === undefined) await pub.flush();
    else await keeper.finish(givenUp);
  };
  try {
    await Promise.race([done, stopped]);
    if (failure === undefined) {
      drained = done.then(() => failure === undefined ? confirm() : undefined);
      const what = await settleWithin(drained, stopped, drainMs);
      if (what === "timeout") {
        log.error(`stopped waiting for confirms after ${drainMs} ms (--drain-timeout)`);
      } else if (what instanceof Error) {
        log.error(`could not confirm every message: ${what.message}`);
      }
    }
  } finally {
    giveUp();
    clearInterval(ticker);
    clearTimeout(durationTimer);
    o.signal?.removeEventListener("abort", onAbort);
    stop.abort();
    closing = failure === undefined;
    final = result();
    await pub.close();
    await done;
    if (keeper !== undefined) {
      // The final state is written, or given up on, before the run returns.
      await drained.catch(() => {});
      keeper.close();
    }
    await rows.return(undefined);
    if (failure === undefined) {
      progress("stream finished", final!);
      if (final!.unconfirmed > 0) {
        log.error(`${final!.unconfirmed} messages were not confirmed by the broker`, {
          unconfirmed: final!.unconfirmed,
        });
      }
    }
  }
  if (failure !== undefined) throw failure;
  return final!;
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

function describeBadRow(bad: BadRow, maxRecordBytes = DEFAULT_MAX_RECORD_CHARS): string {
  if (bad.reason === "field_count") return `expected ${bad.expected} fields, got ${bad.got}`;
  if (bad.reason === "record_too_long") {
    return `record is longer than --max-record-bytes ${maxRecordBytes}`;
  }
  return bad.reason.replaceAll("_", " ");
}

/**
 * Waits for `p`; once `stopped` resolves, at most `ms` more. Answers "ok",
 * the error `p` rejected with, or "timeout".
 */
export async function settleWithin(
  p: Promise<unknown>,
  stopped: Promise<void>,
  ms: number,
): Promise<"ok" | "timeout" | Error> {
  let t: ReturnType<typeof setTimeout> | undefined;
  let settled = false;
  const timeout = stopped.then(() =>
    new Promise<"timeout">((resolve) => {
      if (!settled) t = setTimeout(() => resolve("timeout"), ms);
    })
  );
  try {
    return await Promise.race([p.then(() => "ok" as const, (e) => e as Error), timeout]);
  } finally {
    settled = true;
    clearTimeout(t);
  }
}
