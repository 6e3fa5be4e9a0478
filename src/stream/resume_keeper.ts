/**
 * Keeps the `--state` file of a stream: every second (and at exit) it
 * pauses reading, lets every row read so far reach the publisher, writes
 * where it is about to seal the batches, seals them and waits for their
 * confirms, and from then on counts that position as confirmed. Between two
 * such cuts batches are sealed only when full, so a run restarted from the
 * state file — same producer id, same sequences, sealing at the recorded
 * position — sends byte-for-byte the batches the broker may already hold,
 * and the broker drops them as duplicates.
 *
 * @module
 */
import type { Sink } from "../client/sink.ts";
import type { Logger } from "../obs/log.ts";
import type { CsvRow } from "./csv_rows.ts";
import type { FilePoint, PathState, StreamState } from "./resume_state.ts";
import { writeStateFile } from "./state_file.ts";

/** How often a cut is made (and the state file written), ms. */
export const STATE_INTERVAL_MS = 1_000;

/** A sink whose batches carry a producer id and per-partition sequences. */
export interface ResumableSink extends Sink {
  readonly producerId: number;
  /** The last sequence sealed per partition. */
  sequences(): number[];
}

/** Options of {@linkcode ResumeKeeper}. */
export interface ResumeKeeperOptions {
  /** The state file. */
  stateFile: string;
  /** The input path, as the state file names it. */
  input: string;
  /** What the run must keep the same for a replay (see `PathState.fingerprint`). */
  fingerprint: string;
  /** Where the run starts: the confirmed point of the state file, or the file's start. */
  start: PathState;
  /** Where the last run sealed after `start`: the replay seals there first. */
  sealAt: FilePoint | null;
  sink: ResumableSink;
  logger: Logger;
  /** Lets a pull that waits on an idle source go (see `WorkerOptions.idle`). */
  wakeIdle: () => void;
  /** Aborts a cut in progress (the stream is stopping). */
  signal: AbortSignal;
}

/** Pauses reading at cuts and records confirmed positions. */
export class ResumeKeeper {
  readonly #o: ResumeKeeperOptions;
  #confirmed: PathState;
  #sealAt: FilePoint | null;
  #pulled = 0;
  #processed = 0;
  #last: PathState;
  #cutWanted = false;
  #cutting: Promise<void> | undefined;
  #waiters: (() => void)[] = [];
  #timer: ReturnType<typeof setInterval>;

  constructor(o: ResumeKeeperOptions) {
    this.#o = o;
    this.#confirmed = { ...o.start, producer: o.sink.producerId };
    this.#last = this.#confirmed;
    this.#sealAt = o.sealAt;
    this.#timer = setInterval(() => this.#cutWanted = true, STATE_INTERVAL_MS);
  }

  /** The rows of `rows`, paused at each cut. */
  async *gate(rows: AsyncIterable<CsvRow>): AsyncGenerator<CsvRow> {
    for await (const row of rows) {
      this.#pulled++;
      yield row;
      const at = row.at;
      const forced = at !== undefined && this.#sealAt !== null && at.ino === this.#sealAt.ino &&
        at.end === this.#sealAt.offset;
      if (forced || this.#cutWanted) await this.cut();
    }
  }

  /** Called by the workers for each row looked at, in read order. */
  rowDone(row: CsvRow): void {
    this.#processed++;
    const at = row.at;
    if (at !== undefined) {
      this.#last = {
        ...this.#last,
        ino: at.ino,
        offset: at.end,
        line: at.nextLine,
        rows: this.#last.rows + 1,
      };
    }
    if (this.#processed === this.#pulled) { for (const wake of this.#waiters.splice(0)) wake(); }
  }

  /** Makes a cut now (or waits for the one in progress). */
  cut(): Promise<void> {
    this.#cuttingOnce();
    return this.#cutting!;
  }

  #cuttingOnce(): void {
    if (this.#cutting) return;
    this.#cutWanted = false;
    this.#cutting = this.#cut().finally(() => this.#cutting = undefined);
  }

  async #cut(): Promise<void> {
    const { signal } = this.#o;
    while (this.#processed < this.#pulled && !signal.aborted) {
      this.#o.wakeIdle();
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    }
    if (signal.aborted) return;
    await this.#sealAndConfirm(signal);
  }

  /**
   * Records where the batches are sealed, seals them (`flush`), and once all
   * is confirmed makes that the confirmed position.
   */
  async #sealAndConfirm(signal?: AbortSignal): Promise<boolean> {
    const at = this.#last;
    if (at.offset === this.#confirmed.offset && at.ino === this.#confirmed.ino) return true;
    this.#sealAt = { ino: at.ino, offset: at.offset };
    await this.#write();
    const flushed = this.#o.sink.flush().then(() => true, () => false);
    const stopped = new Promise<false>((resolve) => {
      if (signal === undefined) return;
      if (signal.aborted) resolve(false);
      signal.addEventListener("abort", () => resolve(false), { once: true });
    });
    if (!(await Promise.race([flushed, stopped]))) return false;
    this.#confirmed = { ...at, sequences: this.#o.sink.sequences() };
    this.#sealAt = null;
    return true;
  }

  /**
   * At the end of the run, once reading stopped: seals and confirms what
   * was handed over, within `drain` (a promise that settles when the run
   * gives up waiting), and writes the final state.
   *
   * @returns whether everything handed over is confirmed
   */
  async finish(giveUp: Promise<unknown>): Promise<boolean> {
    clearInterval(this.#timer);
    await this.#cutting;
    const stop = new AbortController();
    giveUp.then(() => stop.abort(), () => stop.abort());
    const ok = await this.#sealAndConfirm(stop.signal);
    if (ok) await this.#write();
    return ok;
  }

  /** Stops the timer without writing (a failed run). */
  close(): void {
    clearInterval(this.#timer);
  }

  async #write(): Promise<void> {
    const state: StreamState = {
      version: 1,
      paths: {
        [this.#o.input]: {
          ...this.#confirmed,
          fingerprint: this.#o.fingerprint,
          sealAt: this.#sealAt,
        },
      },
    };
    await writeStateFile(this.#o.stateFile, state);
  }
}
