import assert from "node:assert/strict";
import { MAX_PRODUCERS, ProducerTable, RECENT_SEQUENCES } from "../../src/broker/producers.ts";

Deno.test("a resent sequence is recognised as a duplicate with its original offset", () => {
  const t = new ProducerTable();
  assert.deepEqual(t.check(7, 1), { kind: "new" });
  t.record(7, 1, 0);
  t.record(7, 2, 500);
  assert.deepEqual(t.check(7, 2), { kind: "duplicate", baseOffset: 500 });
  assert.deepEqual(t.check(7, 1), { kind: "duplicate", baseOffset: 0 });
  assert.deepEqual(t.check(7, 3), { kind: "new" });
  assert.deepEqual(t.check(8, 1), { kind: "new" }, "producers are independent");
});

Deno.test("producer 0 is never deduplicated", () => {
  const t = new ProducerTable();
  t.record(0, 1, 0);
  assert.deepEqual(t.check(0, 1), { kind: "new" });
  assert.equal(t.size, 0);
});

Deno.test("old sequences stay duplicates after their offsets are forgotten", () => {
  const t = new ProducerTable();
  for (let s = 1; s <= RECENT_SEQUENCES + 10; s++) t.record(1, s, s * 10);
  assert.deepEqual(t.check(1, 3), { kind: "duplicate", baseOffset: undefined });
  assert.deepEqual(t.check(1, RECENT_SEQUENCES + 10), {
    kind: "duplicate",
    baseOffset: (RECENT_SEQUENCES + 10) * 10,
  });
});

Deno.test("the table forgets the least recently seen producer past its limit", () => {
  const t = new ProducerTable();
  for (let p = 1; p <= MAX_PRODUCERS + 1; p++) t.record(p, 1, p);
  assert.equal(t.size, MAX_PRODUCERS);
  assert.deepEqual(t.check(1, 1), { kind: "new" }, "producer 1 was forgotten");
  assert.deepEqual(t.check(2, 1), { kind: "duplicate", baseOffset: 2 });
});

Deno.test("a sequence that skips one is a gap, so a refused batch cannot be mistaken for a duplicate", () => {
  const t = new ProducerTable();
  t.record(9, 1, 0);
  t.record(9, 2, 10);
  assert.deepEqual(t.check(9, 4), { kind: "gap", expected: 3 }, "3 was refused; 4 must wait");
  assert.deepEqual(t.check(9, 3), { kind: "new" });
  t.record(9, 3, 20);
  assert.deepEqual(t.check(9, 4), { kind: "new" });
});
