/**
 * CSV parser choice, measured on the DCGM shape (~440-byte rows, 12 quoted
 * fields, `labels_raw` full of doubled quotes): the hand-written state
 * machine (`CsvRecordParser` / `CsvRowDecoder` / `readCsvRows`) against
 * papaparse on the same input. rows/s = rows in the name ÷ time per iteration.
 *
 * ```sh
 * deno bench --allow-read --allow-write bench/csv_reader_bench.ts
 * ```
 *
 * Input: the real export (`../shared/data/dcgm_metrics_sample.csv`) repeated
 * 8 times when present, otherwise the same number of generated rows.
 *
 * @module
 */

import Papa from "papaparse";
import { createReadStream } from "node:fs";
import { CsvRecordParser } from "../src/stream/csv_parser.ts";
import { CsvRowDecoder } from "../src/stream/csv_rows.ts";
import { readCsvBatches, readCsvRows } from "../src/stream/csv_reader.ts";
import { detectValue } from "../src/stream/values.ts";
import type { FieldValue } from "../src/record/message.ts";
import { dcgmHeaderLine, dcgmLines } from "../src/stream/dcgm_generator.ts";
import { HAS_REAL_EXPORT, REAL_EXPORT } from "../tests/_helpers.ts";

const ROWS = 19_760; // 8 × the real export's 2,470
const CHUNK = 65_536;

function inputText(): string {
  if (HAS_REAL_EXPORT) {
    const real = Deno.readTextFileSync(REAL_EXPORT);
    const nl = real.indexOf("\n");
    return real.slice(0, nl + 1) + real.slice(nl + 1).repeat(8);
  }
  const lines = dcgmLines({ hosts: 31, seed: 1 });
  return [dcgmHeaderLine(), ...Array.from({ length: ROWS }, () => lines.next().value)].join("\n") +
    "\n";
}

const TEXT = inputText();
const FILE = Deno.makeTempFileSync({ prefix: "gputel_bench_", suffix: ".csv" });
Deno.writeTextFileSync(FILE, TEXT);
globalThis.addEventListener("unload", () => Deno.removeSync(FILE));

function check(n: number): void {
  if (n !== ROWS) throw new Error(`expected ${ROWS} rows, got ${n}`);
}

/** Header-named, type-detected fields from papaparse's raw records, as CsvRowDecoder does. */
function namedFields(header: string[], values: string[]): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  for (let i = 0; i < values.length; i++) {
    const v = detectValue(values[i]);
    if (v !== undefined) fields[header[i]] = v;
  }
  return fields;
}

Deno.bench(`records: CsvRecordParser, 64 KiB chunks (${ROWS} rows)`, {
  group: "records",
  baseline: true,
}, () => {
  const parser = new CsvRecordParser();
  let n = 0;
  for (let i = 0; i < TEXT.length; i += CHUNK) n += parser.push(TEXT.slice(i, i + CHUNK)).length;
  check(n + parser.finish().length - 1);
});

Deno.bench(`records: papaparse, whole string (${ROWS} rows)`, { group: "records" }, () => {
  check(Papa.parse<string[]>(TEXT, { skipEmptyLines: true }).data.length - 1);
});

Deno.bench(`rows: CsvRowDecoder + detectValue, 64 KiB chunks (${ROWS} rows)`, {
  group: "rows",
  baseline: true,
}, () => {
  const decoder = new CsvRowDecoder();
  let n = 0;
  for (let i = 0; i < TEXT.length; i += CHUNK) n += decoder.push(TEXT.slice(i, i + CHUNK)).length;
  check(n + decoder.finish().length);
});

Deno.bench(`rows: papaparse records + detectValue (${ROWS} rows)`, { group: "rows" }, () => {
  const data = Papa.parse<string[]>(TEXT, { skipEmptyLines: true }).data;
  const header = data[0];
  let n = 0;
  for (let i = 1; i < data.length; i++) if (namedFields(header, data[i])) n++;
  check(n);
});

Deno.bench(`rows: papaparse header + dynamicTyping (${ROWS} rows)`, { group: "rows" }, () => {
  check(Papa.parse(TEXT, { header: true, dynamicTyping: true, skipEmptyLines: true }).data.length);
});

Deno.bench(`file: readCsvRows (${ROWS} rows)`, { group: "file", baseline: true }, async () => {
  let n = 0;
  for await (const _row of readCsvRows(FILE)) n++;
  check(n);
});

Deno.bench(`file: readCsvBatches (${ROWS} rows)`, { group: "file" }, async () => {
  let n = 0;
  for await (const batch of readCsvBatches(FILE)) n += batch.length;
  check(n);
});

Deno.bench(`file: papaparse NODE_STREAM_INPUT, header rows (${ROWS} rows)`, {
  group: "file",
}, async () => {
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { header: true, skipEmptyLines: true });
    parser.on("data", () => n++);
    parser.on("end", resolve);
    parser.on("error", reject);
    createReadStream(FILE).pipe(parser);
  });
  check(n);
});
