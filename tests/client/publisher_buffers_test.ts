/**
 * The publisher reuses a batch's buffer once the broker confirmed it, but
 * never the buffer of a batch it sent more than once: an earlier write of
 * it may still be queued on a connection, and a reused buffer would be
 * overwritten by the next batch under it.
 */
import assert from "node:assert/strict";
import { startBrokerServer } from "../../src/broker/server.ts";
import { BrokerStorage } from "../../src/broker/store/storage.ts";
import { BufferPool } from "../../src/client/buffer_pool.ts";
import { Publisher } from "../../src/client/publisher.ts";
import { silentLogger } from "../../src/obs/log.ts";

const enc = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** Records the text of every blob given back to a BufferPool while `fn` runs. */
async function releasedDuring(fn: () => Promise<void>): Promise<string[]> {
  const release = BufferPool.prototype.release;
  const texts: string[] = [];
  BufferPool.prototype.release = function (this: BufferPool, bytes: Uint8Array) {
    texts.push(latin1.decode(bytes));
    return release.call(this, bytes);
  };
  try {
    await fn();
  } finally {
    BufferPool.prototype.release = release;
  }
  return texts;
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
}

Deno.test("a batch refused by the broker's storage and sent again is confirmed but its buffer is never reused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel_pub_buffers_" });
  const storage = await BrokerStorage.open({ dir, logger: silentLogger });
  try {
    await using broker = await startBrokerServer({ port: 0, partitions: 1, storage });
    const append = storage.append.bind(storage);
    let calls = 0;
    storage.append = (files, h, blob) => {
      if (calls++ === 0) return Promise.reject(new Error("injected: no space left on device"));
      return append(files, h, blob);
    };
    const addr = { host: "127.0.0.1", port: broker.addr.port };
    await using pub = await Publisher.connect({ broker: addr, topic: "t" });
    const released = await releasedDuring(async () => {
      await pub.publish("k", enc.encode("refused-once"));
      await pub.flush();
      await pub.publish("k", enc.encode("stored-first-time"));
      await pub.flush();
    });
    assert.equal(pub.counters.refusals, 1);
    assert.equal(pub.counters.confirmed, 2);
    assert.equal(broker.core.log("t", 0).endOffset, 2);
    assert.equal(released.some((t) => t.includes("refused-once")), false, "resent buffer reused");
    assert.equal(released.filter((t) => t.includes("stored-first-time")).length, 1);
  } finally {
    await storage.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a batch sent again after a reconnect is stored once but its buffer is never reused", async () => {
  const first = await startBrokerServer({ port: 0, partitions: 1 });
  const port = first.addr.port;
  // The first broker takes the batch and dies before confirming it.
  let fail: ((e: Error) => void) | undefined;
  first.log.append = () => new Promise((_, reject) => (fail = reject));
  await using pub = await Publisher.connect({ broker: { host: "127.0.0.1", port }, topic: "t" });
  const released = await releasedDuring(async () => {
    await pub.publish("k", enc.encode("sent-twice"));
    const flushed = pub.flush();
    await until("the first broker received the batch", () => fail !== undefined);
    const closing = first.close();
    fail!(new Error("broker gone"));
    await closing;
    await using second = await startBrokerServer({ port, partitions: 1 });
    await flushed;
    await pub.publish("k", enc.encode("sent-once"));
    await pub.flush();
    assert.equal(second.core.log("t", 0).endOffset, 2);
  });
  assert.ok(pub.counters.reconnects >= 1);
  assert.equal(pub.counters.retried, 1, "the batch went out on both connections");
  assert.equal(pub.counters.confirmed, 2);
  assert.equal(released.some((t) => t.includes("sent-twice")), false, "resent buffer reused");
  assert.equal(released.filter((t) => t.includes("sent-once")).length, 1);
});
