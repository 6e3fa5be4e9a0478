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
import { waitUntil } from "../_helpers.ts";

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

const until = (what: string, check: () => boolean) => waitUntil(what, check, 10_000, 10);

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

Deno.test("while the broker confirms nothing, the publisher's batch buffers stay within bufferBytes and a batch sealed early holds only its own size", async () => {
  const broker = await startBrokerServer({ port: 0, partitions: 1 });
  // The broker takes batches but stores (and so confirms) none until the gate opens.
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const append = broker.log.append.bind(broker.log);
  broker.log.append = async (...args) => {
    await gate;
    return append(...args);
  };
  const bufferBytes = 2 * 1024 * 1024;
  const addr = { host: "127.0.0.1", port: broker.addr.port };
  const pub = await Publisher.connect({
    broker: addr,
    topic: "t",
    batchSize: 500,
    window: 8,
    bufferMessages: 1_000_000,
    bufferBytes,
  });
  try {
    // 100 batches of one 1,000-byte message each, sealed by flush (as the
    // linger timer seals them when messages trickle in).
    const small = new Uint8Array(1_000).fill(7);
    for (let i = 0; i < 100; i++) {
      // offer, not publish: were each batch to hold a whole batch-sized
      // buffer, the bound would be reached here and publish would wait forever.
      if (!pub.offer("k", small)) break;
      pub.flush().catch(() => {});
    }
    assert.ok(
      pub.bufferedBytes <= 100 * 1_100,
      `100 one-message batches hold ${pub.bufferedBytes} bytes of buffers`,
    );
    assert.equal(pub.counters.published, 100);
    // Then full batches until the byte bound makes publish wait.
    let waited = false;
    const filling = (async () => {
      for (let i = 0; i < 20_000; i++) {
        if (!pub.offer("k", small)) {
          waited = true;
          await pub.publish("k", small);
        }
      }
    })();
    await until("publish waits for room", () => waited);
    // A batch is sealed before the check that stops the next message, so
    // one batch buffer (500 messages, rounded up to 64 KiB) may go over.
    const oneBatch = Math.ceil(500 * 1_010 * 1.25 / 65_536) * 65_536;
    assert.ok(
      pub.bufferedBytes <= bufferBytes + oneBatch,
      `${pub.bufferedBytes} bytes of batch buffers held, bound ${bufferBytes}`,
    );
    assert.ok(pub.unconfirmed < 5_000, `${pub.unconfirmed} unconfirmed: bytes bound it, not count`);
    open();
    await filling;
    await pub.flush();
    assert.equal(pub.counters.confirmed, 20_100);
    assert.equal(pub.bufferedBytes, 0, "every confirmed batch gave its buffer back");
    assert.equal(broker.core.log("t", 0).endOffset, 20_100);
  } finally {
    open();
    await pub.close();
    await broker.close();
  }
});
