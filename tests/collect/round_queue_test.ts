import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { RoundQueue } from "../../src/collect/round_queue.ts";

Deno.test("RoundQueue takes everything queued during a round into the next one, in order", async () => {
  const rounds: number[][] = [];
  let release: () => void = () => {};
  const queue = new RoundQueue<number>(async (items) => {
    rounds.push(items);
    if (rounds.length === 1) await new Promise<void>((r) => (release = r));
  }, () => ({ messages: 1, bytes: 1 }));
  await queue.push(1);
  await new Promise((r) => setTimeout(r, 0));
  for (const n of [2, 3, 4]) await queue.push(n);
  assertEquals(rounds, [[1]]);
  release();
  await queue.drain();
  assertEquals(rounds, [[1], [2, 3, 4]]);
  assertEquals(queue.rounds, 2);
});

Deno.test("RoundQueue bounds a round by messages and bytes and makes producers wait", async () => {
  const rounds: number[][] = [];
  const queue = new RoundQueue<number>(
    async (items) => {
      rounds.push(items);
      await Promise.resolve();
    },
    (n) => ({ messages: n, bytes: n * 10 }),
    { maxMessages: 5, maxBytes: 40 },
  );
  await Promise.all([3, 2, 4, 9, 1].map((n) => queue.push(n)));
  await queue.drain();
  assertEquals(rounds.flat(), [3, 2, 4, 9, 1]);
  for (const r of rounds) {
    const sum = r.reduce((a, b) => a + b, 0);
    assertEquals(r.length === 1 || (sum <= 5 && sum * 10 <= 40), true, `round ${r}`);
  }
  assertEquals(queue.queuedMessages, 0);
  assertThrows(() =>
    new RoundQueue(async () => {}, () => ({ messages: 1, bytes: 1 }), {
      maxMessages: 0,
    }), { name: "RangeError" });
});

Deno.test("RoundQueue passes a failed round to onError and goes on", async () => {
  const errors: unknown[] = [];
  const done: number[] = [];
  const queue = new RoundQueue<number>(
    async (items) => {
      await Promise.resolve();
      if (items.includes(1)) throw new Error("boom");
      done.push(...items);
    },
    () => ({ messages: 1, bytes: 0 }),
    { maxMessages: 1, onError: (e) => errors.push(e) },
  );
  await queue.push(1);
  await queue.push(2);
  await queue.drain();
  assertEquals(done, [2]);
  assertEquals(errors.map((e) => (e as Error).message), ["boom"]);
});
