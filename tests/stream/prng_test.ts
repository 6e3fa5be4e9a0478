import assert from "node:assert/strict";
import { mulberry32 } from "../../src/stream/prng.ts";

Deno.test("mulberry32 gives the same sequence for the same seed", () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const xs = Array.from({ length: 100 }, () => a());
  assert.deepStrictEqual(Array.from({ length: 100 }, () => b()), xs);
  assert.strictEqual(xs[0], 0.6011037519201636);
});

Deno.test("mulberry32 gives different sequences for different seeds", () => {
  assert.notStrictEqual(mulberry32(1)(), mulberry32(2)());
});

Deno.test("mulberry32 returns floats in [0, 1) spread over the range", () => {
  const random = mulberry32(7);
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 10_000; i++) {
    const x = random();
    assert.ok(x >= 0 && x < 1);
    buckets[Math.floor(x * 10)]++;
  }
  for (const n of buckets) assert.ok(n > 900 && n < 1100, `buckets ${buckets}`);
});
