import assert from "node:assert/strict";
import { inShard, matchesFilters, type RowFilter } from "../../src/stream/row_filter.ts";
import { fnv1a32 } from "../../src/record/hash.ts";

const ROW = { gpu_id: 0, Hostname: "h1", value: 1.5, ok: true, model: "NVIDIA H100 80GB HBM3" };
const f = (column: string, value: string): RowFilter => ({ column, value });

Deno.test("matchesFilters compares the raw text of the value", () => {
  assert.strictEqual(matchesFilters(ROW, [f("Hostname", "h1")]), true);
  assert.strictEqual(matchesFilters(ROW, [f("Hostname", "h2")]), false);
  assert.strictEqual(matchesFilters(ROW, [f("gpu_id", "0")]), true);
  assert.strictEqual(matchesFilters(ROW, [f("gpu_id", "1")]), false);
  assert.strictEqual(matchesFilters(ROW, [f("model", "NVIDIA H100 80GB HBM3")]), true);
  assert.strictEqual(matchesFilters(ROW, [f("Hostname", "H1")]), false);
});

Deno.test("matchesFilters also matches values that mean the same after type detection", () => {
  assert.strictEqual(matchesFilters(ROW, [f("value", "1.50")]), true);
  assert.strictEqual(matchesFilters(ROW, [f("ok", "TRUE")]), true);
  assert.strictEqual(matchesFilters(ROW, [f("gpu_id", "00")]), false); // "00" stays a string
});

Deno.test("matchesFilters requires every column to match", () => {
  assert.strictEqual(matchesFilters(ROW, [f("Hostname", "h1"), f("gpu_id", "0")]), true);
  assert.strictEqual(matchesFilters(ROW, [f("Hostname", "h1"), f("gpu_id", "1")]), false);
  assert.strictEqual(matchesFilters(ROW, []), true);
});

Deno.test("matchesFilters treats filters on one column as alternatives", () => {
  assert.strictEqual(matchesFilters(ROW, [f("Hostname", "h2"), f("Hostname", "h1")]), true);
  assert.strictEqual(matchesFilters(ROW, [f("Hostname", "h2"), f("Hostname", "h3")]), false);
  assert.strictEqual(
    matchesFilters(ROW, [f("Hostname", "h2"), f("Hostname", "h1"), f("gpu_id", "1")]),
    false,
  );
});

Deno.test("matchesFilters treats a missing column as empty", () => {
  assert.strictEqual(matchesFilters(ROW, [f("pod", "")]), true);
  assert.strictEqual(matchesFilters(ROW, [f("pod", "x")]), false);
  assert.strictEqual(matchesFilters(ROW, [f("Hostname", "")]), false);
  assert.strictEqual(matchesFilters(ROW, [f("toString", "x")]), false);
});

Deno.test("inShard puts each key in exactly one of N shards, by FNV-1a", () => {
  const keys = Array.from({ length: 1000 }, (_, i) => `GPU-${i.toString(16).padStart(8, "0")}`);
  const count = 4;
  const sizes = [0, 0, 0, 0];
  for (const key of keys) {
    const owners = [1, 2, 3, 4].filter((index) => inShard(key, { index, count }));
    assert.deepStrictEqual(owners, [fnv1a32(key) % count + 1]);
    sizes[owners[0] - 1]++;
  }
  for (const size of sizes) assert.ok(size > 200 && size < 300, `shard sizes ${sizes}`);
});

Deno.test("inShard takes every key when there is no shard", () => {
  assert.strictEqual(inShard("anything", undefined), true);
  assert.strictEqual(inShard("anything", { index: 1, count: 1 }), true);
});
