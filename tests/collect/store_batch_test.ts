import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { prepareBatch, type StoreMessage } from "../../src/collect/store_batch.ts";

const encoder = new TextEncoder();
const TS = "2026-11-27T17:00:00Z";

function message(offset: number, key: string, value = offset): StoreMessage {
  const payload = encoder.encode(
    JSON.stringify({ timestamp: TS, fields: { metric_name: "m", value } }),
  );
  return { offset, key, payload };
}

const options = (from = 0, maxFilesPerChunk = 500) => ({
  from,
  maxNameBytes: 64,
  maxFilesPerChunk,
  fileNameOf: (key: string) => `${key}.jsonl`,
});

const base = { topic: "t", group: "g", partition: 0 };

Deno.test("prepareBatch groups lines per file into one buffer per file", () => {
  const { result, chunks } = prepareBatch(
    { ...base, messages: [message(0, "a"), message(1, "b"), message(2, "a")] },
    options(),
  );
  assertEquals(result, { stored: 3, skipped: 0, invalid: [] });
  assertEquals(chunks.length, 1);
  assertEquals(chunks[0].next, 3);
  const a = chunks[0].files.get("a.jsonl")!;
  const line0 = `{"gpu_id":"a","timestamp":"${TS}","metrics":{"m":0},"labels":{}}\n`;
  const line2 = `{"gpu_id":"a","timestamp":"${TS}","metrics":{"m":2},"labels":{}}\n`;
  assertEquals(new TextDecoder().decode(a.bytes), line0 + line2);
  assertEquals(line0.length, 80);
  assertEquals(a.entries.map((e) => [e.record.metrics.m, e.bytes, e.ts]), [
    [0, 80, Date.parse(TS)],
    [2, 80, Date.parse(TS)],
  ]);
  assertEquals([...chunks[0].files.keys()], ["a.jsonl", "b.jsonl"]);
});

Deno.test("prepareBatch skips offsets below the checkpoint and duplicates inside the batch", () => {
  const { result, chunks } = prepareBatch(
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
  assertEquals(chunks.map((c) => c.next), [7]);
  assertEquals(chunks[0].files.get("a.jsonl")!.entries.map((e) => e.record.metrics.m), [5, 6]);
});

Deno.test("prepareBatch returns no chunk when every message is a redelivery", () => {
  const { result, chunks } = prepareBatch(
    { ...base, messages: [message(0, "a"), message(1, "a")] },
    options(2),
  );
  assertEquals(result, { stored: 0, skipped: 2, invalid: [] });
  assertEquals(chunks, []);
});

Deno.test("prepareBatch reports invalid messages and still advances past them", () => {
  const bad = { offset: 1, key: "a", payload: encoder.encode("{oops") };
  const empty = { offset: 2, key: "", payload: message(2, "").payload };
  const { result, chunks } = prepareBatch({ ...base, messages: [bad, empty] }, options());
  assertEquals(result.stored, 0);
  assertEquals(result.invalid.map((i) => i.offset), [1, 2]);
  assertEquals(result.invalid[1].error, "message key is empty; it must name the GPU");
  assertEquals(result.invalid[0].error.startsWith("payload is not UTF-8 JSON"), true);
  assertEquals(chunks.map((c) => [c.next, c.files.size]), [[3, 0]]);
});

Deno.test("prepareBatch splits a batch touching more files than one commit takes into offset ranges", () => {
  const messages = Array.from({ length: 7 }, (_, i) => message(i, `k${i % 5}`));
  const { result, chunks } = prepareBatch({ ...base, messages }, options(0, 2));
  assertEquals(result.stored, 7);
  assertEquals(chunks.map((c) => [c.next, [...c.files.keys()]]), [
    [2, ["k0.jsonl", "k1.jsonl"]],
    [4, ["k2.jsonl", "k3.jsonl"]],
    [6, ["k4.jsonl", "k0.jsonl"]],
    [7, ["k1.jsonl"]],
  ]);
  assertEquals(chunks[2].files.get("k0.jsonl")!.entries.map((e) => e.record.metrics.m), [5]);
  assertEquals(chunks[3].files.get("k1.jsonl")!.entries.map((e) => e.record.metrics.m), [6]);
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
