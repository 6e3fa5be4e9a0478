import assert from "node:assert/strict";
import { ManualClock } from "../../src/clock.ts";
import { BrokerCore } from "../../src/broker/core.ts";
import type { Output } from "../../src/broker/output.ts";
import { BatchBuilder, decodeBatch } from "../../src/protocol/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function blob(ids: number[]): Uint8Array {
  const b = new BatchBuilder();
  for (const i of ids) b.add(`k${i}`, enc.encode(String(i)));
  return b.take();
}

function setup(opts: Partial<ConstructorParameters<typeof BrokerCore>[0]> = {}) {
  const clock = new ManualClock(1_000);
  const core = new BrokerCore({ clock, partitions: 4, ackTimeoutMs: 1_000, ...opts });
  return { clock, core };
}

type Deliver = Extract<Output, { kind: "deliver" }>;
const delivers = (out: Output[]) => out.filter((o): o is Deliver => o.kind === "deliver");
const ids = (d: Deliver) =>
  decodeBatch(d.batch.blob!, d.batch.count).slice(
    d.start - d.batch.baseOffset,
    d.end - d.batch.baseOffset,
  )
    .map((m) => Number(dec.decode(m.payload)));
const big = { messages: 1_000_000, bytes: 1 << 30 };

Deno.test("partitions are spread evenly over members and stay put when nothing changes", () => {
  const { core } = setup({ partitions: 8 });
  core.subscribe("a", "t", "g", big);
  core.subscribe("b", "t", "g", big);
  core.subscribe("c", "t", "g", big);
  const g = core.topic("t").groups.get("g")!;
  const counts = ["a", "b", "c"].map((m) => g.partitionsOf(m).length);
  assert.deepEqual(counts, [3, 3, 2]);
  const before = g.owners();
  core.pump();
  core.tick();
  assert.deepEqual(g.owners(), before);
});

Deno.test("a leaving member's partitions move to the others and its in-flight work is redelivered", () => {
  const { core } = setup({ partitions: 2 });
  core.subscribe("a", "t", "g", big);
  core.subscribe("b", "t", "g", big);
  core.pump();
  core.publish("t", 0, { blob: blob([1, 2, 3]), count: 3 });
  core.publish("t", 1, { blob: blob([4, 5]), count: 2 });
  const first = delivers(core.pump());
  assert.deepEqual(first.map((d) => [d.memberId, ids(d)]), [["a", [1, 2, 3]], ["b", [4, 5]]]);
  core.unsubscribe("a");
  const again = delivers(core.pump());
  assert.deepEqual(again.map((d) => [d.memberId, d.partition, d.attempt, ids(d)]), [
    ["b", 0, 2, [1, 2, 3]],
  ]);
  assert.equal(core.topic("t").groups.get("g")!.counters.redelivered, 3);
});

Deno.test("a joining member receives a partition only after the old owner acks its in-flight work", () => {
  const { core } = setup({ partitions: 2 });
  core.subscribe("a", "t", "g", big);
  core.publish("t", 1, { blob: blob([1, 2]), count: 2 });
  assert.equal(delivers(core.pump())[0].memberId, "a");
  core.subscribe("b", "t", "g", big);
  core.publish("t", 1, { blob: blob([3]), count: 1 });
  assert.deepEqual(delivers(core.pump()), [], "partition 1 is handed off: nobody gets [3] yet");
  assert.ok(core.ack("a", 1, 2));
  const d = delivers(core.pump());
  assert.deepEqual(d.map((x) => [x.memberId, ids(x), x.attempt]), [["b", [3], 1]]);
});

Deno.test("deliveries past their ack deadline are redelivered with a higher attempt", () => {
  const { core, clock } = setup({ partitions: 1 });
  core.subscribe("a", "t", "g", big);
  core.publish("t", 0, { blob: blob([1, 2]), count: 2 });
  assert.equal(delivers(core.pump())[0].attempt, 1);
  clock.advance(999);
  core.tick();
  assert.deepEqual(delivers(core.pump()), []);
  clock.advance(1);
  core.tick();
  const d = delivers(core.pump());
  assert.deepEqual(d.map((x) => [ids(x), x.attempt]), [[[1, 2], 2]]);
  assert.equal(core.topic("t").groups.get("g")!.counters.expired, 2);
});

