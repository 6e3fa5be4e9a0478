/**
 * The direct baseline for the end-to-end benchmark: the same CSV parsed,
 * converted to typed records (checked and encoded as the streamer publishes
 * them) and stored as JSONL per GPU (CollectorStore, fsync and checkpoint
 * included) in one process, with no broker.
 *
 * Rows go in batches of 1,000 and are group-committed like the collector
 * does: `--round` rows (default 20,000) per `writeMany`, one round in flight
 * while the next is parsed. `--round 1000` gives one `write` per batch,
 * awaited before parsing on: the baseline before group commit.
 *
 * @module
 */
import { systemClock } from "../src/clock.ts";
import { CollectorStore, type StoreBatch } from "../src/collect/store.ts";
import { readCsvRows } from "../src/stream/csv_reader.ts";
import { storableRecord } from "../src/stream/row_check.ts";
import { rowToMessage } from "../src/stream/row_message.ts";
import { arg, nowMs } from "./_stats.ts";

const csv = arg(Deno.args, "csv");
const dir = arg(Deno.args, "dir");
const encoder = new TextEncoder();
const roundRows = Deno.args.includes("--round") ? Number(arg(Deno.args, "round")) : 20_000;
const store = await CollectorStore.open({ dir });
const start = nowMs();
let offset = 0;
let batch: StoreBatch["messages"][number][] = [];
let round: StoreBatch[] = [];
let inFlight: Promise<unknown> = Promise.resolve();
const flush = async () => {
  if (batch.length) round.push({ topic: "direct", group: "direct", partition: 0, messages: batch });
  batch = [];
  if (!round.length) return;
  const taken = round;
  round = [];
  await inFlight;
  inFlight = store.writeMany(taken);
  if (roundRows <= 1000) await inFlight;
};
for await (const row of readCsvRows(csv)) {
  const keyed = rowToMessage(row.fields, { clock: systemClock });
  const record = keyed && storableRecord(keyed.key, keyed.message);
  if (!keyed || typeof record !== "object") continue;
  // What the streamer publishes: the record, checked.
  batch.push({ offset: offset++, key: keyed.key, payload: encoder.encode(JSON.stringify(record)) });
  if (batch.length === 1000) {
    round.push({ topic: "direct", group: "direct", partition: 0, messages: batch });
    batch = [];
    if (round.length * 1000 >= roundRows) await flush();
  }
}
await flush();
await inFlight;
console.log(JSON.stringify({ rows: offset, start, end: nowMs() }));
await store.close();
