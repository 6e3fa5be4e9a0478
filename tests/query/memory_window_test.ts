import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { MemoryWindow, resolveMemoryWindowOptions } from "../../src/query/memory_window.ts";
import type { TelemetryRecord } from "../../src/record/telemetry_record.ts";

const T0 = Date.UTC(2026, 10, 27, 17, 0, 0);

function entry(
  gpu: string,
  seq: number,
  ms: number,
  metrics: TelemetryRecord["metrics"] = { util: seq },
  labels: Record<string, string> = {},
) {
  const record: TelemetryRecord = {
    gpu_id: gpu,
    timestamp: new Date(T0 + ms).toISOString(),
    metrics,
    labels,
  };
  return { seq, ts: T0 + ms, record, json: JSON.stringify(record) };
}

Deno.test("MemoryWindow keeps the newest maxEntries records per GPU", () => {
  const window = new MemoryWindow({ maxEntries: 3 });
  for (let i = 0; i < 5; i++) window.add(entry("a", i, i * 1000));
  assertEquals(window.entries("a").map((e) => e.seq), [2, 3, 4]);
  assertEquals(window.newest("a", 2).map((r) => r.metrics.util), [3, 4]);
  assertEquals(window.newest("a", 100).length, 3);
  assertEquals(window.newest("a", 0), []);
  assertEquals(window.newest("nope", 5), []);
  assertEquals(window.evictedMaxTs("a"), T0 + 1000);
  assertEquals(window.evictedMaxTs("nope"), -Infinity);
  assertEquals(window.memoryStats(), {
    max_entries_per_gpu: 3,
    max_records: 1_000_000,
    records: 3,
    gpus: 1,
    gpus_in_memory: 1,
    evicted_per_gpu_cap: 2,
    evicted_global_cap: 0,
  });
});

Deno.test("MemoryWindow evicts the least recently updated GPU first under the global cap", () => {
  const window = new MemoryWindow({ maxEntries: 10, maxMemory: 4 });
  window.add(entry("a", 0, 0));
  window.add(entry("a", 1, 1));
  window.add(entry("b", 0, 2));
  window.add(entry("b", 1, 3));
  window.add(entry("a", 2, 4)); // a is now most recent; b least
  assertEquals(window.entries("b").map((e) => e.seq), [1]);
  window.add(entry("c", 0, 5));
  assertEquals(window.entries("b"), []);
  assertEquals(window.entries("a").map((e) => e.seq), [0, 1, 2]);
  window.add(entry("c", 1, 6));
  assertEquals(window.entries("a").map((e) => e.seq), [1, 2]);
  assertEquals(window.memoryStats(), {
    max_entries_per_gpu: 10,
    max_records: 4,
    records: 4,
    gpus: 3,
    gpus_in_memory: 2,
    evicted_per_gpu_cap: 0,
    evicted_global_cap: 3,
  });
  assertEquals(window.evictedMaxTs("b"), T0 + 3);
  assertEquals(window.has("b"), true);
  assertEquals(window.gpu("b")?.last_seen, new Date(T0 + 3).toISOString());
});

Deno.test("MemoryWindow keeps metadata and latest values of GPUs whose records were evicted", () => {
  const window = new MemoryWindow({ maxEntries: 1, maxMemory: 1 });
  const labels = { hostname: "h1", gpu_index: "0", model: "H100" };
  window.add(entry("a", 0, 5000, { util: 10, temp: 50 }, labels));
  window.add(entry("a", 1, 1000, { util: 5 }, labels)); // older timestamp arrives late
  window.add(entry("a", 2, 9000, { power: 300 }, { ...labels, hostname: "h2" }));
  window.add(entry("b", 0, 0, { util: 1 }));
  assertEquals(window.entries("a"), []);
  assertEquals(window.gpu("a"), {
    id: "a",
    hostname: "h2",
    gpu_index: "0",
    model: "H100",
    first_seen: new Date(T0 + 1000).toISOString(),
    last_seen: new Date(T0 + 9000).toISOString(),
    latest: { util: 10, temp: 50, power: 300 },
  });
  assertEquals(window.gpus().map((g) => g.id), ["a", "b"]);
  assertEquals(window.gpu("b")?.hostname, null);
  assertEquals(window.gpu("zzz"), undefined);
});

Deno.test("MemoryWindow stays correct over many evictions (compaction)", () => {
  const window = new MemoryWindow({ maxEntries: 1000 });
  for (let i = 0; i < 10_000; i++) window.add(entry("a", i, i));
  const seqs = window.entries("a").map((e) => e.seq);
  assertEquals(seqs.length, 1000);
  assertEquals([seqs[0], seqs[999]], [9000, 9999]);
  assertEquals(window.evictedMaxTs("a"), T0 + 8999);
});

Deno.test("resolveMemoryWindowOptions fills defaults and names the bad field", () => {
  assertEquals(resolveMemoryWindowOptions(), { maxEntries: 1000, maxMemory: 1_000_000 });
  assertThrows(() => new MemoryWindow({ maxEntries: 0 }), {
    name: "RangeError",
    message: "MemoryWindow: maxEntries must be an integer >= 1, got 0",
  });
  assertThrows(() => new MemoryWindow({ maxMemory: 1.5 }), {
    name: "RangeError",
    message: "MemoryWindow: maxMemory must be an integer >= 1, got 1.5",
  });
});

Deno.test("MemoryWindow.entriesInSeqRange finds a GPU's held entries by seq, skipping evicted ones", () => {
  const window = new MemoryWindow({ maxEntries: 4 });
  for (const seq of [0, 2, 3, 5, 8, 9]) window.add(entry("g", seq, seq * 1000));
  window.add(entry("other", 4, 0));
  const seqsIn = (from: number, to: number) =>
    window.entriesInSeqRange("g", from, to).map((e) => e.seq);
  assertEquals(seqsIn(0, 100), [3, 5, 8, 9], "0 and 2 were evicted");
  assertEquals(seqsIn(4, 9), [5, 8]);
  assertEquals(seqsIn(6, 8), []);
  assertEquals(window.entriesInSeqRange("nope", 0, 10), []);
});

Deno.test("MemoryWindow answers each read from the stored JSON, a fresh record each time", () => {
  const window = new MemoryWindow();
  const added = entry("a", 0, 0, { util: 7 }, { hostname: "h1" });
  // What is stored (the JSON, _o included) is what reads answer; the record
  // only feeds the GPU's metadata and is not kept.
  const stored = structuredClone({ ...added.record, _o: "log:0:0" });
  window.add({ ...added, json: JSON.stringify(stored) });
  added.record.metrics.util = 99;
  assertEquals(window.newest("a", 1), [stored]);
  assertEquals(window.entries("a"), [{ seq: 0, ts: T0, record: stored }]);
  assertEquals(window.entriesInSeqRange("a", 0, 1), [{ seq: 0, ts: T0, record: stored }]);
  window.newest("a", 1)[0].metrics.util = 1;
  assertEquals(window.newest("a", 1)[0].metrics.util, 7);
  assertEquals(window.gpu("a")?.hostname, "h1");
});