Deno.test("cumulative acks free exactly the messages below the ack position", () => {
  const { core } = setup({ partitions: 1 });
  core.subscribe("a", "t", "g", { messages: 5, bytes: 1 << 30 });
  core.publish("t", 0, { blob: blob([0, 1, 2]), count: 3 });
  core.publish("t", 0, { blob: blob([3, 4, 5]), count: 3 });
  const d = delivers(core.pump());
  assert.deepEqual(d.map(ids), [[0, 1, 2]], "the second batch waits for credit for all of it");
  core.ack("a", 0, 2); // acks 0 and 1, 2 stays in flight
  const g = core.topic("t").groups.get("g")!;
  assert.equal(g.committed(0), 2);
  assert.deepEqual(delivers(core.pump()).map(ids), [[3, 4, 5]]);
  core.ack("a", 0, 6);
  assert.equal(g.committed(0), 6);
  assert.equal(g.counters.acked, 6);
});

Deno.test("a lagging member gets every batch once and whole, however its credit frees up", () => {
  // 8 partitions of 6-message batches and a credit of 10: slicing batches by the
  // credit left would send a blob once per slice.
  const { core } = setup({ partitions: 8 });
  core.subscribe("a", "t", "g", { messages: 10, bytes: 1 << 30 });
  let batches = 0;
  for (let p = 0; p < 8; p++) {
    for (let i = 0; i < 5; i++, batches++) {
      core.publish("t", p, { blob: blob([1, 2, 3, 4, 5, 6]), count: 6 });
    }
  }
  const pending: Deliver[] = [];
  let deliveries = 0;
  let messages = 0;
  for (let round = 0; round < 200 && messages < 8 * 5 * 6; round++) {
    const d = delivers(core.pump());
    for (const x of d) assert.equal(x.end - x.start, 6, "a whole batch");
    deliveries += d.length;
    pending.push(...d);
    const one = pending.shift(); // the member acks one delivery at a time
    if (one) {
      messages += one.end - one.start;
      core.ack("a", one.partition, one.end);
    }
  }
  assert.equal(messages, 240);
  assert.equal(deliveries, batches, "one delivery per batch");
});

