import assert from "node:assert/strict";
import { ManualClock } from "../../src/clock.ts";
import { BrokerCore } from "../../src/broker/core.ts";
import type { Output } from "../../src/broker/output.ts";
import { BatchBuilder } from "../../src/protocol/mod.ts";

const enc = new TextEncoder();
const big = { messages: 1_000_000, bytes: 1 << 30 };

function blob(n: number): Uint8Array {
  const b = new BatchBuilder();
  for (let i = 0; i < n; i++) b.add(`k${i}`, enc.encode(String(i)));
  return b.take();
}

function setup(partitions: number, rejoinGraceMs = 5_000) {
  const clock = new ManualClock(1_000);
  const core = new BrokerCore({ clock, partitions, ackTimeoutMs: 1_000, rejoinGraceMs });
  const group = () => core.topic("t").groups.get("g")!;
  return { clock, core, group };
}

type Deliver = Extract<Output, { kind: "deliver" }>;
const delivers = (out: Output[]) => out.filter((o): o is Deliver => o.kind === "deliver");

Deno.test("every move of a partition starts a new generation, and deliveries carry it", () => {
  const { core, group } = setup(1);
  core.subscribe("a", "t", "g", big);
  const first = group().generation(0);
  core.publish("t", 0, { blob: blob(2), count: 2 });
  const [d] = delivers(core.pump());
  assert.equal(d.generation, first);
  core.unsubscribe("a");
  core.subscribe("b", "t", "g", big);
  const [again] = delivers(core.pump());
  assert.equal(again.memberId, "b");
  assert.ok(again.generation > first, `generation ${again.generation} after ${first}`);
});

Deno.test("an ack of an older generation is refused and counted, even from the current owner", () => {
  const { clock, core, group } = setup(2);
  core.subscribe("a", "t", "g", big);
  core.publish("t", 1, { blob: blob(3), count: 3 });
  const [old] = delivers(core.pump());
  // a loses partition 1 to b (a paused past the handoff deadline), then gets it back
  core.subscribe("b", "t", "g", big);
  clock.advance(1_000);
  core.tick();
  assert.equal(delivers(core.pump())[0].memberId, "b");
  core.unsubscribe("b");
  const [now] = delivers(core.pump());
  assert.equal(now.memberId, "a");
  assert.equal(now.partition, 1);
  assert.notEqual(now.generation, old.generation);
  assert.equal(core.ack("a", 1, 3, old.generation), false, "the old generation's ack");
  assert.equal(group().counters.staleAcks, 1);
  assert.equal(group().committed(1), 0, "nothing was acked by it");
  assert.equal(core.ack("a", 1, 3, now.generation), true);
  assert.equal(group().committed(1), 3);
});

Deno.test("a handoff whose old owner never acks completes at the ack timeout", () => {
  const { clock, core, group } = setup(2);
  core.subscribe("a", "t", "g", big);
  core.publish("t", 1, { blob: blob(2), count: 2 });
  assert.equal(delivers(core.pump())[0].memberId, "a");
  core.subscribe("b", "t", "g", big);
  assert.deepEqual(delivers(core.pump()), [], "handed off: waits for a");
  clock.advance(999);
  core.tick();
  assert.deepEqual(delivers(core.pump()), [], "not before the deadline");
  assert.deepEqual(group().partitionsOf("b"), []);
  clock.advance(1);
  core.tick();
  const d = delivers(core.pump());
  assert.deepEqual(d.map((x) => [x.memberId, x.partition, x.attempt]), [["b", 1, 2]]);
  assert.deepEqual(group().partitionsOf("b"), [1]);
  assert.equal(core.ack("a", 1, 2, d[0].generation), false, "a's late ack is stale");
});

Deno.test("a keyed member that rejoins within the grace gets its own partitions back", () => {
  const { clock, core, group } = setup(4);
  core.subscribe("a1", "t", "g", big, "A");
  core.subscribe("b1", "t", "g", big, "B");
  const mineA = group().partitionsOf("a1");
  const mineB = group().partitionsOf("b1");
  assert.equal(mineA.length, 2);
  core.unsubscribe("a1"); // a crash or a reconnect
  assert.deepEqual(group().partitionsOf("b1"), mineB, "a's partitions wait for it");
  clock.advance(4_000);
  core.tick();
  core.subscribe("a2", "t", "g", big, "A");
  assert.deepEqual(group().partitionsOf("a2"), mineA);
  assert.deepEqual(group().partitionsOf("b1"), mineB);
});

Deno.test("a keyed member's partitions move once the rejoin grace has passed", () => {
  const { clock, core, group } = setup(4);
  core.subscribe("a1", "t", "g", big, "A");
  core.subscribe("b1", "t", "g", big, "B");
  core.unsubscribe("a1");
  clock.advance(4_999);
  core.tick();
  assert.equal(group().partitionsOf("b1").length, 2);
  clock.advance(1);
  core.tick();
  assert.equal(group().partitionsOf("b1").length, 4);
});

Deno.test("a new connection under a member's key replaces its older one", () => {
  const { core, group } = setup(2);
  assert.equal(core.subscribe("a1", "t", "g", big, "A"), undefined);
  const before = group().partitionsOf("a1");
  assert.equal(core.subscribe("a2", "t", "g", big, "A"), "a1");
  assert.deepEqual(group().members().map((m) => m.id), ["a2"]);
  assert.deepEqual(group().partitionsOf("a2"), before);
  assert.equal(core.ack("a1", 0, 1), false, "the old connection's acks are ignored");
});

Deno.test("restored ownership gives each partition back to its home member, whoever joins first", () => {
  const { core, group } = setup(4);
  core.subscribe("a1", "t", "g", big, "A");
  core.subscribe("b1", "t", "g", big, "B");
  const state = group().ownership();
  const mineB = group().partitionsOf("b1");
  // a restarted broker
  const { core: core2, group: group2 } = setup(4);
  core2.restoreGroup("t", "g", [0, 0, 0, 0]);
  core2.restoreOwnership("t", "g", state);
  core2.subscribe("b2", "t", "g", big, "B"); // B is back first
  assert.deepEqual(group2().partitionsOf("b2"), mineB, "A's partitions wait for A");
  core2.subscribe("a2", "t", "g", big, "A");
  assert.deepEqual(group2().partitionsOf("b2"), mineB);
  for (const p of [0, 1, 2, 3]) {
    assert.ok(group2().generation(p) > state.generations[p], `generation of ${p} went on`);
  }
});
