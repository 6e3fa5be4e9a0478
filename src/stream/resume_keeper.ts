/**
 * Keeps a stream's `--state` file, as a {@linkcode HandOffGate} between the
 * workers and the sink. The sink seals a batch only when it is full; every
 * second (and at exit) the keeper makes a *cut*: it holds the hand-off
 * between two rows, writes where it is about to seal (write-ahead), seals
 * every partial batch (`flush`), waits for the confirms, and from then on
 * counts that position as confirmed, with the sink's producer id and
 * sequences. A run restarted from the state continues after the confirmed
 * position with the same producer and sequences and cuts first exactly where
 * the state says the last run sealed, and nowhere before: it sends the very
 * batches the broker may already hold, under the same numbers, and the
 * broker drops them as duplicates.
 *
 * @module
 */
import type { ProducerState, ResumableSink } from "../client/sink.ts";
import type { Logger } from "../obs/log.ts";
import type { CsvRow } from "./csv_rows.ts";
import type { FilePoint, PathState, StreamState } from "./resume_state.ts";
import { writeStateFile } from "./state_file.ts";
import type { HandOffGate } from "./workers.ts";

/** Default {@linkcode ResumeKeeperOptions.intervalMs}: how often a cut is made, ms. */
export const DEFAULT_STATE_INTERVAL_MS = 1_000;

/** A position in the input: the file, the byte after a row, the next line, rows up to there. */
export interface InputPoint extends FilePoint {
  /** The line at `offset`. */
  line: number;
  /** Data rows of this file up to `offset`. */
  rows: number;
}

/** Options of {@linkcode ResumeKeeper}. */
export interface ResumeKeeperOptions {
  /** The state file. */
  stateFile: string;
  /** The input path, as the state file names it. */
  input: string;
  /** The device of the input's file system. */
  dev: number;
  /** Entries of other inputs found in the state file: kept as they are. */
  others?: Record<string, PathState>;
  /** What the run must keep the same for a replay (see `PathState.fingerprint`). */
  fingerprint: string;
  /** Where the run starts: the confirmed point of the state file, or the file's start. */
  start: InputPoint;
  /** Where the last run sealed after `start`, when this run continues its producer: cut there first. */
  sealAt: FilePoint | null;
  /** The sink, already connected (its producer numbering is known). */
  sink: ResumableSink;
  /** Where the keeper logs. */
  logger: Logger;
  /** How often a cut is made, ms. @default {DEFAULT_STATE_INTERVAL_MS} */
  intervalMs?: number;
  /** Aborting ends a wait for confirms and closes the gate (the stream is stopping). */
  signal: AbortSignal;
}

/** Holds the hand-off at cuts and records confirmed positions. */
export class ResumeKeeper implements HandOffGate {
  readonly #o: ResumeKeeperOptions;
  #confirmed: InputPoint;
  #producer: ProducerState;
  /** The replay's pending cut (timer cuts wait until it is passed). */
  #replayCut: FilePoint | null;
  /** Sealed and written ahead, not yet confirmed (the confirm wait was cut short). */
  #sealed: InputPoint | null = null;
  #last: InputPoint;
  #busy = false;
  #wanted = false;
  #cutting: Promise<void> | undefined;
  #failure: Error | undefined;
  #timer: ReturnType<typeof setInterval>;

  /** Starts keeping the state over `o.sink` (a cut every `intervalMs`). */
  constructor(o: ResumeKeeperOptions) {
    this.#o = o;
    this.#confirmed = o.start;
    this.#last = o.start;
    this.#producer = o.sink.producer();
    this.#replayCut = o.sealAt;
    this.#timer = setInterval(() => this.#tick(), o.intervalMs ?? DEFAULT_STATE_INTERVAL_MS);
  }

  /** Every row up to here is confirmed. */
  get confirmed(): InputPoint {
    return this.#confirmed;
  }

  /** Lets `row` go unless a cut is under way; cuts first where the file changed (rotation, truncation). */
  enter(row: CsvRow): boolean | Promise<boolean> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#cutting !== undefined) return this.#cutting.then(() => this.enter(row));
    // Stopping, or a seal whose confirms were given up on: nothing may pass.
    if (this.#o.signal.aborted || this.#sealed !== null) return false;
    const at = row.at;
    const last = this.#last;
    const newFile = at !== undefined && (at.ino !== last.ino || at.end <= last.offset);
    if (newFile && this.#replayCut === null && !this.#atConfirmed()) {
      // The old file's rows are confirmed before the new file's go.
      return this.#cut().then(() => this.enter(row));
    }
    this.#busy = true;
    return true;
  }