Deno.test("a batch larger than the whole credit still moves, in credit-sized slices", () => {
  const { core } = setup({ partitions: 1 });
  core.subscribe("a", "t", "g", { messages: 4, bytes: 1 << 30 });
  core.publish("t", 0, { blob: blob([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), count: 10 });
  const got: number[][] = [];
  for (let round = 0; round < 5; round++) {
    for (const d of delivers(core.pump())) {
      got.push(ids(d));
      core.ack("a", 0, d.end);
    }
  }
  assert.deepEqual(got, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
});

Deno.test("credit is never exceeded: in-flight messages stay at or below it", () => {
  const { core } = setup({ partitions: 4 });
  core.subscribe("a", "t", "g", { messages: 7, bytes: 1 << 30 });
  for (let p = 0; p < 4; p++) {
    for (let i = 0; i < 5; i++) core.publish("t", p, { blob: blob([i, i]), count: 2 });
  }
  const g = core.topic("t").groups.get("g")!;
  let seen = 0;
  for (let round = 0; round < 20; round++) {
    const d = delivers(core.pump());
    const inflight = g.cursors.reduce((n, c) => n + c.inflightMessages(), 0);
    assert.ok(inflight <= 7, `round ${round}: ${inflight} in flight`);
    for (const x of d) {
      seen += x.end - x.start;
      core.ack("a", x.partition, x.end);
    }
  }
  assert.equal(seen, 40);
});

Deno.test("a message nacked maxDeliveries times is handed out as a dead letter, and nothing else is", () => {
  const { core } = setup({ partitions: 1, maxDeliveries: 3 });
  core.subscribe("a", "t", "g", big);
  core.publish("t", 0, { blob: blob([10, 11, 12]), count: 3 });
  let out = core.pump();
  const dead: Extract<Output, { kind: "deadletter" }>[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    assert.ok(core.nack("a", 0, 1), `nack ${attempt}`);
    core.ack("a", 0, 3);
    out = core.pump();
    dead.push(...out.filter((o) => o.kind === "deadletter"));
    const d = delivers(out);
    if (attempt < 3) assert.deepEqual(d.map((x) => [ids(x), x.attempt]), [[[11], attempt + 1]]);
    else assert.deepEqual(d, []);
  }
  assert.equal(dead.length, 1);
  assert.deepEqual([dead[0].topic, dead[0].partition, dead[0].start, dead[0].end], ["t", 0, 1, 2]);
  const g = core.topic("t").groups.get("g")!;
  assert.equal(g.counters.deadLettered, 1);
  assert.equal(g.counters.nacked, 3);
  assert.equal(g.committed(0), 3);
});

Deno.test("batches are delivered only once marked durable", () => {
  const { core } = setup({ partitions: 1 });
  core.subscribe("a", "t", "g", big);
  core.publish("t", 0, { blob: blob([1, 2]), count: 2, loc: "seg0" }, false);
  assert.deepEqual(delivers(core.pump()), []);
  core.markDurable("t", 0, 2);
  assert.deepEqual(delivers(core.pump()).map(ids), [[1, 2]]);
});

Deno.test("at the memory bound a persisted topic evicts durable blobs instead of holding publishers", () => {
  const { core } = setup({ partitions: 1, maxTopicBytes: 1024 });
  const payload = blob(Array.from({ length: 100 }, (_, i) => i));
  core.publish("t", 0, { blob: payload, count: 100, loc: "seg0" });
  assert.equal(core.hasRoom("t"), true, "evicted: it can be read back from disk");
  const log = core.topic("t").logs[0];
  assert.equal(log.cachedBytes, 0);
  assert.equal(log.bytes, payload.length);
  assert.equal(log.batchAt(0)!.blob, undefined);
});

Deno.test("a persisted batch leaves memory once every group acked it; a memory-only one stays", () => {
  const { core } = setup({ partitions: 1 });
  core.subscribe("a", "t", "fast", big);
  core.subscribe("b", "t", "slow", big);
  for (let i = 0; i < 3; i++) {
    core.publish("t", 0, { blob: blob([2 * i, 2 * i + 1]), count: 2, loc: `seg:${i}` });
  }
  const log = core.topic("t").logs[0];
  const cached = () => [0, 2, 4].map((o) => log.batchAt(o)!.blob !== undefined);
  core.pump();
  assert.ok(core.ack("a", 0, 6));
  assert.deepEqual(cached(), [true, true, true], "the slow group still needs them");
  assert.ok(core.ack("b", 0, 4));
  assert.deepEqual(cached(), [false, false, true]);
  assert.equal(log.cachedBytes, log.batchAt(4)!.bytes);
  assert.equal(log.bytes, 3 * log.batchAt(4)!.bytes, "still retained on disk");

  core.subscribe("m", "mem", "g", big);
  core.publish("mem", 0, { blob: blob([1]), count: 1 });
  core.pump();
  assert.ok(core.ack("m", 0, 1));
  assert.notEqual(
    core.topic("mem").logs[0].batchAt(0)?.blob,
    undefined,
    "no disk copy to read back",
  );
});

Deno.test("every group receives every message; members of one group never share one", () => {
  const { core } = setup({ partitions: 4 });
  core.subscribe("a1", "t", "A", big);
  core.subscribe("a2", "t", "A", big);
  core.subscribe("b1", "t", "B", big);
  for (let p = 0; p < 4; p++) core.publish("t", p, { blob: blob([p * 10, p * 10 + 1]), count: 2 });
  const got = new Map<string, number[]>();
  for (const d of delivers(core.pump())) {
    got.set(d.memberId, [...(got.get(d.memberId) ?? []), ...ids(d)]);
  }
  const a1 = got.get("a1")!, a2 = got.get("a2")!, b1 = got.get("b1")!;
  assert.equal(a1.length + a2.length, 8);
  assert.ok(a1.length > 0 && a2.length > 0);
  assert.deepEqual(a1.filter((x) => a2.includes(x)), []);
  assert.deepEqual(b1.sort((x, y) => x - y), [0, 1, 10, 11, 20, 21, 30, 31]);
});

Deno.test("at its memory bound a topic refuses publishes until every group has acked", () => {
  const { core } = setup({ partitions: 1, maxTopicBytes: 1024 });
  const payload = blob(Array.from({ length: 100 }, (_, i) => i)); // > 1 KiB
  assert.ok(core.hasRoom("t"));
  core.publish("t", 0, { blob: payload, count: 100 });
  assert.equal(core.hasRoom("t"), false, "no group: nothing may be trimmed");
  core.subscribe("a", "t", "g", big);
  const d = delivers(core.pump());
  assert.equal(core.hasRoom("t"), false, "delivered but unacked");
  core.ack("a", 0, d[0].end);
  assert.ok(core.hasRoom("t"));
  assert.equal(core.topic("t").counters.trimmedMessages, 100);
});

Deno.test("stale acks from a member that no longer owns the partition are ignored and counted", () => {
  const { core } = setup({ partitions: 1 });
  core.subscribe("a", "t", "g", big);
  core.subscribe("b", "t", "g", big);
  assert.equal(core.ack("b", 0, 100), false);
  assert.equal(core.topic("t").groups.get("g")!.counters.staleAcks, 1);
});

Deno.test("invalid names and partitions are refused with RangeError", () => {
  const { core } = setup();
  assert.throws(() => core.topic("../x"), /topic name "..\/x" is invalid/);
  assert.throws(() => core.subscribe("m", "t", "", big), /group name "" is invalid/);
  assert.throws(
    () => core.publish("t", 9, { blob: blob([1]), count: 1 }),
    /partition 9 does not exist: topic t has 4/,
  );
});

Deno.test("a member leaving mid-handoff passes its partitions straight to the joiner", () => {
  const { core } = setup({ partitions: 2, ackTimeoutMs: 60_000 });
  core.subscribe("a", "t", "g", big);
  core.publish("t", 0, { blob: blob([1]), count: 1 });
  core.publish("t", 1, { blob: blob([2]), count: 1 });
  assert.equal(delivers(core.pump()).length, 2);
  core.subscribe("b", "t", "g", big); // partition 1 is handed off, waiting for a's ack
  core.unsubscribe("a");
  const d = delivers(core.pump());
  assert.deepEqual(d.map((x) => [x.memberId, x.partition, x.attempt]).sort(), [["b", 0, 2], [
    "b",
    1,
    2,
  ]]);
});

Deno.test("a nacked message is not redelivered before the member's next ack, so that ack cannot swallow it", () => {
  const { core, clock } = setup({ partitions: 1, maxDeliveries: 5 });
  core.subscribe("a", "t", "g", big);
  core.publish("t", 0, { blob: blob([1, 2]), count: 2 });
  core.pump();
  core.nack("a", 0, 0);
  assert.deepEqual(delivers(core.pump()), [], "held until the ack that follows the NACK");
  core.ack("a", 0, 2); // acks offset 1 only: offset 0 is not in flight
  const again = delivers(core.pump());
  assert.deepEqual(again.map((d) => [ids(d), d.attempt]), [[[1], 2]]);
  // A member that nacks and never acks gets the message back after the ack timeout.
  core.nack("a", 0, 0);
  clock.advance(1_000);
  core.tick();
  assert.deepEqual(delivers(core.pump()).map((d) => [ids(d), d.attempt]), [[[1], 3]]);
});

Deno.test("a persisted topic keeps at most cacheBytes of durable blobs in memory, without holding publishers", () => {
  const { core } = setup({ partitions: 1, maxTopicBytes: 1 << 20, cacheBytes: 4096 });
  const payload = blob(Array.from({ length: 100 }, (_, i) => i));
  let held = 0;
  for (let i = 0; i < 40; i++) {
    if (!core.hasRoom("t")) held++;
    core.publish("t", 0, { blob: payload, count: 100, loc: `seg:${i}` });
  }
  const log = core.topic("t").logs[0];
  assert.equal(held, 0);
  assert.ok(core.hasRoom("t"));
  assert.ok(log.cachedBytes < 4096, `${log.cachedBytes} bytes cached`);
  assert.equal(log.bytes, 40 * payload.length, "every batch is still retained on disk");
  assert.ok(log.batchAt(3999)!.blob !== undefined, "the newest batch stays in memory");

  // A memory-only topic is bounded by maxTopicBytes alone: cacheBytes does not apply.
  const mem = setup({ partitions: 1, maxTopicBytes: 1 << 20, cacheBytes: 4096 }).core;
  for (let i = 0; i < 40; i++) mem.publish("t", 0, { blob: payload, count: 100 });
  assert.ok(mem.hasRoom("t"));
  assert.equal(mem.topic("t").logs[0].cachedBytes, 40 * payload.length);
});
