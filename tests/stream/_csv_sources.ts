/**
 * Shared helpers of the CSV reader tests: fixture paths, byte streams cut
 * into pieces, and collecting every row.
 *
 * @module
 */

import { type CsvReadOptions, type CsvSource, readCsvRows } from "../../src/stream/csv_reader.ts";
import type { CsvRow } from "../../src/stream/csv_rows.ts";

/** URL of a file in `tests/fixtures/`. */
export const fixture = (name: string): URL => new URL(`../fixtures/${name}`, import.meta.url);

/** Reads every row of `source`. */
export async function collect(source: CsvSource, options: CsvReadOptions = {}): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  for await (const row of readCsvRows(source, options)) rows.push(row);
  return rows;
}

/** A byte stream that hands out `bytes` in pieces of `size`. */
export function streamOf(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}
