import assert from "node:assert/strict";
import { normalizeHeader } from "../../src/stream/csv_header.ts";

Deno.test("normalizeHeader keeps distinct names as they are", () => {
  assert.deepStrictEqual(normalizeHeader(["timestamp", "gpu_id", "uuid"]), [
    "timestamp",
    "gpu_id",
    "uuid",
  ]);
});

Deno.test("normalizeHeader trims spaces and tabs around names", () => {
  assert.deepStrictEqual(normalizeHeader(["index", " uuid", "\ttemperature.gpu "]), [
    "index",
    "uuid",
    "temperature.gpu",
  ]);
});

Deno.test("normalizeHeader names empty columns column_N by position", () => {
  assert.deepStrictEqual(normalizeHeader(["", "gpu_id", " "]), ["column_1", "gpu_id", "column_3"]);
});

Deno.test("normalizeHeader suffixes repeated names _2, _3 in order", () => {
  assert.deepStrictEqual(normalizeHeader(["a", "a", "b", "a"]), ["a", "a_2", "b", "a_3"]);
});

Deno.test("normalizeHeader never renames a duplicate onto a name another column has", () => {
  assert.deepStrictEqual(normalizeHeader(["a", "a", "a_2"]), ["a", "a_3", "a_2"]);
  assert.deepStrictEqual(normalizeHeader(["", "column_1"]), ["column_1", "column_1_2"]);
});

Deno.test("normalizeHeader returns unique names for any input", () => {
  const raw = ["x", "", "x", " x", "x_2", "", "column_2", "x_3", "x"];
  const names = normalizeHeader(raw);
  assert.strictEqual(names.length, raw.length);
  assert.strictEqual(new Set(names).size, raw.length);
  assert.ok(names.every((n) => n !== ""));
});
