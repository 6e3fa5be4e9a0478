import assert from "node:assert/strict";
import { Publisher } from "../../src/client/publisher.ts";
import { Subscriber } from "../../src/client/subscriber.ts";
import { consumeIds, getJson, startRole, waitUntil } from "./_harness.ts";

const BOUND = 2 * 1024 * 1024;
/**
 * Publishes already past the room check when the bound is reached: at most
 * the publisher's window of unconfirmed batches (32 × 200 messages × ~270 bytes).
 */
const IN_FLIGHT = 32 * 200 * 270;
const TOTAL = 40_000; // × 256-byte payloads ≈ 10 MB, five times the bound

interface TopicStats {
  name: string;
  bytes: number;
  memory_bytes: number;
  counters: { publishWaits: number };
}

async function vmRssKiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
}

/**
 * A broker with a 2 MiB topic bound on port 0, a subscriber that takes
 * 1,000 messages of credit and then waits (paused: nothing acked), and a
 * publisher with a 4,000-message buffer.
 */
async function pausedConsumer(storage: string[]) {
  const { proc: broker, tcp: port, admin } = await startRole(
    ["broker", ...storage, "--max-topic-bytes", String(BOUND), "--partitions", "2"],
    ["tcp", "admin"],
  );
  const addr = { host: "127.0.0.1", port };
  const sub = await Subscriber.connect({
    broker: addr,
    topic: "t",
    group: "g",
    creditMessages: 1000,
  });
  const pub = await Publisher.connect({
    broker: addr,
    topic: "t",
    bufferMessages: 4000,
    batchSize: 200,
  });
  const topic = async () =>
    (await getJson<{ topics: TopicStats[] }>(`http://127.0.0.1:${admin}/stats`)).topics.find((t) =>
      t.name === "t"
    );
  return {
    broker,
    sub,
    pub,
    topic,
    async [Symbol.asyncDispose]() {
      await pub.close();
      await sub.close();
      await broker[Symbol.asyncDispose]();
    },
  };
}

Deno.test("memory-only: a paused consumer under a fast publisher holds publishers at the bound, then nothing is lost", async () => {
  await using env = await pausedConsumer(["--no-persist"]);
  const { broker, sub, pub, topic } = env;
  const payload = new Uint8Array(256).fill(0x61);
  const publishing = (async () => {
    for (let i = 0; i < TOTAL; i++) {
      new DataView(payload.buffer).setUint32(0, i);
      await pub.publish(`GPU-${i % 64}`, payload.slice());
    }
    await pub.flush();
  })();

  await waitUntil(
    "the publisher to be held back",
    async () => ((await topic())?.counters.publishWaits ?? 0) > 0,
  );
  await new Promise((r) => setTimeout(r, 500));
  const held = (await topic())!;
  assert.ok(
    held.memory_bytes <= BOUND + IN_FLIGHT,
    `topic holds ${held.memory_bytes} bytes, bound ${BOUND}`,
  );
  assert.ok(pub.counters.confirmed < TOTAL, "confirms are held back, not faked");
  const rss = await vmRssKiB(broker.child.pid);
  assert.ok(rss < 256 * 1024, `broker RSS ${rss} KiB`);

  // Resume: consume and ack everything; every message arrives exactly once.
  const { counts: seen, distinct: received } = await consumeIds(sub, TOTAL);
  await publishing;
  assert.equal(pub.counters.confirmed, TOTAL);
  assert.equal(received, TOTAL);
  assert.ok(seen.every((n) => n === 1), "no message delivered twice");
});

Deno.test("persisted: a paused consumer does not hold publishers; memory stays at the bound, the log takes the rest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-bp-" });
  await using env = await pausedConsumer(["--data-dir", dir]);
  const { sub, pub, topic } = env;
  const payload = new Uint8Array(256).fill(0x62);
  for (let i = 0; i < TOTAL; i++) {
    new DataView(payload.buffer).setUint32(0, i);
    await pub.publish(`GPU-${i % 64}`, payload.slice());
  }
  await pub.flush(); // everything confirmed although the consumer is paused
  const t = (await topic())!;
  assert.ok(
    t.memory_bytes <= BOUND + IN_FLIGHT,
    `memory holds ${t.memory_bytes} bytes, bound ${BOUND}`,
  );
  assert.ok(t.bytes > 4 * BOUND, `the log holds ${t.bytes} bytes`);
  assert.equal(t.counters.publishWaits, 0);

  const { counts: seen, distinct: received } = await consumeIds(sub, TOTAL);
  assert.equal(received, TOTAL);
  assert.ok(seen.every((n) => n === 1), "every message exactly once, read back from disk");
  await Deno.remove(dir, { recursive: true });
});
