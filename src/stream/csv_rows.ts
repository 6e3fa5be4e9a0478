/**
 * Pure CSV row decoding: text chunks in, named and typed rows out. The
 * header record names the fields; every later record becomes one
 * {@linkcode CsvRow}. No I/O here; `csv_reader.ts` feeds it from files and
 * streams.
 *
 * @module
 */

import type { FieldValue } from "../record/message.ts";
import { type BadRow, csvRowErrorOf } from "./csv_errors.ts";
import { type CsvRecord, CsvRecordParser, DEFAULT_MAX_RECORD_CHARS } from "./csv_parser.ts";
import { normalizeHeader } from "./csv_header.ts";
import { detectValue } from "./values.ts";

/** One data row of a CSV file. */
export interface CsvRow {
  /** 1-based physical line on which the record starts (the header is line 1). */
  line: number;
  /** Non-empty fields by header name, type-detected (see `detectValue`). */
  fields: Record<string, FieldValue>;
  /** Where the row ends in its file, when read by `fileRows` (for resuming). */
  at?: RowPosition;
}

/** Where a row ends in its file: what a resume point records. */
export interface RowPosition {
  /** The file's inode. */
  ino: number;
  /** Byte offset just past the row's last newline (or the file's end). */
  end: number;
  /** The line on which the next record starts. */
  nextLine: number;
}

/** Options shared by every way of reading CSV rows. */
export interface CsvRowOptions {
  /** Throw {@linkcode CsvRowError} on the first bad row instead of skipping it. @default false */
  strict?: boolean;
  /** Called once for every skipped row (not called in strict mode). */
  onBadRow?: (bad: BadRow) => void;
  /**
   * Longest record accepted, in UTF-16 code units (bytes, for ASCII text). A
   * longer one is a bad row: skipped up to the end of the line on which it
   * passed the limit, or thrown in strict mode.
   * @default {DEFAULT_MAX_RECORD_CHARS}
   */
  maxRecordChars?: number;
  /** Name of the input in error messages. @default the path, or "CSV" */
  sourceName?: string;
}

/** Counts of a finished read. */
export interface CsvReadSummary {
  /** Field names from the header, after `normalizeHeader` (empty if none). */
  header: string[];
  /** Rows produced. */
  rows: number;
  /** Rows skipped as bad. */
  badRows: number;
}

/**
 * Decodes CSV text into rows, chunk by chunk. Blank lines are skipped; a row
 * whose field count differs from the header's is reported through
 * `onBadRow` and skipped (or thrown in strict mode). Empty fields are left
 * out of {@linkcode CsvRow.fields}.
 *
 * @example
 * ```ts
 * const decoder = new CsvRowDecoder();
 * decoder.push("gpu_id,temp\n0,41\n");
 * // [{ line: 2, fields: { gpu_id: 0, temp: 41 } }]
 * ```
 */
export class CsvRowDecoder {
  readonly #parser: CsvRecordParser;
  readonly #strict: boolean;
  readonly #onBadRow: ((bad: BadRow) => void) | undefined;
  readonly #sourceName: string;
  #header: string[] | undefined;
  #protoIndex = -1;
  #rows = 0;
  #badRows = 0;

  /**
   * Creates a decoder; the first row is the header.
   * @param options strictness, bad-row callback, limits
   * @throws {RangeError} when `maxRecordChars` is not a positive integer
   */
  constructor(options: CsvRowOptions = {}) {
    this.#sourceName = options.sourceName ?? "CSV";
    this.#parser = new CsvRecordParser({
      maxRecordChars: options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS,
      skipTooLong: !(options.strict ?? false),
      sourceName: this.#sourceName,
    });
    this.#strict = options.strict ?? false;
    this.#onBadRow = options.onBadRow;
  }

  /**
   * Feeds the next piece of text; returns the rows it completed.
   *
   * @throws {CsvRowError} on a bad row in strict mode, or a record over `maxRecordChars`
   */
  push(text: string): CsvRow[] {
    return this.#rowsOf(this.#parser.push(text));
  }

  /**
   * Ends the input; returns the last row if the text lacked a final newline.
   *
   * @throws {CsvRowError} as for {@linkcode CsvRowDecoder.push}, and in strict
   * mode when the input ends inside a quoted field
   */
  finish(): CsvRow[] {
    return this.#rowsOf(this.#parser.finish());
  }

  /** The 1-based line on which the next record starts. */
  get line(): number {
    return this.#parser.line;
  }

  /** Whether the header was read. */
  get hasHeader(): boolean {
    return this.#header !== undefined;
  }

  /**
   * Continues at `line` of a file whose header was already pushed, for a
   * reader that resumes in the middle of the file.
   *
   * @throws {TypeError} before the header, or in the middle of a record
   */
  resumeAt(line: number): void {
    if (this.#header === undefined) throw new TypeError("resumeAt needs the header first");
    this.#parser.resumeAt(line);
  }

  /**
   * Skips the record being read as too long (a bad row, reported through
   * `onBadRow`), up to the next newline pushed.
   *
   * @throws {CsvRowError} in strict mode
   */
  skipRecord(): void {
    this.#rowsOf([this.#parser.skipRecord()]);
  }

  /** Header and counts so far. */
  summary(): CsvReadSummary {
    return { header: [...(this.#header ?? [])], rows: this.#rows, badRows: this.#badRows };
  }

  #rowsOf(records: CsvRecord[]): CsvRow[] {
    const out: CsvRow[] = [];
    for (const record of records) {
      const header = this.#header;
      if (record.tooLong) {
        this.#bad(record, header?.length ?? 0, "record_too_long");
        continue;
      }
      if (header === undefined) {
        if (record.unterminated) this.#bad(record, 0, "unterminated_quote");
        this.#header = normalizeHeader(record.values);
        this.#protoIndex = this.#header.indexOf("__proto__");
        continue;
      }
      const values = record.values;
      if (record.unterminated) {
        this.#bad(record, header.length, "unterminated_quote");
        continue;
      }
      if (values.length !== header.length) {
        this.#bad(record, header.length, "field_count");
        continue;
      }
      const fields: Record<string, FieldValue> = {};
      for (let i = 0; i < values.length; i++) {
        const value = detectValue(values[i]);
        if (value === undefined) continue;
        if (i === this.#protoIndex) {
          Object.defineProperty(fields, "__proto__", {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else {
          fields[header[i]] = value;
        }
      }
      this.#rows++;
      out.push({ line: record.line, fields });
    }
    return out;
  }

  #bad(record: CsvRecord, expected: number, reason: BadRow["reason"]): void {
    const bad: BadRow = { line: record.line, expected, got: record.values.length, reason };
    if (this.#strict) throw csvRowErrorOf(bad, this.#sourceName);
    this.#badRows++;
    this.#onBadRow?.(bad);
  }
}

/**
 * Decodes a whole CSV text held in memory. For fixtures and small inputs.
 *
 * @param text the CSV text
 * @param options as for {@linkcode CsvRowDecoder}
 * @throws {CsvRowError} on a bad row in strict mode, or a record over `maxRecordChars`
 */
export function parseCsvText(text: string, options: CsvRowOptions = {}): CsvRow[] {
  const decoder = new CsvRowDecoder(options);
  const rows = decoder.push(text);
  for (const row of decoder.finish()) rows.push(row);
  return rows;
}
