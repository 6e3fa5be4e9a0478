/**
 * Virtual time for the stream workers: a {@linkcode ManualClock} that moves
 * only when every worker is asleep (or the rest wait on a sleeper, e.g. for
 * their turn to hand a chunk over), straight to the earliest wake-up. No real
 * timer runs, so minutes of pacing take milliseconds and every run is the same.
 *
 * @module
 */
import { ManualClock } from "../../src/clock.ts";
import type { CsvRow } from "../../src/stream/csv_rows.ts";
import type { MessageSink } from "../../src/stream/workers.ts";
import type { TelemetryRecord } from "../../src/record/telemetry_record.ts";

/** A scheduler for `parties` sleepers sharing one clock. */
export class VirtualTime {
  readonly clock = new ManualClock(1_700_000_000_000);
  readonly #parties: number;
  #sleepers: { at: number; resolve: () => void }[] = [];

  /** @param parties how many workers sleep through {@linkcode VirtualTime.sleep} */
  constructor(parties: number) {
    this.#parties = parties;
  }

  /** The injected sleep: parks the caller until virtual time reaches now + ms. */
  sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.#sleepers.push({ at: this.clock.now() + ms, resolve });
      this.#version++;
      if (this.#sleepers.length >= this.#parties) {
        this.#wakeEarliest();
        return;
      }
      // Fewer sleepers than parties: the others may be waiting on a sleeper.
      // Once everything else has settled (a macrotask later) with no new
      // sleeper, time moves on all the same.
      const version = this.#version;
      setTimeout(() => {
        if (version === this.#version && this.#sleepers.length > 0) this.#wakeEarliest();
      }, 0);
    });

  #version = 0;

  #wakeEarliest(): void {
    this.#version++;
    const at = Math.min(...this.#sleepers.map((s) => s.at));
    this.clock.advance(Math.max(0, at - this.clock.now()));
    const due = this.#sleepers.filter((s) => s.at <= at);
    this.#sleepers = this.#sleepers.filter((s) => s.at > at);
    for (const s of due) s.resolve();
  }
}

/** Endless rows of `gpus` GPUs, `uuid` and `value` columns, numbered by line. */
export async function* endlessRows(gpus: number): AsyncGenerator<CsvRow> {
  for (let line = 2;; line++) {
    yield { line, fields: { uuid: `GPU-${line % gpus}`, value: line } };
  }
}

/** The given rows, once. */
export async function* rowsOf(rows: CsvRow[]): AsyncGenerator<CsvRow> {
  for (const row of rows) yield row;
}

/** One message a {@linkcode RecordingSink} received. */
export interface Received {
  key: string;
  /** Virtual time at which it was handed over. */
  at: number;
  /** The record the workers published (see `decodePayload`). */
  payload: TelemetryRecord;
}

/** A sink that records what it is handed, with the clock's time. */
export class RecordingSink implements MessageSink {
  readonly received: Received[] = [];
  readonly #clock: { now(): number };
  readonly #decoder = new TextDecoder();

  /** @param clock stamps each message with the time it arrived */
  constructor(clock: { now(): number }) {
    this.#clock = clock;
  }

  publish(key: string, payload: Uint8Array): Promise<void> {
    const at = this.#clock.now();
    this.received.push({ key, at, payload: JSON.parse(this.#decoder.decode(payload)) });
    return Promise.resolve();
  }
}
