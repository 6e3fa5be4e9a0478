import assert from "node:assert/strict";
import { WriteGaps } from "../../src/collect/write_gaps.ts";

Deno.test("WriteGaps holds back later deliveries of a partition until its failed range is written", () => {
  const gaps = new WriteGaps();
  assert.equal(gaps.admits("p0", 500), true);
  gaps.failed("p0", 100);
  assert.equal(gaps.admits("p0", 200), false, "its ack would cover 100..199");
  assert.equal(gaps.admits("p1", 200), true, "other partitions go on");
  gaps.failed("p0", 200);
  assert.equal(gaps.admits("p0", 150), false, "the gap stays at the first failed offset");
  gaps.written("p0", 100);
  assert.equal(gaps.size, 1, "a write that ends at the gap does not close it");
  assert.equal(gaps.admits("p0", 100), true);
  gaps.written("p0", 200);
  assert.equal(gaps.size, 0);
  assert.equal(gaps.admits("p0", 900), true);
});
