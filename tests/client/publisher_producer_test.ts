import assert from "node:assert/strict";
import { startBrokerServer } from "../../src/broker/server.ts";
import { Publisher } from "../../src/client/publisher.ts";

const enc = new TextEncoder();

Deno.test("a publisher given a saved producer continues its numbering, so the broker drops the batches it already stored", async () => {
  await using broker = await startBrokerServer({ port: 0, partitions: 2 });
  const addr = { host: "127.0.0.1", port: broker.addr.port };
  const opts = { broker: addr, topic: "t", batchSize: 2, autoSeal: false } as const;
  const first = await Publisher.connect(opts);
  await first.publish("a", enc.encode("1"));
  await first.flush();
  const saved = first.producer();
  assert.equal(saved.id, String(first.producerId));
  assert.equal(saved.sequences.reduce((a, b) => a + b, 0), 1);
  for (const n of ["2", "3", "4"]) await first.publish("a", enc.encode(n));
  await first.flush();
  await first.close();
  const stored = () => broker.core.log("t", 0).endOffset + broker.core.log("t", 1).endOffset;
  assert.equal(stored(), 4);
  // The restart sends the same messages again as the same producer, sealed
  // at the same points, then a new one.
  const again = await Publisher.connect({ ...opts, producer: saved });
  assert.equal(again.producerId, first.producerId);
  for (const n of ["2", "3", "4"]) await again.publish("a", enc.encode(n));
  await again.flush();
  await again.publish("a", enc.encode("5"));
  await again.flush();
  await again.close();
  assert.equal(stored(), 5, "a resent batch was stored again");
  assert.equal(broker.log.duplicatesIgnored, 2);
});

Deno.test("a publisher that does not auto-seal sends a partial batch only at flush", async () => {
  await using broker = await startBrokerServer({ port: 0, partitions: 1 });
  const addr = { host: "127.0.0.1", port: broker.addr.port };
  await using pub = await Publisher.connect({
    broker: addr,
    topic: "t",
    batchSize: 10,
    lingerMs: 1,
    autoSeal: false,
  });
  await pub.publish("k", enc.encode("x"));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(pub.counters.batches, 0);
  await pub.flush();
  assert.equal(pub.counters.batches, 1);
  assert.deepEqual(pub.producer().sequences, [1]);
});

Deno.test("a saved producer of another partition count or with a bad id is not continued", async () => {
  await using broker = await startBrokerServer({ port: 0, partitions: 2 });
  const addr = { host: "127.0.0.1", port: broker.addr.port };
  await using pub = await Publisher.connect({
    broker: addr,
    topic: "t",
    producer: { id: "99", sequences: [5, 5, 5] },
  });
  assert.notEqual(pub.producerId, 99);
  assert.deepEqual(pub.producer().sequences, [0, 0]);
  await assert.rejects(
    Publisher.connect({ broker: addr, topic: "t", producer: { id: "x-1", sequences: [0, 0] } }),
    /producer id must be a positive integer, got "x-1"/,
  );
});
