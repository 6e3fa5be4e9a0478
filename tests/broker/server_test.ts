import assert from "node:assert/strict";
import { startBrokerServer } from "../../src/broker/server.ts";
import { BrokerStorage } from "../../src/broker/store/storage.ts";
import { Publisher } from "../../src/client/publisher.ts";
import { Subscriber } from "../../src/client/subscriber.ts";
import { silentLogger } from "../../src/obs/log.ts";
import { decodeBatch, encodeFrame, FrameType, PROTOCOL_VERSION } from "../../src/protocol/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("a silent connection is closed after the session timeout and its partitions are released", async () => {
  await using broker = await startBrokerServer({ port: 0, partitions: 2, sessionTimeoutMs: 300 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: broker.addr.port });
  await conn.write(
    encodeFrame({ type: FrameType.HELLO, version: PROTOCOL_VERSION, clientId: "quiet", token: "" }),
  );
  await conn.write(encodeFrame({
    type: FrameType.SUBSCRIBE,
    subscriptionId: 1,
    topic: "t",
    group: "g",
    creditMessages: 10,
    creditBytes: 1 << 20,
    memberKey: "",
  }));
  await until(
    "the member to join",
    () => broker.core.topic("t").groups.get("g")?.members().length === 1,
  );
  // Say nothing more: the broker must hang up on its own.
  const rest = new Uint8Array(await new Response(conn.readable).arrayBuffer());
  assert.ok(rest.length > 0, "HELLO_OK and SUBSCRIBE_OK arrived before the close");
  assert.equal(broker.counters.sessionTimeouts, 1);
  assert.equal(broker.core.topic("t").groups.get("g")!.members().length, 0);
});

Deno.test("a message nacked --max-deliveries times lands in <topic>.dlq over real TCP, intact", async () => {
  await using broker = await startBrokerServer({ port: 0, partitions: 1, maxDeliveries: 2 });
  const addr = { host: "127.0.0.1", port: broker.addr.port };
  await using sub = await Subscriber.connect({ broker: addr, topic: "t", group: "g" });
  await using pub = await Publisher.connect({ broker: addr, topic: "t" });
  await pub.publish("GPU-1", enc.encode("poison"));
  await pub.publish("GPU-1", enc.encode("fine"));
  await pub.flush();
  let attempts = 0;
  for await (const d of sub.deliveries()) {
    for (const m of d.messages) {
      if (dec.decode(m.payload) === "poison") sub.nack(d.partition, m.offset);
    }
    sub.ack(d.partition, d.end);
    if (d.messages.some((m) => dec.decode(m.payload) === "poison") && ++attempts === 2) break;
  }
  await until("the dead letter", () => broker.core.topics.get("t.dlq")?.logs[0].endOffset === 1);
  const dead = broker.core.topic("t.dlq").logs[0].batchAt(0)!;
  assert.deepEqual(decodeBatch(dead.blob!, 1).map((m) => [m.key, dec.decode(m.payload)]), [[
    "GPU-1",
    "poison",
  ]]);
  assert.equal(broker.core.topic("t").groups.get("g")!.counters.deadLettered, 1);
});

Deno.test("--fsync interval confirms before syncing and syncs on its timer", async () => {
  const dir = await Deno.makeTempDir();
  const storage = await BrokerStorage.open({
    dir,
    logger: silentLogger,
    fsync: "interval",
    fsyncIntervalMs: 50,
  });
  try {
    await using broker = await startBrokerServer({ port: 0, partitions: 1, storage });
    const batch = new Uint8Array([0, 1, 0x6b, 0, 0, 0, 1, 0x78]);
    await broker.log.append("t", 0, batch, 1);
    assert.equal(storage.counters.syncs, 0, "confirmed without waiting for a sync");
    await until("a periodic sync", () => storage.counters.syncs > 0, 2000);
  } finally {
    await storage.close();
    await Deno.remove(dir, { recursive: true });
  }
});
