/**
 * The chunks the streamer's workers pass around (see `workers.ts`): the
 * reader that pulls rows from the shared iterator and sorts them in read
 * order, and the sender that stamps and hands a chunk to the sink.
 *
 * @module
 */
import { noKeyReason } from "../record/columns.ts";
import { messageBytesProblem } from "../record/limits.ts";
import type { TelemetryRecord } from "../record/telemetry_record.ts";
import type { CsvRow } from "./csv_rows.ts";
import { inShard, matchesFilters, type RowFilter } from "./row_filter.ts";
import { storableRecord } from "./row_check.ts";
import { isoTime, rowToMessage } from "./row_message.ts";
import type { IdleWatch, RowCounts, WorkerOptions } from "./worker_options.ts";

/** What a pull's wait for the next row gives when the row source went idle first. */
const IDLE: unique symbol = Symbol("idle");

/** Most rows one pull reads while looking for a chunk's worth of messages. */
const MAX_ROWS_PER_PULL = 4096;

/** A chunk of rows and its place in the hand-off order. */
export interface Chunk {
  /** The rows read, in read order. */
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
 * Reads chunks from the shared row iterator, one pull at a time and in
 * read order, and hands out the turns that keep chunks entering the sink in
 * that order. A pull reads rows until it has `n` messages: rows that will not
 * be sent cost no token, so every chunk costs about the same.
 */
export class ChunkReader {
  /** The rows ended. */
  exhausted = false;
  /** When the first chunk was read, by the clock; Infinity until then. */
  startedAt: number = Infinity;
  /** When the duration ends, by the clock; Infinity without one. */
  deadline: number = Infinity;
  /** Resolves once the first chunk is read (where `durationMs` starts), or at the end. */
  readonly started: Promise<void>;
  readonly #o: WorkerOptions;
  readonly #durationMs: number;
  readonly #classify: RowClassifier;
  #markStarted!: () => void;
  #ahead: Promise<IteratorResult<CsvRow>> | undefined;
  #readChain: Promise<unknown> = Promise.resolve();
  #handoff: Promise<unknown> = Promise.resolve();

  /** A reader of `o.rows` whose deadline is `durationMs` after its first chunk (0: none). */
  constructor(o: WorkerOptions, durationMs: number) {
    this.#o = o;
    this.#durationMs = durationMs;
    this.#classify = new RowClassifier(o);
    this.started = new Promise<void>((resolve) => this.#markStarted = resolve);
  }

  /** Resolves {@linkcode ChunkReader.started}. */
  markStarted(): void {
    this.#markStarted();
  }

  /** The next chunk with up to `n` messages, after every earlier pull. */
  pull(n: number): Promise<Chunk> {
    const o = this.#o;
    const p = this.#readChain.then(async () => {
      const rows: CsvRow[] = [];
      const items: Sorted[] = [];
      let messages = 0;
      while (messages < n && rows.length < MAX_ROWS_PER_PULL && !this.exhausted) {
        const p = this.#ahead ?? o.rows.next();
        this.#ahead = p;
        // A source that waits for more input (a followed file at its end)
        // lets the rows gathered so far go; the pending read carries over.
        const next = rows.length > 0 && o.idle ? await untilIdle(p, o.idle) : await p;
        if (next === IDLE) break;
        this.#ahead = undefined;
        if (next.done) this.exhausted = true;
        else {
          const item = this.#classify.row(next.value);
          rows.push(next.value);
          items.push(item);
          if (typeof item !== "string") messages++;
        }
      }
      if (this.startedAt === Infinity) this.startedAt = o.clock.now();
      if (this.#durationMs > 0 && this.deadline === Infinity) {
        this.deadline = this.startedAt + this.#durationMs;
      }
      this.#markStarted();
      // The turn is taken in read order, so chunks enter the sink in read order.
      const turn = this.#handoff;
      let release!: () => void;
      this.#handoff = new Promise<void>((resolve) => release = resolve);
      return { rows, items, messages, turn, release };
    });
    this.#readChain = p.catch(() => {});
    return p;
  }
}

/**
 * Hands chunks to the sink, row by row, stamping each message with the
 * clock's time and counting each row's fate.
 */
export class ChunkSender {
  readonly #o: WorkerOptions;
  readonly #counts: RowCounts;
  // Payloads are encoded into one reused buffer: sends run one at a time and
  // the sink copies each payload before its publish settles. This spares
  // the allocator a short-lived buffer per message.
  #scratch = new Uint8Array(64 * 1024);

  /** A sender to `o.sink` that counts into `counts`. */
  constructor(o: WorkerOptions, counts: RowCounts) {
    this.#o = o;
    this.#counts = counts;
  }

  /**
   * Hands a chunk over; false when it stopped part way (the signal, or the
   * gate): the worker stops too, so no row is skipped.
   */
  async send(rows: CsvRow[], items: Sorted[]): Promise<boolean> {
    const o = this.#o;
    const counts = this.#counts;
    const { clock, signal, gate } = o;
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
        const payload = this.#encode(item.record);
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
  }

  #encode(record: TelemetryRecord): Uint8Array {
    const json = JSON.stringify(record);
    if (json.length * 3 > this.#scratch.length) this.#scratch = new Uint8Array(json.length * 3);
    return this.#scratch.subarray(0, encoder.encodeInto(json, this.#scratch).written);
  }
}

/**
 * A row sorted out before it takes a token, or the record it is published
 * as: the collector stores a record payload as it comes (see
 * `decodePayload`), so the record built to check the row is what is sent.
 */
export type Sorted = "filtered" | "noKey" | "rejected" | { key: string; record: TelemetryRecord };

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
