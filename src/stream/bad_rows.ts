/**
 * The run of bad rows: a streamer that meets more bad rows in a row than
 * `--max-bad-rows` is not reading a CSV it understands (binary garbage, the
 * wrong file, a broken export) and stops instead of warning forever.
 *
 * @module
 */
import type { BadRow } from "./csv_errors.ts";
import { DEFAULT_MAX_RECORD_CHARS } from "./csv_parser.ts";

/** Default `--max-bad-rows`. */
export const DEFAULT_MAX_BAD_ROWS = 1_000;

/** More than the allowed bad rows in a row: the stream stops (exit 1). */
export class TooManyBadRowsError extends Error {
  /**
   * Creates the error naming the source and line.
   * @param max the `--max-bad-rows` limit that was passed
   * @param source the input's name
   * @param line the line of the last bad row
   */
  constructor(max: number, source: string, line: number) {
    super(
      `${source}: more than ${max} bad rows in a row (the last at line ${line}); ` +
        `is this the right file? (--max-bad-rows raises the limit)`,
    );
    this.name = "TooManyBadRowsError";
  }
}

/**
 * Counts bad rows since the last good one.
 *
 * @example
 * ```ts
 * const run = new BadRowRun(1_000, "m.csv");
 * run.bad(7); // throws TooManyBadRowsError on the 1,001st in a row
 * run.good();
 * ```
 */
export class BadRowRun {
  readonly #max: number;
  readonly #source: string;
  #run = 0;

  /**
   * Creates a counter allowing `max` bad rows in a row.
   * @param max most bad rows in a row allowed, >= 1
   * @param source the input's name, for the error
   * @throws {RangeError} when `max` is not an integer >= 1
   */
  constructor(max: number, source: string) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`maxBadRows must be an integer >= 1, got ${max}`);
    }
    this.#max = max;
    this.#source = source;
  }

  /**
   * One more bad row.
   *
   * @param line where it was
   * @throws {TooManyBadRowsError} once the run passes the limit
   */
  bad(line: number): void {
    if (++this.#run > this.#max) throw new TooManyBadRowsError(this.#max, this.#source, line);
  }

  /** A good row ends the run. */
  good(): void {
    this.#run = 0;
  }
}

/** The warning's reason for skipping `bad`, naming the limit a too-long record broke. */
export function describeBadRow(bad: BadRow, maxRecordBytes = DEFAULT_MAX_RECORD_CHARS): string {
  if (bad.reason === "field_count") return `expected ${bad.expected} fields, got ${bad.got}`;
  if (bad.reason === "record_too_long") {
    return `record is longer than --max-record-bytes ${maxRecordBytes}`;
  }
  return bad.reason.replaceAll("_", " ");
}
