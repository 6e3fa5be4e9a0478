import assert from "node:assert/strict";
import { WriteGaps } from "../../src/collect/write_gaps.ts";

Deno.test("WriteGaps holds back later deliveries of a partition until its failed range is written", () => {
  const gaps = new WriteGaps();
  assert.equal(gaps.admits("p0", 500), true);
  gaps.failed("p0", 100, 200);
  assert.equal(gaps.admits("p0", 200), false, "its ack would cover 100..199");
  assert.equal(gaps.admits("p1", 200), true, "other partitions go on");
  gaps.failed("p0", 200, 300);
  assert.equal(gaps.admits("p0", 150), false, "the gap stays at the first failed offset");
  gaps.written("p0", 50, 100);
  assert.equal(gaps.size, 1, "a write that ends at the gap does not close it");
  assert.equal(gaps.admits("p0", 100), true);
  gaps.written("p0", 100, 200);
  assert.equal(gaps.admits("p0", 300), false, "the held-back range 200..299 is still a hole");
  assert.equal(gaps.admits("p0", 200), true);
  gaps.written("p0", 200, 300);
  assert.equal(gaps.size, 0);
  assert.equal(gaps.admits("p0", 900), true);
});

Deno.test("WriteGaps keeps the unwritten rest of a hole filled only in part", () => {
  const gaps = new WriteGaps();
  gaps.failed("p0", 100, 200);
  gaps.written("p0", 100, 150);
  assert.equal(gaps.admits("p0", 200), false, "150..199 are still unwritten");
  assert.equal(gaps.admits("p0", 150), true);
  gaps.written("p0", 150, 200);
  assert.equal(gaps.size, 0);
});

Deno.test("WriteGaps forgets the holes of an older generation: the broker took those deliveries back", () => {
  const gaps = new WriteGaps();
  gaps.failed("p0", 100, 200, 3);
  assert.equal(gaps.admits("p0", 300, 3), false);
  assert.equal(gaps.admits("p0", 300, 5), true);
  assert.equal(gaps.size, 0);
});
