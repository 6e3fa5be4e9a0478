/**
 * Where the streamer's rows come from: a CSV read once, or looped forever.
 * A file up to {@linkcode LOOP_IN_MEMORY_BYTES} is parsed once and its rows
 * replayed; a larger one is re-read from disk on every pass, so memory stays
 * bounded whatever the file size.
 *
 * @module
 */
import { type CsvReadOptions, loadCsvRows, readCsvRows } from "./csv_reader.ts";
import type { CsvRow } from "./csv_rows.ts";

/** Files up to this size are parsed once and replayed from memory when looping. */
export const LOOP_IN_MEMORY_BYTES = 16 * 1024 * 1024;

/** Options of {@linkcode csvRowSource}. */
export interface RowSourceOptions extends CsvReadOptions {
  /** Replay the file forever. */
  loop: boolean;
  /** Called at the start of each pass (1-based). */
  onPass?: (pass: number) => void;
}

/**
 * Rows of `path`, once or in an endless loop. Bad rows are reported on the
 * first pass only (`onBadRow`), since later passes see the same rows.
 *
 * @throws {Deno.errors.NotFound} and other file errors
 * @throws {CsvRowError} on a bad row in strict mode
 */
export async function* csvRowSource(
  path: string,
  options: RowSourceOptions,
): AsyncGenerator<CsvRow> {
  const { loop, onPass, ...read } = options;
  const small = loop && (await Deno.stat(path)).size <= LOOP_IN_MEMORY_BYTES;
  if (small) {
    onPass?.(1);
    const rows = await loadCsvRows(path, read);
    if (rows.length === 0) return;
    for (let pass = 1;; pass++) {
      if (pass > 1) onPass?.(pass);
      for (const row of rows) yield row;
    }
  }
  for (let pass = 1;; pass++) {
    onPass?.(pass);
    let n = 0;
    const opts = pass === 1 ? read : { ...read, onBadRow: undefined };
    for await (const row of readCsvRows(path, opts)) {
      n++;
      yield row;
    }
    if (!loop || n === 0) return;
  }
}
