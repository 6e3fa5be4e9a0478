/**
 * The collector's per-record work, per message of the bundled DCGM sample:
 * payload → message (decodeMessage), message → record (toRecord), record →
 * JSONL line (encodeRecordLine); and the same for the record payload the
 * streamer publishes (decodePayload, then recordLineOf: no conversion, no
 * encoding). `deno task bench-convert`.
 *
 * @module
 */
import { systemClock } from "../src/clock.ts";
import { decodeMessage, toRecord } from "../src/record/telemetry_record.ts";
import { encodeRecordLine, recordLineOf } from "../src/record/stored_line.ts";
import { decodePayload } from "../src/record/record_payload.ts";
import { readCsvRows } from "../src/stream/csv_reader.ts";
import { encodeMessage, rowToMessage } from "../src/stream/row_message.ts";

const sample = new URL("../data/sample.csv", import.meta.url).pathname;
const keyed: { key: string; payload: Uint8Array }[] = [];
for await (const row of readCsvRows(sample)) {
  const k = rowToMessage(row.fields, { clock: systemClock });
  if (k) keyed.push({ key: k.key, payload: encodeMessage(k.message) });
}
const messages = keyed.map((k) => ({ key: k.key, message: decodeMessage(k.payload) }));
const records = messages.map((m) => toRecord(m.key, m.message));
let i = 0;
const next = () => i++ % keyed.length;

Deno.bench("decodeMessage", { group: "collector" }, () => {
  decodeMessage(keyed[next()].payload);
});
Deno.bench("toRecord", { group: "collector" }, () => {
  const m = messages[next()];
  toRecord(m.key, m.message);
});
Deno.bench("encodeRecordLine", { group: "collector" }, () => {
  encodeRecordLine(records[next()]);
});
Deno.bench("all three", { group: "collector" }, () => {
  const k = keyed[next()];
  encodeRecordLine(toRecord(k.key, decodeMessage(k.payload)));
});

const encoder = new TextEncoder();
const recordPayloads = keyed.map((k, j) => ({
  key: k.key,
  payload: encoder.encode(JSON.stringify(records[j])),
}));
Deno.bench("record payload: decodePayload + recordLineOf", { group: "collector" }, () => {
  const k = recordPayloads[next()];
  const { record, verbatim } = decodePayload(k.key, k.payload);
  if (verbatim) recordLineOf(k.payload, "0123456789ab:0:1");
  else encodeRecordLine(record);
});