  /** Records `row` as handed or skipped; makes a cut when one is due. */
  done(row: CsvRow): void | Promise<void> {
    this.#busy = false;
    const at = row.at;
    if (at === undefined) return;
    const sameFile = at.ino === this.#last.ino && at.end > this.#last.offset;
    this.#last = {
      ino: at.ino,
      offset: at.end,
      line: at.nextLine,
      rows: (sameFile ? this.#last.rows : 0) + 1,
    };
    const replay = this.#replayCut;
    if (replay !== null) {
      if (at.ino !== replay.ino || at.end < replay.offset) return;
      if (at.end > replay.offset) {
        this.#o.logger.error(
          `the replay passed byte ${replay.offset}, where the last run sealed, without a row ending there: the file changed in place, rows after line ${this.#confirmed.line} may be stored twice or lost`,
        );
      }
      return this.#cut();
    }
    if (this.#wanted) return this.#cut();
  }

  #tick(): void {
    if (this.#replayCut !== null || this.#cutting !== undefined || this.#sealed !== null) return;
    if (this.#busy) this.#wanted = true;
    else void this.#cut();
  }

  #atConfirmed(): boolean {
    return this.#last.ino === this.#confirmed.ino && this.#last.offset === this.#confirmed.offset;
  }

  /** Makes a cut at the last row handed (or joins the one under way). */
  #cut(): Promise<void> {
    this.#wanted = false;
    this.#cutting ??= this.#sealAndConfirm().catch((err: Error) => {
      this.#failure ??= new Error(
        `cannot write the --state file ${this.#o.stateFile}: ${err.message}`,
        { cause: err },
      );
    }).finally(() => this.#cutting = undefined);
    return this.#cutting;
  }

  /**
   * Writes where the batches are sealed, seals them, and once all is
   * confirmed makes that the confirmed position. When the stream stops
   * first, the seal stays written ahead and unconfirmed, and the gate stays
   * closed: no batch may be sealed elsewhere before it is confirmed.
   */
  async #sealAndConfirm(): Promise<void> {
    if (this.#atConfirmed()) {
      this.#replayCut = null;
      return;
    }
    const at = this.#last;
    await this.#write({ ino: at.ino, offset: at.offset });
    this.#replayCut = null;
    this.#sealed = at;
    if (await this.#confirmWithin(this.#o.signal)) this.#sealed = null;
  }

  /** Flushes the sink; records the sealed point as confirmed unless `signal` aborts first. */
  async #confirmWithin(signal: AbortSignal): Promise<boolean> {
    const at = this.#sealed!;
    const flushed = this.#o.sink.flush().then(() => true, (err: Error) => {
      this.#o.logger.warn(`could not confirm the rows up to line ${at.line}: ${err.message}`);
      return false;
    });
    const stopped = new Promise<false>((resolve) => {
      if (signal.aborted) resolve(false);
      signal.addEventListener("abort", () => resolve(false), { once: true });
    });
    if (!(await Promise.race([flushed, stopped]))) return false;
    this.#confirmed = at;
    this.#producer = this.#o.sink.producer();
    return true;
  }

  /**
   * At the end of the run, once no row is handed any more: confirms what
   * was handed within `giveUp` (a promise that settles when the run stops
   * waiting) and writes the final state. A replay stopped before its cut
   * seals nothing (that would make other batches than the last run's): the
   * state stays, and the next run replays again.
   *
   * @returns whether every row handed is confirmed
   * @throws {Error} when the state file cannot be written
   */
  async finish(giveUp: Promise<unknown>): Promise<boolean> {
    clearInterval(this.#timer);
    await this.#cutting;
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#replayCut !== null && !this.#atConfirmed()) {
      this.#o.logger.info(
        `stopped before line ${this.#last.line} reached the last run's seal point: the next start replays from line ${this.#confirmed.line} again`,
      );
      return false;
    }
    if (this.#sealed === null) {
      if (this.#atConfirmed()) {
        await this.#write(null);
        return true;
      }
      await this.#write({ ino: this.#last.ino, offset: this.#last.offset });
      this.#sealed = this.#last;
    }
    const stop = new AbortController();
    giveUp.then(() => stop.abort(), () => stop.abort());
    if (!(await this.#confirmWithin(stop.signal))) return false;
    this.#sealed = null;
    await this.#write(null);
    return true;
  }

  /** Stops the timer without writing (a failed run). Safe to call twice. */
  close(): void {
    clearInterval(this.#timer);
  }

  async #write(sealAt: FilePoint | null): Promise<void> {
    const c = this.#confirmed;
    const entry: PathState = {
      dev: this.#o.dev,
      ino: c.ino,
      offset: c.offset,
      line: c.line,
      rows: c.rows,
      producer: this.#producer.id,
      sequences: this.#producer.sequences,
      sealAt,
      fingerprint: this.#o.fingerprint,
      writtenAt: new Date().toISOString(),
    };
    const state: StreamState = {
      version: 1,
      paths: { ...this.#o.others, [this.#o.input]: entry },
    };
    await writeStateFile(this.#o.stateFile, state);
  }
}
