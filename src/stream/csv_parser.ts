/**
 * A streaming RFC 4180 CSV record parser: a pure state machine fed text in
 * arbitrary chunks. It does no I/O and no type detection; see
 * `csv_reader.ts` for the part that reads files and names the fields, and
 * `csv_record_scan.ts` for the scan of one record's fields.
 *
 * @module
 */

import { csvRowErrorOf } from "./csv_errors.ts";
import { countNewlines, parseRecord } from "./csv_record_scan.ts";

/** One CSV record: its raw field texts and where it starts. */
export interface CsvRecord {
  /** 1-based physical line on which the record starts. */
  line: number;
  /** Field texts, quotes removed and doubled quotes undone. */
  values: string[];
  /** Set when the input ended inside a quoted field (only from `finish`). */
  unterminated?: true;
  /**
   * Set (with no values) for a record longer than `maxRecordChars` that was
   * skipped (`skipTooLong`): it ended at the end of the line on which it
   * passed the limit, or at its own end if that came first.
   */
  tooLong?: true;
}

/** Options of {@linkcode CsvRecordParser}. */
export interface CsvRecordParserOptions {
  /**
   * Longest record accepted, in UTF-16 code units; a longer one throws
   * {@linkcode CsvRowError}. Bounds memory when a stray quote would otherwise
   * swallow the rest of a file.
   * @default {DEFAULT_MAX_RECORD_CHARS}
   */
  maxRecordChars?: number;
  /**
   * Skip a record over `maxRecordChars` (returned with `tooLong: true`)
   * instead of throwing.
   * @default false
   */
  skipTooLong?: boolean;
  /** Name of the input for error messages. @default "CSV" */
  sourceName?: string;
}

/** Default {@linkcode CsvRecordParserOptions.maxRecordChars}: 1 MiB. */
export const DEFAULT_MAX_RECORD_CHARS = 1_048_576;

const LF = 0x0a;
const CR = 0x0d;
const BOM = "\uFEFF";

/**
 * Splits CSV text into records. Separator `,`, quote `"`, records end at
 * `\n` or `\r\n` (a lone `\r` is data). Quoted fields may hold commas,
 * newlines and doubled quotes. Text after a closing quote and before the
 * next separator is kept verbatim (`"a"b` reads as `ab`); a quote inside an
 * unquoted field is data. Empty lines are skipped; a UTF-8 BOM at the very
 * start is dropped.
 *
 * @example
 * ```ts
 * const parser = new CsvRecordParser();
 * parser.push('a,"b\n'); // []
 * parser.push('c"\n1,2'); // [{ line: 1, values: ["a", "b\nc"] }]
 * parser.finish(); // [{ line: 3, values: ["1", "2"] }]
 * ```
 */
export class CsvRecordParser {
  #buf = "";
  #line = 1;
  #started = false;
  #finished = false;
  /** Discarding the rest of a too-long record, up to the next newline. */
  #skipping = false;
  readonly #skipTooLong: boolean;
  readonly #maxRecordChars: number;
  readonly #sourceName: string;

