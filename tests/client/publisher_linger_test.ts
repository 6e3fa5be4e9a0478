/**
 * The linger timer seals a partial batch only when the window can send it:
 * while every window slot waits for a confirm (a broker fdatasync round),
 * messages keep filling their partition's open batch and go out together
 * when a confirm frees a slot, instead of each linger sealing one more tiny
 * batch that could only queue behind the window.
 */
import assert from "node:assert/strict";
import { startBrokerServer } from "../../src/broker/server.ts";
import { Publisher } from "../../src/client/publisher.ts";
import { fnv1a32 } from "../../src/record/hash.ts";
import { waitUntil } from "../_helpers.ts";

const enc = new TextEncoder();
const until = (what: string, check: () => boolean) => waitUntil(what, check, 10_000, 5);
/** Resolves after every timer due before it (the linger timers set so far) has fired. */
const afterTimers = () => new Promise((r) => setTimeout(r, 20));

/** A broker whose appends wait for the test to open the gate; records each batch's partition and size. */
async function gatedBroker(partitions: number) {
  const broker = await startBrokerServer({ port: 0, partitions });
  const batches: { partition: number; count: number }[] = [];
  let open!: () => void;
  let gate = new Promise<void>((r) => (open = r));
  const append = broker.log.append.bind(broker.log);
  broker.log.append = async (topic, partition, blob, count, producer, stable) => {
    batches.push({ partition, count });
    await gate;
    return append(topic, partition, blob, count, producer, stable);
  };
  let gated = true;
  const release = () => {
    open();
    if (gated) gate = new Promise<void>((r) => (open = r));
  };
  /** Opens the gate for good: every later append goes straight through. */
  const openForGood = () => {
    gated = false;
    open();
  };
  return { broker, batches, release, openForGood };
}

Deno.test("messages published while the window is full go out as one batch when a confirm frees it, not one batch per linger", async () => {
  const { broker, batches, release } = await gatedBroker(1);
  await using _ = broker;
  const addr = { host: "127.0.0.1", port: broker.addr.port };
  await using pub = await Publisher.connect({ broker: addr, topic: "t", window: 1, lingerMs: 1 });
  await pub.publish("k", enc.encode("first"));
  await until("the first batch reached the broker", () => batches.length === 1);
  for (let i = 0; i < 10; i++) {
    await pub.publish("k", enc.encode(`m${i}`));
    await afterTimers(); // each message's linger passes while the window is full
  }
  assert.equal(pub.counters.batches, 1, "no batch sealed while the window was full");
  release();
  await until("the second batch reached the broker", () => batches.length === 2);
  assert.deepEqual(batches[1], { partition: 0, count: 10 });
  release();
  const flushed = pub.flush();
  await until("confirmed", () => pub.counters.confirmed === 11);
  await flushed;
  assert.equal(pub.counters.batches, 2);
  assert.equal(broker.core.log("t", 0).endOffset, 11);
});

Deno.test("partitions whose linger passed in a full window take turns for the slots confirms free", async () => {
  const { broker, batches, release, openForGood } = await gatedBroker(2);
  await using _ = broker;
  const addr = { host: "127.0.0.1", port: broker.addr.port };
  await using pub = await Publisher.connect({ broker: addr, topic: "t", window: 1, lingerMs: 1 });
  // Two keys on different partitions (the publisher routes by FNV-1a).
  const keys = ["k0", "k1", "k2", "k3"];
  const p0 = fnv1a32(keys[0]) % 2;
  const other = keys.find((k) => fnv1a32(k) % 2 !== p0)!;
  await pub.publish(keys[0], enc.encode("first"));
  await until("the first batch reached the broker", () => batches.length === 1);
  for (let round = 0; round < 3; round++) {
    await pub.publish(keys[0], enc.encode(`a${round}`));
    await pub.publish(other, enc.encode(`b${round}`));
    await afterTimers();
    release();
    await until(`batch ${round + 2} reached the broker`, () => batches.length === round + 2);
  }
  // One slot per confirm: the partitions alternate; each batch holds what
  // its partition gathered while it waited.
  const after = batches.slice(1).map((b) => b.partition);
  assert.deepEqual(after, [1 - p0, p0, 1 - p0]);
  openForGood();
  await pub.flush();
  assert.equal(pub.counters.confirmed, 7);
  const stored = broker.core.log("t", 0).endOffset + broker.core.log("t", 1).endOffset;
  assert.equal(stored, 7);
});

Deno.test("with room in the window, the linger seals the partial batch of every partition", async () => {
  const { broker, batches, openForGood } = await gatedBroker(4);
  await using _ = broker;
  openForGood();
  const addr = { host: "127.0.0.1", port: broker.addr.port };
  await using pub = await Publisher.connect({ broker: addr, topic: "t", lingerMs: 1 });
  const keys = new Map<number, string>(); // one key per partition
  for (let i = 0; keys.size < 4; i++) keys.set(fnv1a32(`GPU-${i}`) % 4, `GPU-${i}`);
  for (let round = 1; round <= 3; round++) {
    for (const key of keys.values()) await pub.publish(key, enc.encode(key));
    // No flush: only the linger timer seals these.
    await until(`round ${round}: every partition's batch`, () => batches.length === 4 * round);
    const partitions = batches.slice(-4).map((b) => b.partition).sort();
    assert.deepEqual(partitions, [0, 1, 2, 3]);
  }
  assert.equal(pub.counters.batches, 12);
});
