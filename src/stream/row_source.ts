/**
 * Where the streamer's rows come from: a CSV read once (see `fileRows`:
 * rows only once their newline is there, followed as it grows with
 * `follow`), or looped forever. When looping, a file up to
 * {@linkcode LOOP_IN_MEMORY_BYTES} is parsed once and its rows replayed; a
 * larger one is re-read from disk on every pass, so memory stays bounded
 * whatever the file size.
 *
 * @module
 */
import { type CsvReadOptions, loadCsvRows, readCsvRows } from "./csv_reader.ts";
import type { CsvRow } from "./csv_rows.ts";
import { fileRows } from "./file_rows.ts";
import type { FileEvent, ResumePoint } from "./file_rows_options.ts";

/** Files up to this size are parsed once and replayed from memory when looping. */
export const LOOP_IN_MEMORY_BYTES = 16 * 1024 * 1024;

/** Options of {@linkcode csvRowSource}. */
export interface RowSourceOptions extends CsvReadOptions {
  /** Replay the file forever (not with `follow`). */
  loop: boolean;
  /** Keep reading as the file grows (tail -F). @default {false} */
  follow?: boolean;
  /** Continue a single pass here, when the file is still the same. */
  resume?: ResumePoint;
  /** Told about rotation, truncation and resuming. */
  onEvent?: (event: FileEvent) => void;
  /** Called each time the reader, at the end of the file, starts waiting for more. */
  onIdle?: () => void;
  /** Called at the start of each pass (1-based). */
  onPass?: (pass: number) => void;
}

/**
 * Rows of `path`: once, followed, or in an endless loop. Bad rows are
 * reported on the first pass only (`onBadRow`), since later passes see the
 * same rows.
 *
 * @throws {Deno.errors.NotFound} and other file errors
 * @throws {CsvRowError} on a bad row in strict mode
 */
export async function* csvRowSource(
  path: string,
  options: RowSourceOptions,
): AsyncGenerator<CsvRow> {
  const { loop, onPass, follow, resume, onEvent, onIdle, ...read } = options;
  if (follow || !loop) {
    onPass?.(1);
    yield* fileRows(path, { ...read, follow, resume, onEvent, onIdle });
    return;
  }
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
