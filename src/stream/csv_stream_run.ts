/**
 * One run of the stream role over a CSV file ({@linkcode runStream} in
 * `role.ts`): the sink, the row source and the workers it wires, the
 * progress ticker and the `--duration` timer, and the drain at the end.
 *
 * @module
 */
import { type Clock, systemClock } from "../clock.ts";
import { DEFAULT_BATCH_SIZE } from "../client/publisher_options.ts";
import type { Logger } from "../obs/log.ts";
import { DEFAULT_TOPIC } from "../record/topic.ts";
import { BadRowRun, DEFAULT_MAX_BAD_ROWS, describeBadRow } from "./bad_rows.ts";
import type { BadRow } from "./csv_errors.ts";
import { DEFAULT_MAX_RECORD_CHARS } from "./csv_parser.ts";
import type { CsvRow } from "./csv_rows.ts";
import { ProgressMeter } from "./progress.ts";
import type { ResumeKeeper } from "./resume_keeper.ts";
import { StreamResume } from "./resume_run.ts";
import {
  checkStreamOptions,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_LOOP,
  DEFAULT_PROGRESS_MS,
  DEFAULT_RATE,
  DEFAULT_WORKERS,
  type StreamPublisher,
  type StreamResult,
  type StreamRoleOptions,
} from "./role_options.ts";
import { csvRowSource } from "./row_source.ts";
import { settleWithin } from "./settle.ts";
import { connectSink } from "./stream_sink.ts";
import { DEFAULT_DURATION_MS, startWorkers, type Workers } from "./workers.ts";

// The real-time stop at the end of --duration comes this much after the
// clock's deadline, so it only cuts short workers stuck waiting for room,
// not ones whose timers a loaded host made late.
const DEADLINE_GRACE_MS = 1_000;

/** A stream run over a CSV file, wired and reading; {@linkcode CsvStreamRun.run} drives it once. */
export class CsvStreamRun {
  readonly #o: StreamRoleOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #stop: AbortController;
  readonly #stopped: Promise<void>;
  readonly #onAbort: () => void;
  readonly #pub: StreamPublisher;
  readonly #keeper: ResumeKeeper | undefined;
  readonly #badRun: BadRowRun;
  #badRows = 0;
  /** Pulls waiting for a row, woken when the reader reaches the end of what is there. */
  readonly #idle = new Set<() => void>();
  readonly #rows: AsyncGenerator<CsvRow>;
  readonly #work: Workers;
  /** The workers' end; a failure before closing is the run's. */
  readonly #done: Promise<void>;
  readonly #meter: ProgressMeter;
  readonly #ticker: ReturnType<typeof setInterval>;
  #durationTimer: ReturnType<typeof setTimeout> | undefined;
  #failure: unknown;
  #closing = false;
  #final: StreamResult | undefined;

