/**
 * Scans one RFC 4180 record out of a string: the pure inner loop of
 * `CsvRecordParser` (`csv_parser.ts`), which owns the buffering,
 * line numbers and limits around it.
 *
 * @module
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** One record as {@linkcode parseRecord} found it. */
export interface ParsedRecord {
  /** Field texts, quotes removed and doubled quotes undone. */
  values: string[];
  /** Index just past the record's terminating newline (or end of text). */
  end: number;
  /** Whether some field was quoted (and so may contain a newline). */
  quoted: boolean;
  /** Whether the text ended inside a quoted field (only when `final`). */
  unterminated: boolean;
}

/** Counts `\n` in `s[from, to)`, excluding the record's terminator. */
export function countNewlines(s: string, from: number, to: number): number {
  let count = 0;
  let i = s.indexOf("\n", from);
  while (i !== -1 && i < to) {
    count++;
    i = s.indexOf("\n", i + 1);
  }
  return count;
}

/**
 * Parses one record starting at `start`. Returns `undefined` when the text
 * ends before the record does and more input may follow.
 *
 * @param s the text holding the record
 * @param start index of the record's first character
 * @param final whether no more input follows `s` (a record may end at its end)
 */
export function parseRecord(s: string, start: number, final: boolean): ParsedRecord | undefined {
  const len = s.length;
  const values: string[] = [];
  let quoted = false;
  let i = start;
  for (;;) {
    let value: string;
    let j: number; // index of the character that ended the field
    if (i < len && s.charCodeAt(i) === QUOTE) {
      quoted = true;
      // Doubled quotes are undone by joining the pieces between them.
      let from = i + 1;
      let q = from;
      value = "";
      for (;;) {
        q = s.indexOf('"', q);
        if (q === -1 || (q + 1 === len && !final)) {
          if (!final) return undefined;
          // Input ended inside quotes: keep what there is, flag it.
          values.push(value + s.slice(from));
          return { values, end: len, quoted, unterminated: true };
        }
        if (q + 1 < len && s.charCodeAt(q + 1) === QUOTE) {
          value += s.slice(from, q + 1);
          q += 2;
          from = q;
          continue;
        }
        break;
      }
      value = value === "" ? s.slice(from, q) : value + s.slice(from, q);
      j = q + 1;
      // Usual case: a separator right after the closing quote.
      const c = j < len ? s.charCodeAt(j) : -1;
      if (c !== COMMA && c !== LF && c !== -1) {
        if (c === CR && (j + 1 < len ? s.charCodeAt(j + 1) === LF : !final)) {
          if (j + 1 === len) return undefined;
          j++;
        } else {
          // Stray text after the closing quote: keep it verbatim.
          const k = scanUnquoted(s, j);
          if (k === len && !final) return undefined;
          value += stripCr(s, j, k, len);
          j = k;
        }
      }
    } else {
      j = scanUnquoted(s, i);
      if (j === len && !final) return undefined;
      value = stripCr(s, i, j, len);
    }
    values.push(value);
    if (j >= len) return { values, end: len, quoted, unterminated: false };
    if (s.charCodeAt(j) === LF) return { values, end: j + 1, quoted, unterminated: false };
    i = j + 1; // past the comma
  }
}

/** Index of the first `,` or `\n` at or after `i`, or `s.length`. */
function scanUnquoted(s: string, i: number): number {
  const len = s.length;
  while (i < len) {
    const c = s.charCodeAt(i);
    if (c === COMMA || c === LF) return i;
    i++;
  }
  return len;
}

/**
 * `s[from, to)`, less one trailing `\r` when the field ends the record
 * (`to` is at a `\n` or the end of the text).
 */
function stripCr(s: string, from: number, to: number, len: number): string {
  if (to > from && s.charCodeAt(to - 1) === CR && (to === len || s.charCodeAt(to) === LF)) {
    return s.slice(from, to - 1);
  }
  return s.slice(from, to);
}
