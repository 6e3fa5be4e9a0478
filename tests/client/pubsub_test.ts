import assert from "node:assert/strict";
import { startBrokerServer } from "../../src/broker/server.ts";
import { Publisher } from "../../src/client/publisher.ts";
import { type Delivery, Subscriber } from "../../src/client/subscriber.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function collect(sub: Subscriber, want: number, seen: number[], ack = true): Promise<void> {
  for await (const d of sub.deliveries()) {
    for (const m of d.messages) seen.push(Number(dec.decode(m.payload)));
    if (ack) sub.ack(d.partition, d.end);
    if (seen.length >= want) return;
  }
}

Deno.test("a publisher's confirmed messages reach a subscriber exactly once over real TCP", async () => {
  await using broker = await startBrokerServer({ port: 0, partitions: 4 });
  const addr = { host: "127.0.0.1", port: broker.addr.port };
  await using sub = await Subscriber.connect({ broker: addr, topic: "t", group: "g" });
  await using pub = await Publisher.connect({ broker: addr, topic: "t", batchSize: 64 });
  for (let i = 0; i < 5_000; i++) await pub.publish(`GPU-${i % 37}`, enc.encode(String(i)));
  await pub.flush();
  assert.equal(pub.counters.confirmed, 5_000);
  const seen: number[] = [];
  await collect(sub, 5_000, seen);
  assert.equal(seen.length, 5_000);
  assert.equal(new Set(seen).size, 5_000);
});

Deno.test("one key's messages arrive in publish order", async () => {
  await using broker = await startBrokerServer({ port: 0, partitions: 8 });
  const addr = { host: "127.0.0.1", port: broker.addr.port };
  await using sub = await Subscriber.connect({ broker: addr, topic: "t", group: "g" });
  await using pub = await Publisher.connect({ broker: addr, topic: "t", batchSize: 10 });
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < 2_000; i++) await pub.publish(`k${i % 5}`, enc.encode(String(i)));
  await pub.flush();
  let n = 0;
  for await (const d of sub.deliveries()) {
    for (const m of d.messages) {
      byKey.set(m.key, [...(byKey.get(m.key) ?? []), Number(dec.decode(m.payload))]);
      n++;
    }
    sub.ack(d.partition, d.end);
    if (n === 2_000) break;
  }
  for (const [k, xs] of byKey) {
    assert.deepEqual(
      xs,
      [...xs].sort((a, b) => a - b),
      `key ${k} out of order`,
    );
  }
});

Deno.test("when a subscriber disconnects without acking, its messages go to the other member", async () => {
  await using broker = await startBrokerServer({ port: 0, partitions: 2 });
  const addr = { host: "127.0.0.1", port: broker.addr.port };
  const a = await Subscriber.connect({ broker: addr, topic: "t", group: "g", clientId: "a" });
  await using pub = await Publisher.connect({ broker: addr, topic: "t" });
  for (let i = 0; i < 100; i++) await pub.publish(`k${i}`, enc.encode(String(i)));
  await pub.flush();
  const first: Delivery[] = [];
  for await (const d of a.deliveries()) {
    first.push(d);
    if (first.reduce((n, x) => n + x.messages.length, 0) === 100) break;
  }
  await using b = await Subscriber.connect({ broker: addr, topic: "t", group: "g", clientId: "b" });
  await a.close(); // nothing acked
  const seen: number[] = [];
  await collect(b, 100, seen);
  assert.deepEqual(seen.sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  const g = broker.core.topic("t").groups.get("g")!;
  assert.equal(g.counters.redelivered, 100);
});

Deno.test("a publisher resends unconfirmed batches after the broker comes back", async () => {
  const first = await startBrokerServer({ port: 0, partitions: 1 });
  const port = first.addr.port;
  const pub = await Publisher.connect({ broker: { host: "127.0.0.1", port }, topic: "t" });
  await pub.publish("k", enc.encode("0"));
  await pub.flush();
  await first.close();
  const pending = (async () => {
    for (let i = 1; i <= 50; i++) await pub.publish("k", enc.encode(String(i)));
    await pub.flush();
  })();
  await new Promise((r) => setTimeout(r, 300));
  await using second = await startBrokerServer({ port, partitions: 1 });
  await pending;
  assert.equal(pub.counters.confirmed, 51);
  assert.ok(pub.counters.reconnects >= 1);
  assert.equal(second.core.topic("t").logs[0].endOffset, 50);
  await pub.close();
});

Deno.test("a malformed frame gets ERROR and a closed connection while others keep working", async () => {
  await using broker = await startBrokerServer({ port: 0, partitions: 1, maxFrameBytes: 1024 });
  const addr = { host: "127.0.0.1", port: broker.addr.port };
  await using pub = await Publisher.connect({ broker: addr, topic: "t" });
  const bad = await Deno.connect({ hostname: "127.0.0.1", port: broker.addr.port });
  await bad.write(Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 1));
  const reply = new Uint8Array(await new Response(bad.readable).arrayBuffer()); // until closed
  assert.equal(reply[4], 0x03, "ERROR frame");
  assert.match(dec.decode(reply), /exceeds the limit of 1024 bytes/);
  await pub.publish("k", enc.encode("still fine"));
  await pub.flush();
  assert.equal(broker.counters.protocolErrors, 1);
});

Deno.test("a batch resent with the same producer sequence is stored once", async () => {
  const dir = await Deno.makeTempDir();
  const { BrokerStorage } = await import("../../src/broker/store/storage.ts");
  const { silentLogger } = await import("../../src/obs/log.ts");
  const storage = await BrokerStorage.open({ dir, logger: silentLogger });
  await using broker = await startBrokerServer({ port: 0, partitions: 1, storage });
  const batch = new Uint8Array([0, 1, 0x6b, 0, 0, 0, 1, 0x78]); // one message: key "k", payload "x"
  const first = await broker.log.append("t", 0, batch, 1, { producerId: 42, sequence: 1 });
  const again = await broker.log.append("t", 0, batch, 1, { producerId: 42, sequence: 1 });
  assert.equal(again.baseOffset, first.baseOffset);
  assert.equal(broker.core.log("t", 0).endOffset, 1);
  assert.equal(broker.log.duplicatesIgnored, 1);
  await broker.close();
  await storage.close();
  // After a restart the producer state is rebuilt from the index.
  const reopened = await BrokerStorage.open({ dir, logger: silentLogger });
  await using second = await startBrokerServer({ port: 0, partitions: 1, storage: reopened });
  await second.log.append("t", 0, batch, 1, { producerId: 42, sequence: 1 });
  assert.equal(second.core.log("t", 0).endOffset, 1);
  await second.close();
  await reopened.close();
  await Deno.remove(dir, { recursive: true });
});
