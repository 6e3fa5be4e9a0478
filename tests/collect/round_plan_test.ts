import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import type { StoreMessage } from "../../src/collect/round_batch.ts";
import { planRound, type RoundOptions } from "../../src/collect/round_plan.ts";

const encoder = new TextEncoder();

function message(offset: number, key: string): StoreMessage {
  const payload = encoder.encode(
    JSON.stringify({ timestamp: "2026-11-27T17:00:00Z", fields: { metric_name: "m", value: 1 } }),
  );
  return { offset, key, payload };
}

const range = (from: number, to: number, keyOf: (o: number) => string) =>
  Array.from({ length: to - from }, (_, i) => message(from + i, keyOf(from + i)));

const options = (): RoundOptions => ({
  nextOffset: (_t, _g, p) => (p === 9 ? 50 : 0),
  fileNameOf: (key) => `${key}.jsonl`,
  maxNameBytes: 64,
});

const batch = (partition: number, messages: StoreMessage[]) => ({
  topic: "t",
  group: "g",
  partition,
  messages,
});

Deno.test("planRound packs several partitions into one group with one position each", () => {
  const plan = planRound([
    batch(0, range(0, 4, (o) => `k${o % 2}`)),
    batch(9, range(48, 52, () => "k0")),
    batch(0, range(2, 6, () => "k1")),
  ], options());
  assertEquals(plan.results.map((r) => [r.stored, r.skipped]), [[4, 0], [2, 2], [2, 2]]);
  assertEquals(plan.group!.positions.map((p) => [p.partition, p.next]), [[0, 6], [9, 52]]);
  const k1 = plan.group!.files.get("k1.jsonl")!;
  assertEquals(k1.entries.length, 4);
  assertEquals(k1.size, k1.parts.reduce((n, p) => n + p.length, 0));
});

Deno.test("planRound keeps any number of files in one group, each file's lines in batch order", () => {
  const round = [batch(0, range(0, 1200, (o) => `a${o % 600}`)), batch(1, range(0, 3, () => "a7"))];
  const plan = planRound(round, options());
  assertEquals(plan.group!.files.size, 600);
  const a7 = plan.group!.files.get("a7.jsonl")!;
  assertEquals(a7.entries.length, 5);
  assertEquals(a7.parts.length, 5);
});

Deno.test("planRound plans nothing for a round of redeliveries and rejects a malformed batch", () => {
  assertEquals(planRound([batch(9, range(40, 50, () => "k"))], options()).group, undefined);
  assertThrows(() => planRound([batch(0, range(0, 1, () => "k")), batch(-1, [])], options()), {
    name: "TypeError",
  });
});