  /**
   * Checks the options, opens the resume state (`state`) and the sink, and
   * starts reading.
   *
   * @throws {RangeError} naming a bad option; {@linkcode BrokerUnavailableError}
   */
  static async open(o: StreamRoleOptions): Promise<CsvStreamRun> {
    checkStreamOptions(o);
    const stop = new AbortController();
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
    }, o.logger);
    const pub = await connectSink(o, resume?.sinkOptions ?? {});
    return new CsvStreamRun(o, stop, onAbort, pub, resume);
  }

  private constructor(
    o: StreamRoleOptions,
    stop: AbortController,
    onAbort: () => void,
    pub: StreamPublisher,
    resume: StreamResume | undefined,
  ) {
    this.#o = o;
    this.#log = o.logger;
    this.#clock = o.clock ?? systemClock;
    this.#stop = stop;
    this.#stopped = new Promise<void>((resolve) => {
      if (stop.signal.aborted) resolve();
      else stop.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    this.#onAbort = onAbort;
    this.#pub = pub;
    this.#keeper = resume?.keeper(pub, this.#log, stop.signal);
    this.#badRun = new BadRowRun(o.maxBadRows ?? DEFAULT_MAX_BAD_ROWS, o.csv);
    this.#rows = this.#openRows(resume);
    this.#work = this.#startWorkers();
    this.#done = this.#work.done.catch((err) => {
      if (!this.#closing) this.#failure ??= err;
    });
    this.#meter = new ProgressMeter(this.#clock);
    this.#ticker = setInterval(
      () => this.#progress("stream progress", this.#result()),
      o.progressMs ?? DEFAULT_PROGRESS_MS,
    );
    this.#startDeadline();
  }

  #openRows(resume: StreamResume | undefined): AsyncGenerator<CsvRow> {
    const o = this.#o;
    const log = this.#log;
    return csvRowSource(o.csv, {
      onIdle: () => {
        const waiting = [...this.#idle];
        this.#idle.clear();
        for (const wake of waiting) wake();
      },
      loop: !o.follow && (o.loop ?? DEFAULT_LOOP),
      follow: o.follow,
      resume: resume?.plan.resume,
      signal: this.#stop.signal,
      onEvent: (e) => {
        resume?.checkEvent(e);
        if (e.kind === "resumed") log.info(e.message);
        else log.warn(e.message);
      },
      strict: o.strict,
      maxRecordChars: o.maxRecordBytes ?? DEFAULT_MAX_RECORD_CHARS,
      onBadRow: (bad: BadRow) => {
        this.#badRows++;
        log.warn(`skipping ${o.csv} line ${bad.line}: ${describeBadRow(bad, o.maxRecordBytes)}`);
        this.#badRun.bad(bad.line);
      },
      onPass: (pass) => pass > 1 && log.debug("looping over the file", { pass }),
    });
  }

  #startWorkers(): Workers {
    const o = this.#o;
    return startWorkers({
      rows: this.#rows,
      sink: this.#pub,
      clock: this.#clock,
      sleep: o.sleep,
      idle: (wake) => {
        this.#idle.add(wake);
        return () => this.#idle.delete(wake);
      },
      rate: o.rate ?? DEFAULT_RATE,
      workers: o.workers ?? DEFAULT_WORKERS,
      durationMs: o.durationMs ?? DEFAULT_DURATION_MS,
      key: o.key,
      filters: o.filters,
      shard: o.shard,
      signal: this.#stop.signal,
      onRejected: (row, reason) => {
        this.#log.warn(`skipping ${o.csv} line ${row.line}: ${reason}`);
        this.#badRun.bad(row.line);
      },
      onAccepted: () => this.#badRun.good(),
      gate: this.#keeper,
    });
  }

  /** With `durationMs`, stops the run that long (plus a grace) after the first chunk is read. */
  #startDeadline(): void {
    const durationMs = this.#o.durationMs ?? DEFAULT_DURATION_MS;
    if (durationMs <= 0) return;
    this.#work.started.then(() => {
      if (this.#stop.signal.aborted) return;
      this.#durationTimer = setTimeout(() => this.#stop.abort(), durationMs + DEADLINE_GRACE_MS);
    });
  }

  #result(): StreamResult {
    const c = this.#work.counts;
    const pub = this.#pub.counters;
    return {
      rowsRead: c.rowsRead,
      published: pub.published,
      confirmed: pub.confirmed,
      retried: pub.retried,
      skipped: this.#badRows + c.noKey + c.rejected + c.filtered,
      badRows: this.#badRows,
      noKey: c.noKey,
      rejected: c.rejected,
      filtered: c.filtered,
      unconfirmed: pub.published - pub.confirmed + c.waiting,
    };
  }

  #progress(msg: string, r: StreamResult): void {
    if (this.#o.quiet) return;
    const storageBackoffMs = this.#pub.counters.storageBackoffMs;
    this.#log.info(msg, { ...this.#meter.sample({ ...r, read: r.rowsRead, storageBackoffMs }) });
  }

  /**
   * Waits for the file's end (`loop: false`), the duration or the signal;
   * then for confirms: after the file's end as long as it takes (a signal
   * then starts the drain timeout), after the signal or the duration at most
   * `drainTimeoutMs`.
   *
   * @throws {CsvRowError} in strict mode; what the workers or the sink threw
   */
  async run(): Promise<StreamResult> {
    const done = this.#done;
    // With --state, the keeper confirms the rest and writes the final state,
    // unless the drain gave up first.
    let giveUp!: () => void;
    const givenUp = new Promise<void>((resolve) => giveUp = resolve);
    let drained: Promise<unknown> = Promise.resolve();
    try {
      await Promise.race([done, this.#stopped]);
      if (this.#failure === undefined) {
        drained = done.then(() => this.#failure === undefined ? this.#confirm(givenUp) : undefined);
        await this.#drain(drained);
      }
    } finally {
      giveUp();
      await this.#finish(done, drained);
    }
    if (this.#failure !== undefined) throw this.#failure;
    return this.#final!;
  }

  async #confirm(givenUp: Promise<void>): Promise<void> {
    if (this.#keeper === undefined) await this.#pub.flush();
    else await this.#keeper.finish(givenUp);
  }

  async #drain(drained: Promise<unknown>): Promise<void> {
    const drainMs = this.#o.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    const what = await settleWithin(drained, this.#stopped, drainMs);
    if (what === "timeout") {
      this.#log.error(`stopped waiting for confirms after ${drainMs} ms (--drain-timeout)`);
    } else if (what instanceof Error) {
      this.#log.error(`could not confirm every message: ${what.message}`);
    }
  }

  /** Stops everything, closes the sink and the file, and logs the outcome. */
  async #finish(done: Promise<void>, drained: Promise<unknown>): Promise<void> {
    clearInterval(this.#ticker);
    clearTimeout(this.#durationTimer);
    this.#o.signal?.removeEventListener("abort", this.#onAbort);
    this.#stop.abort();
    this.#closing = this.#failure === undefined;
    const final = this.#final = this.#result();
    await this.#pub.close();
    await done;
    if (this.#keeper !== undefined) {
      // The final state is written, or given up on, before the run returns.
      await drained.catch(() => {});
      this.#keeper.close();
    }
    await this.#rows.return(undefined);
    if (this.#failure !== undefined) return;
    this.#progress("stream finished", final);
    if (final.unconfirmed > 0) {
      this.#log.error(`${final.unconfirmed} messages were not confirmed by the broker`, {
        unconfirmed: final.unconfirmed,
      });
    }
  }
}