  /**
   * Creates a parser.
   * @param options limits and naming
   * @throws {RangeError} when `maxRecordChars` is not a positive integer
   */
  constructor(options: CsvRecordParserOptions = {}) {
    const max = options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`maxRecordChars must be a positive integer, got ${max}`);
    }
    this.#maxRecordChars = max;
    this.#skipTooLong = options.skipTooLong ?? false;
    this.#sourceName = options.sourceName ?? "CSV";
  }

  /** The 1-based line on which the next record starts (past everything pushed and completed). */
  get line(): number {
    return this.#line;
  }

  /**
   * Continues numbering at `line`, for a reader that resumes in the middle
   * of a file. Only between records: nothing may be pending.
   *
   * @throws {TypeError} when part of a record is pending
   */
  resumeAt(line: number): void {
    if (this.#buf.length > 0 || this.#skipping) {
      throw new TypeError("CsvRecordParser.resumeAt called in the middle of a record");
    }
    this.#started = true;
    this.#line = line;
  }

  /**
   * Feeds the next piece of text and returns the records it completed.
   *
   * @throws {CsvRowError} when a record exceeds `maxRecordChars` (unless `skipTooLong`)
   * @throws {TypeError} after {@linkcode CsvRecordParser.finish}
   */
  push(text: string): CsvRecord[] {
    if (this.#finished) throw new TypeError("CsvRecordParser.push called after finish()");
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.startsWith(BOM)) text = text.slice(1);
    }
    if (this.#skipping) {
      const lf = text.indexOf("\n");
      if (lf === -1) return [];
      this.#skipping = false;
      this.#line++;
      text = text.slice(lf + 1);
    }
    this.#buf = this.#buf.length === 0 ? text : this.#buf + text;
    // A record can only end at a newline: without one, keep gathering. This
    // keeps tiny chunks from re-parsing a long pending record over and over.
    if (text.indexOf("\n") === -1) {
      if (this.#buf.length > this.#maxRecordChars) return [this.#skipPending()];
      return [];
    }
    return this.#drain(false);
  }

  /**
   * Declares the record being read too long, for a caller that measures
   * lines itself (in bytes): returns it as `tooLong` (or throws without
   * `skipTooLong`), drops what is pending of it, and discards input up to
   * the next newline.
   *
   * @throws {CsvRowError} without `skipTooLong`
   */
  skipRecord(): CsvRecord {
    return this.#skipPending();
  }

  /**
   * The record at the current line is too long: in skip mode, drops what
   * there is of it and, unless that ends a line, discards input up to the
   * next newline.
   */
  #skipPending(): CsvRecord {
    const record = this.#tooLongRecord();
    this.#line += countNewlines(this.#buf, 0, this.#buf.length);
    this.#skipping = !this.#buf.endsWith("\n");
    this.#buf = "";
    return record;
  }

  #tooLongRecord(): CsvRecord {
    if (!this.#skipTooLong) this.#tooLong();
    return { line: this.#line, values: [], tooLong: true };
  }

  /**
   * Ends the input and returns the last record when the text did not end
   * with a newline. A record cut off inside quotes comes back with
   * `unterminated: true`.
   */
  finish(): CsvRecord[] {
    if (this.#finished) return [];
    this.#finished = true;
    return this.#drain(true);
  }

  #drain(final: boolean): CsvRecord[] {
    const s = this.#buf;
    const out: CsvRecord[] = [];
    let pos = 0;
    while (pos < s.length) {
      const c = s.charCodeAt(pos);
      if (c === LF) { // blank line
        pos++;
        this.#line++;
        continue;
      }
      if (c === CR && pos + 1 < s.length && s.charCodeAt(pos + 1) === LF) {
        pos += 2;
        this.#line++;
        continue;
      }
      if (c === CR && pos + 1 === s.length && final) break; // a lone trailing "\r"
      const rec = parseRecord(s, pos, final);
      if (rec === undefined) break;
      if (rec.end - pos > this.#maxRecordChars) {
        out.push(this.#tooLongRecord());
      } else {
        const record: CsvRecord = { line: this.#line, values: rec.values };
        if (rec.unterminated) record.unterminated = true;
        out.push(record);
      }
      this.#line += 1 + (rec.quoted ? countNewlines(s, pos, rec.end - 1) : 0);
      pos = rec.end;
    }
    this.#buf = pos === 0 ? s : s.slice(pos);
    if (this.#buf.length > this.#maxRecordChars) {
      out.push(this.#skipPending());
      if (final) this.#skipping = false;
    }
    if (final) this.#buf = "";
    return out;
  }

  #tooLong(): never {
    throw csvRowErrorOf(
      { line: this.#line, expected: 0, got: 0, reason: "record_too_long" },
      this.#sourceName,
    );
  }
}
