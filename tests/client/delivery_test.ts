import assert from "node:assert/strict";
import { BufferPool } from "../../src/client/buffer_pool.ts";
import { Delivery } from "../../src/client/delivery.ts";
import { BatchBuilder, FrameType } from "../../src/protocol/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A DELIVER of messages [from, to) of a 6-message batch at base offset 100. */
function deliver(from: number, to: number) {
  const b = new BatchBuilder(8);
  for (let i = 0; i < 6; i++) b.add(`GPU-${i}`, enc.encode(`payload ${i} é`));
  return {
    type: FrameType.DELIVER,
    subscriptionId: 1,
    partition: 3,
    generation: 1,
    leaseAnchor: 0,
    baseOffset: 100,
    from,
    to,
    attempt: 2,
    count: 6,
    batch: b.take(),
  } as const;
}

Deno.test("a Delivery decodes only its range, with partition offsets, on first access", () => {
  const d = new Delivery(deliver(2, 5), "broker-1");
  assert.deepEqual([d.partition, d.attempt, d.first, d.end, d.count, d.source], [
    3,
    2,
    102,
    105,
    3,
    "broker-1",
  ]);
  const msgs = d.messages;
  assert.equal(d.messages, msgs, "decoded once");
  assert.deepEqual(
    msgs.map((m) => [m.offset, m.key, dec.decode(m.payload)]),
    [[102, "GPU-2", "payload 2 é"], [103, "GPU-3", "payload 3 é"], [104, "GPU-4", "payload 4 é"]],
  );
});

Deno.test("forEachPayload visits the same payloads and offsets without decoding keys", () => {
  const d = new Delivery(deliver(1, 6), "");
  const seen: [number, string][] = [];
  d.forEachPayload((bytes, at, length, offset) => {
    seen.push([offset, dec.decode(bytes.subarray(at, at + length))]);
  });
  assert.deepEqual(seen, d.messages.map((m) => [m.offset, dec.decode(m.payload)]));
  assert.equal(seen.length, 5);
  const empty = new Delivery(deliver(4, 4), "");
  let visits = 0;
  empty.forEachPayload(() => visits++);
  assert.equal(visits, 0);
  assert.deepEqual(empty.messages, []);
});

Deno.test("BufferPool reuses released buffers, keeps at most maxBytes, and drops smaller ones after growing", () => {
  const pool = new BufferPool(1024, 3072);
  const a = pool.get(100);
  assert.equal(a.length, 1024);
  pool.release(a.subarray(0, 10)); // a view is enough
  assert.equal(pool.get(1024).buffer, a.buffer, "the released buffer comes back");
  const four = [pool.get(1), pool.get(1), pool.get(1), pool.get(1)];
  for (const b of four) pool.release(b);
  assert.equal(pool.free, 3, "3 x 1024 bytes fit in 3072, a fourth does not");
  const big = pool.get(1500);
  assert.equal(big.length, 2048, "the size doubles");
  assert.equal(pool.free, 0, "smaller buffers dropped when the size grows");
  pool.release(four[0]); // an old, smaller buffer is not kept
  assert.equal(pool.free, 0);
  pool.release(big);
  assert.equal(pool.free, 1);
});
