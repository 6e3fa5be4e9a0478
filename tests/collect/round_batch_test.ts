import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { prepareBatch, type StoreMessage } from "../../src/collect/round_batch.ts";

const encoder = new TextEncoder();
const TS = "2026-11-27T17:00:00Z";

function message(offset: number, key: string, value = offset): StoreMessage {
  const payload = encoder.encode(
    JSON.stringify({ timestamp: TS, fields: { metric_name: "m", value } }),
  );
  return { offset, key, payload };
}

const options = (from = 0) => ({
  from,
  maxNameBytes: 64,
  fileNameOf: (key: string) => `${key}.jsonl`,
});

const base = { topic: "t", group: "g", partition: 0 };

Deno.test("prepareBatch groups lines per file, in order, with their total size", () => {
  const { result, chunk } = prepareBatch(
    { ...base, messages: [message(0, "a"), message(1, "b"), message(2, "a")] },
    options(),
  );
  assertEquals(result, { stored: 3, skipped: 0, invalid: [] });
  assertEquals(chunk!.next, 3);
  const a = chunk!.files.get("a.jsonl")!;
  const line0 = `{"gpu_id":"a","timestamp":"${TS}","metrics":{"m":0},"labels":{}}\n`;
  const line2 = `{"gpu_id":"a","timestamp":"${TS}","metrics":{"m":2},"labels":{}}\n`;
  assertEquals(a.parts.map((p) => new TextDecoder().decode(p)), [line0, line2]);
  assertEquals(a.size, 160);
  assertEquals(line0.length, 80);
  assertEquals(a.entries.map((e) => [e.record.metrics.m, e.bytes, e.ts]), [
    [0, 80, Date.parse(TS)],
    [2, 80, Date.parse(TS)],
  ]);
  assertEquals([...chunk!.files.keys()], ["a.jsonl", "b.jsonl"]);
});

Deno.test("prepareBatch skips offsets below the checkpoint and duplicates inside the batch", () => {
  const { result, chunk } = prepareBatch(
    {
      ...base,
      messages: [
        message(5, "a"),
        message(3, "a"),
        message(6, "a"),
        message(6, "a"),
        message(4, "a"),
      ],
    },
    options(5),
  );
  assertEquals(result, { stored: 2, skipped: 3, invalid: [] });
  assertEquals(chunk!.next, 7);
  assertEquals(chunk!.files.get("a.jsonl")!.entries.map((e) => e.record.metrics.m), [5, 6]);
});

Deno.test("prepareBatch returns nothing to write when every message is a redelivery", () => {
  const { result, chunk } = prepareBatch(
    { ...base, messages: [message(0, "a"), message(1, "a")] },
    options(2),
  );
  assertEquals(result, { stored: 0, skipped: 2, invalid: [] });
  assertEquals(chunk, undefined);
});

Deno.test("prepareBatch reports invalid messages and still advances past them", () => {
  const bad = { offset: 1, key: "a", payload: encoder.encode("{oops") };
  const empty = { offset: 2, key: "", payload: message(2, "").payload };
  const { result, chunk } = prepareBatch({ ...base, messages: [bad, empty] }, options());
  assertEquals(result.stored, 0);
  assertEquals(result.invalid.map((i) => i.offset), [1, 2]);
  assertEquals(result.invalid[1].error, "message key is empty; it must name the GPU");
  assertEquals(result.invalid[0].error.startsWith("payload is not UTF-8 JSON"), true);
  assertEquals([chunk!.next, chunk!.files.size], [3, 0]);
});

Deno.test("prepareBatch rejects a malformed batch with TypeError", () => {
  const cases: [unknown, string][] = [
    [{ ...base, topic: "" }, "write: topic must be a string of 1 to 64 bytes"],
    [{ ...base, group: "g".repeat(65) }, "write: group must be a string of 1 to 64 bytes"],
    [{ ...base, partition: -1 }, "write: partition must be an integer >= 0, got -1"],
    [{ ...base, messages: "x" }, "write: messages must be an array"],
    [
      { ...base, messages: [{ offset: 1.5, key: "a", payload: new Uint8Array() }] },
      "write: message offset must be an integer >= 0, got 1.5",
    ],
    [
      { ...base, messages: [{ offset: 1, key: 5, payload: new Uint8Array() }] },
      "write: message 1 needs a string key and a Uint8Array payload",
    ],
    [{ ...base, messages: [null] }, "write: message offset must be an integer >= 0, got undefined"],
  ];
  for (const [batch, message] of cases) {
    const withMessages = { messages: [], ...(batch as object) };
    assertThrows(() => prepareBatch(withMessages as never, options()), {
      name: "TypeError",
      message,
    });
  }
});

Deno.test("prepareBatch gives each line's record as its entry's json and origin, for messages and record payloads", () => {
  const record = { gpu_id: "a", timestamp: TS, metrics: { m: 1 }, labels: { host: "h—ü" } };
  const ascii = { ...record, labels: { hostname: "h1", pod: "p" } };
  const messages = [
    message(0, "a"),
    { offset: 1, key: "a", payload: encoder.encode(JSON.stringify(record)) },
    { offset: 2, key: "a", payload: encoder.encode(JSON.stringify(record, null, 1)) },
    { offset: 3, key: "a", payload: encoder.encode(JSON.stringify(ascii)) },
  ];
  for (const origin of [undefined, "0123456789ab"]) {
    const { chunk } = prepareBatch({ ...base, messages, origin }, options());
    const a = chunk!.files.get("a.jsonl")!;
    const texts = a.parts.map((p) => new TextDecoder().decode(p));
    // What the memory window reads back (the JSON, its origin added last) is each line.
    const read = a.entries.map((e) => {
      const r = JSON.parse(e.json);
      if (e.origin !== undefined) r._o = e.origin;
      return JSON.stringify(r) + "\n";
    });
    assertEquals(read, texts);
    const origins = [0, 1, 2, 3].map((o) => origin && `${origin}:0:${o}`);
    assertEquals(a.entries.map((e) => e.origin), origins);
    assertEquals(a.entries[3].record.labels, { hostname: "h1" }); // the fast path's summary
  }
});
