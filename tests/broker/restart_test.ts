import assert from "node:assert/strict";
import { startBrokerServer } from "../../src/broker/server.ts";
import { BrokerStorage } from "../../src/broker/store/storage.ts";
import { silentLogger } from "../../src/obs/log.ts";
import { BatchBuilder, decodeBatch, encodeFrame, FrameType } from "../../src/protocol/mod.ts";
import { RawClient } from "./_raw_client.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function broker(dir: string) {
  const storage = await BrokerStorage.open({ dir, logger: silentLogger });
  const server = await startBrokerServer({ port: 0, partitions: 1, storage });
  return {
    server,
    port: server.addr.port,
    async close() {
      await server.close();
      await storage.close();
    },
  };
}

/** Publishes ids as one batch; resolves with the confirmed base offset. */
async function publish(c: RawClient, ids: number[], producerId = 0, sequence = 0): Promise<number> {
  const b = new BatchBuilder();
  for (const id of ids) b.add("GPU-1", enc.encode(String(id)));
  const correlationId = Math.floor(Math.random() * 1e9);
  c.fc.send(encodeFrame({
    type: FrameType.PUBLISH,
    correlationId,
    topic: "t",
    partition: 0,
    count: ids.length,
    producerId,
    sequence,
    batch: b.take(),
  }));
  const ok = await c.next(
    (f) => f.type === FrameType.PUBLISH_OK && f.correlationId === correlationId,
    "PUBLISH_OK",
  );
  return (ok as Extract<typeof ok, { type: typeof FrameType.PUBLISH_OK }>).baseOffset;
}

/** Reads deliveries (acking them) until `stop` is among the payloads; returns every payload. */
async function readUntil(c: RawClient, stop: string): Promise<string[]> {
  const seen: string[] = [];
  while (!seen.includes(stop)) {
    const d = await c.deliver();
    seen.push(
      ...decodeBatch(d.batch, d.count).slice(d.from, d.to).map((m) => dec.decode(m.payload)),
    );
    c.ack(d);
  }
  return seen;
}

Deno.test("after a broker restart a group resumes at its committed offsets: a new member is not sent what was acked", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel_restart_" });
  try {
    let b = await broker(dir);
    {
      await using c = await RawClient.connect(b.port);
      await publish(c, Array.from({ length: 100 }, (_, i) => i));
      await c.subscribe("t", "g");
      const got = await readUntil(c, "99");
      assert.equal(got.length, 100);
      const g = b.server.core.topic("t").groups.get("g")!;
      const end = Date.now() + 10_000;
      while (g.committed(0) < 100 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      assert.equal(g.committed(0), 100, "all acked before the restart");
    }
    await b.close();
    b = await broker(dir);
    try {
      await using c = await RawClient.connect(b.port);
      assert.equal(await publish(c, [100]), 100);
      await c.subscribe("t", "g");
      const d = await c.deliver();
      // Offsets go out in order: had the group restarted at 0, offset 0 would come first.
      assert.equal(d.baseOffset + d.from, 100, "the first delivery after the restart");
      assert.deepEqual(
        decodeBatch(d.batch, d.count).slice(d.from, d.to).map((m) => dec.decode(m.payload)),
        ["100"],
      );
      assert.equal(b.server.core.topic("t").groups.get("g")!.counters.redelivered, 0);
    } finally {
      await b.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a stored batch resent by its producer, before and after a restart, is confirmed at its offset and read once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel_resend_" });
  const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  try {
    let b = await broker(dir);
    {
      await using c = await RawClient.connect(b.port);
      assert.equal(await publish(c, ids(0, 50), 42, 1), 0);
      assert.equal(
        await publish(c, ids(0, 50), 42, 1),
        0,
        "the resend is confirmed at the original offset",
      );
      assert.equal(await publish(c, ids(50, 100), 42, 2), 50);
    }
    await b.close();
    b = await broker(dir);
    try {
      await using c = await RawClient.connect(b.port);
      assert.equal(
        await publish(c, ids(50, 100), 42, 2),
        50,
        "a resend after a lost confirm and a restart",
      );
      assert.equal(await publish(c, ids(100, 110), 42, 3), 100);
      assert.equal(await publish(c, [-1]), 110, "a sentinel after everything");
      assert.equal(b.server.core.log("t", 0).endOffset, 111);
      await c.subscribe("t", "fresh");
      const got = await readUntil(c, "-1");
      const counts = new Map<string, number>();
      for (const id of got) counts.set(id, (counts.get(id) ?? 0) + 1);
      const duplicates = [...counts.values()].reduce((n, k) => n + k - 1, 0);
      assert.equal(duplicates, 0);
      assert.equal(counts.size, 111);
      assert.equal(b.server.log.duplicatesIgnored, 1, "the resend after the restart");
    } finally {
      await b.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
