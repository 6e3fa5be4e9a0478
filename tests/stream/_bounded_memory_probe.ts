/**
 * Probe run as a subprocess by `csv_reader_test.ts` under a small V8 heap
 * limit: streams `Deno.args[0]` generated DCGM rows through
 * `readCsvBatches` and prints the row count. Holding the rows would exceed
 * the limit and crash the process.
 *
 * @module
 */

import { readCsvBatches } from "../../src/stream/csv_reader.ts";
import { dcgmHeaderLine, dcgmLines } from "../../src/stream/dcgm_generator.ts";

const rows = Number(Deno.args[0]);
const lines = dcgmLines({ hosts: 32, seed: 3 });
const encoder = new TextEncoder();
let produced = 0;
let header = true;
const source = new ReadableStream<Uint8Array>({
  pull(controller) {
    if (produced >= rows) return controller.close();
    let text = header ? dcgmHeaderLine() + "\n" : "";
    header = false;
    for (let i = 0; i < 500 && produced < rows; i++, produced++) text += lines.next().value + "\n";
    controller.enqueue(encoder.encode(text));
  },
});
let count = 0;
let bytes = 0;
for await (const batch of readCsvBatches(source)) {
  count += batch.length;
  for (const row of batch) bytes += String(row.fields.labels_raw).length;
}
console.log(JSON.stringify({ rows: count, labelBytes: bytes }));
