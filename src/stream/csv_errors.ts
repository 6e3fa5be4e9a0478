/**
 * Errors and problem reports of the CSV reader.
 *
 * @module
 */

/** Why a CSV record was rejected. */
export type CsvProblem =
  /** The record's field count differs from the header's. */
  | "field_count"
  /** The file ended inside a quoted field. */
  | "unterminated_quote"
  /** The record is longer than `maxRecordChars` (often a stray quote). */
  | "record_too_long";

/** A record that was skipped, as passed to `onBadRow`. */
export interface BadRow {
  /** 1-based physical line on which the record starts. */
  line: number;
  /** Number of fields the header has. */
  expected: number;
  /** Number of fields the record has. */
  got: number;
  /** Why the record was rejected. */
  reason: CsvProblem;
}

/** Options of {@linkcode CsvRowError}. */
export interface CsvRowErrorOptions {
  /** 1-based physical line on which the offending record starts. */
  line: number;
  /** Why the record was rejected. */
  reason: CsvProblem;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * A CSV record that cannot be read: thrown for the first bad row in strict
 * mode (a record over `maxRecordChars` included).
 *
 * @example
 * ```ts
 * try {
 *   for await (const row of readCsvRows(path, { strict: true })) use(row);
 * } catch (err) {
 *   if (err instanceof CsvRowError) console.error(`bad CSV at line ${err.line}`);
 * }
 * ```
 */
export class CsvRowError extends Error {
  /** 1-based physical line on which the offending record starts. */
  readonly line: number;
  /** Why the record was rejected. */
  readonly reason: CsvProblem;

  /**
   * Creates the error for one row.
   * @param message what failed and what to do about it
   * @param options the line, the reason and an optional cause
   */
  constructor(message: string, options: CsvRowErrorOptions) {
    super(message, { cause: options.cause });
    this.name = "CsvRowError";
    this.line = options.line;
    this.reason = options.reason;
  }
}

/**
 * Builds the error for one bad row, with a message naming the line.
 *
 * @param bad the rejected record
 * @param source a name for the input (a file path), used in the message
 */
export function csvRowErrorOf(bad: BadRow, source: string): CsvRowError {
  const where = `${source}:${bad.line}`;
  const detail = bad.reason === "field_count"
    ? `row has ${bad.got} fields but the header has ${bad.expected}`
    : bad.reason === "unterminated_quote"
    ? "the file ends inside a quoted field (missing closing quote?)"
    : "record is too long (a stray quote can swallow the rest of the file; raise --max-record-bytes if the record is real)";
  return new CsvRowError(`Bad CSV row at ${where}: ${detail}`, {
    line: bad.line,
    reason: bad.reason,
  });
}
