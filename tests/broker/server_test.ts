import assert from "node:assert/strict";
import { startBrokerServer } from "../../src/broker/server.ts";
import { BrokerStorage } from "../../src/broker/store/storage.ts";
import { Publisher } from "../../src/client/publisher.ts";
import { ManualClock } from "../../src/clock.ts";
import { Subscriber } from "../../src/client/subscriber.ts";
import { silentLogger } from "../../src/obs/log.ts";
import {
  decodeBatch,
  encodeFrame,
  ErrorCode,
  FrameType,
  PROTOCOL_VERSION,
} from "../../src/protocol/mod.ts";
import { RawClient } from "./_raw_client.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("a silent connection is closed once the clock passes the session timeout, not before, and its partitions are released", async () => {
  // The ticker runs on the injected clock: time moves only when the test says.
  // (A real-time run of the same rule: tests/e2e/groups_test.ts, --session-timeout 2s.)
  const clock = new ManualClock(1_000_000);
  await using broker = await startBrokerServer({
    port: 0,
    partitions: 2,
    sessionTimeoutMs: 300,
    clock,
  });
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
  // Say nothing more: the broker must hang up on its own, at its timeout.
  clock.advance(250); // one tick (period 250 ms): silent for 250 ms <= 300
  assert.equal(broker.counters.sessionTimeouts, 0);
  assert.equal(broker.core.topic("t").groups.get("g")!.members().length, 1);
  clock.advance(250); // silent for 500 ms > 300
  assert.equal(broker.counters.sessionTimeouts, 1);
  const rest = new Uint8Array(await new Response(conn.readable).arrayBuffer());
  assert.ok(rest.length > 0, "HELLO_OK and SUBSCRIBE_OK arrived before the close");
  await until(
    "the member to be released",
    () => broker.core.topic("t").groups.get("g")!.members().length === 0,
  );
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

Deno.test("an error inside the broker is not reported as the client's fault; a bad request still is", async () => {
  await using broker = await startBrokerServer({ port: 0, partitions: 1 });
  await using c = await RawClient.connect(broker.addr.port);
  // A bad request: ERROR BAD_REQUEST, and the connection stays.
  c.fc.send(encodeFrame({ type: FrameType.METADATA, correlationId: 7, topic: "bad name!" }));
  const bad = await c.next((f) => f.type === FrameType.ERROR, "ERROR");
  assert.equal(bad.type === FrameType.ERROR && bad.code, ErrorCode.BAD_REQUEST);
  assert.equal(bad.type === FrameType.ERROR && bad.correlationId, 7);
  // A RangeError the runtime throws while handling a valid request is the broker's fault.
  broker.core.partitionsOf = () => {
    throw new RangeError("Invalid array length");
  };
  c.fc.send(encodeFrame({ type: FrameType.METADATA, correlationId: 8, topic: "t" }));
  await assert.rejects(
    c.next((f) => f.type === FrameType.ERROR, "no ERROR before the close"),
    /connection closed/,
  );
  assert.equal(broker.counters.internalErrors, 1);
  assert.equal(broker.counters.requestErrors, 1, "only the bad request counts as refused");
  assert.equal(broker.counters.protocolErrors, 0);
});
