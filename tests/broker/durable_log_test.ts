import assert from "node:assert/strict";
import { ManualClock } from "../../src/clock.ts";
import { BrokerCore } from "../../src/broker/core.ts";
import type { Output } from "../../src/broker/output.ts";
import { FileLogStore } from "../../src/broker/file_log_store.ts";
import { DurableLog } from "../../src/broker/durable_log.ts";
import { BrokerStorage } from "../../src/broker/store/storage.ts";
import { silentLogger } from "../../src/obs/log.ts";
import { BatchBuilder } from "../../src/protocol/mod.ts";

function blob(i: number): Uint8Array {
  const b = new BatchBuilder();
  for (let k = 0; k < 10; k++) {
    b.add(`GPU-${k}`, new TextEncoder().encode(`batch ${i} message ${k} `.repeat(4)));
  }
  return b.take();
}

async function setup(segmentBytes = 2048) {
  const dir = await Deno.makeTempDir();
  const clock = new ManualClock(1_000_000);
  const storage = await BrokerStorage.open({
    dir,
    logger: silentLogger,
    segmentBytes,
    fsync: "never",
  });
  const core = new BrokerCore({ clock, partitions: 1 });
  const log = new DurableLog(core, new FileLogStore(storage, silentLogger));
  return {
    dir,
    clock,
    core,
    log,
    storage,
    async [Symbol.asyncDispose]() {
      await storage.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Publishes `n` batches of 10 messages, one clock second apart. */
async function fill(s: Awaited<ReturnType<typeof setup>>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await s.log.append("t", 0, blob(i), 10);
    s.clock.advance(1000);
  }
}

function consumeAll(core: BrokerCore, member: string): void {
  for (const o of core.pump()) {
    if (o.kind === "deliver") core.ack(member, o.partition, o.end);
  }
}

Deno.test("retention deletes closed segments once every group consumed them, and only those", async () => {
  await using s = await setup();
  s.core.subscribe("m", "t", "g", { messages: 25, bytes: 1 << 30 });
  await fill(s, 12);
  const segmentsBefore = (await s.storage.topic("t", 1))[0].segments.length;
  assert.ok(segmentsBefore >= 4, `${segmentsBefore} segments`);
  consumeAll(s.core, "m"); // 25 messages: the first two and a half batches
  await s.log.applyRetention({ retentionMs: 0, retentionBytes: 0 });
  const files = (await s.storage.topic("t", 1))[0];
  const first = files.segments[0];
  assert.ok(first.base <= 25 && 25 < first.endOffset, "the segment holding offset 25 stays");
  assert.equal(s.core.log("t", 0).startOffset, first.base);
  assert.equal(s.core.topic("t").groups.get("g")!.counters.dropped, 0);
});

Deno.test("retention by age deletes old segments under a fake clock and counts what a group missed", async () => {
  await using s = await setup();
  s.core.subscribe("m", "t", "g", { messages: 5, bytes: 1 << 30 });
  await fill(s, 12);
  s.clock.advance(3_600_000);
  await s.log.applyRetention({ retentionMs: 60_000, retentionBytes: 0 });
  const files = (await s.storage.topic("t", 1))[0];
  assert.equal(files.segments.length, 1, "only the active segment is left");
  const start = s.core.log("t", 0).startOffset;
  assert.ok(start > 0);
  // The group had consumed nothing: what it never saw is counted when it reads on.
  const out: Output[] = s.core.pump();
  assert.equal(s.core.topic("t").groups.get("g")!.counters.dropped, start);
  assert.ok(out.some((o) => o.kind === "deliver" && o.start === start));
});

Deno.test("retention by size keeps a partition at most retentionBytes (whole closed segments)", async () => {
  await using s = await setup();
  await fill(s, 12);
  const files = (await s.storage.topic("t", 1))[0];
  const before = files.bytes;
  await s.log.applyRetention({ retentionMs: 0, retentionBytes: 4096 });
  assert.ok(
    files.bytes <= Math.max(4096, files.segments.at(-1)!.size),
    `${files.bytes} bytes left of ${before}`,
  );
  assert.ok(files.bytes < before);
});

Deno.test("nothing is deleted while a group lags and no limit is set", async () => {
  await using s = await setup();
  s.core.subscribe("m", "t", "g", { messages: 1, bytes: 1 << 30 });
  await fill(s, 12);
  const n = (await s.storage.topic("t", 1))[0].segments.length;
  await s.log.applyRetention({ retentionMs: 0, retentionBytes: 0 });
  assert.equal((await s.storage.topic("t", 1))[0].segments.length, n);
});

Deno.test("a producer's batch arriving after a refused one is refused too, then both are stored in order", async () => {
  await using s = await setup(1 << 20);
  await s.log.append("t", 0, blob(1), 10, { producerId: 7, sequence: 1 });
  await assert.rejects(
    () => s.log.append("t", 0, blob(3), 10, { producerId: 7, sequence: 3 }),
    (e: Error) => e.name === "SequenceGapError" && /sequence 3, expected 2/.test(e.message),
  );
  await s.log.append("t", 0, blob(2), 10, { producerId: 7, sequence: 2 });
  await s.log.append("t", 0, blob(3), 10, { producerId: 7, sequence: 3 });
  assert.equal(s.core.log("t", 0).endOffset, 30);
  assert.equal(s.log.duplicatesIgnored, 0);
});

Deno.test("a large stable blob in its own buffer is kept as is, others are copied; all read back intact", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const open = async () => {
      const storage = await BrokerStorage.open({ dir, logger: silentLogger, fsync: "always" });
      const core = new BrokerCore({ clock: new ManualClock(1_000_000), partitions: 1 });
      return { storage, core, log: new DurableLog(core, new FileLogStore(storage, silentLogger)) };
    };
    const large = () => {
      const b = new BatchBuilder();
      for (let k = 0; k < 100; k++) b.add(`GPU-${k}`, new Uint8Array(1000).fill(k));
      return b.take();
    };
    const a = await open();
    // Stable and large, in a buffer of its own (its frame's): kept without a copy.
    const frame = new Uint8Array(40 + large().length);
    frame.set(large(), 40);
    const stable = frame.subarray(40);
    const first = await a.log.append("t", 0, stable, 100, undefined, true);
    assert.equal(first.blob!.buffer, frame.buffer, "kept without a copy");
    // Stable and large but inside a shared read slab: copied, or it would keep the slab.
    const slab = new Uint8Array(1 << 20);
    slab.set(large(), 5000);
    const inSlab = slab.subarray(5000, 5000 + large().length);
    const kept = await a.log.append("t", 0, inSlab, 100, undefined, true);
    assert.notEqual(kept.blob!.buffer, slab.buffer);
    assert.deepEqual(kept.blob, large());
    // Small stable blobs are copied (keeping one must not keep a whole slab alive) ...
    const small = blob(1);
    const second = await a.log.append("t", 0, small, 10, undefined, true);
    assert.notEqual(second.blob!.buffer, small.buffer);
    // ... and so are blobs that may change (the default).
    const borrowed = blob(2);
    const third = await a.log.append("t", 0, borrowed, 10);
    assert.notEqual(third.blob!.buffer, borrowed.buffer);
    borrowed.fill(0);
    assert.deepEqual(third.blob, blob(2));
    await a.storage.close();

    const b = await open();
    const log = b.core.log("t", 0);
    assert.equal(log.endOffset, 220);
    assert.deepEqual(await b.log.readBlob(log.batchAt(0)!), large());
    assert.deepEqual(await b.log.readBlob(log.batchAt(100)!), large());
    assert.deepEqual(await b.log.readBlob(log.batchAt(200)!), blob(1));
    assert.deepEqual(await b.log.readBlob(log.batchAt(210)!), blob(2));
    assert.equal(b.storage.counters.reads, 4, "restored batches are read back from disk");
    assert.equal(b.storage.counters.recoveredCorruptRanges, 0);
    assert.equal(b.storage.counters.corruptReads, 0);
    await b.storage.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prepare creates a topic's partition files before its first publish, once", async () => {
  await using s = await setup();
  s.core.topic("early"); // prepare is for topics that exist (METADATA creates none)
  s.log.prepare("early");
  s.log.prepare("early"); // a second METADATA does not start over
  const files = await s.storage.topic("early", 1);
  assert.equal(files.length, 1);
  const entries = [];
  for await (const e of Deno.readDir(`${s.dir}/topics/early/0`)) entries.push(e.name);
  assert.deepEqual(entries.sort(), [
    "00000000000000000000.idx",
    "00000000000000000000.log",
    "hw", // the high-water file: offsets reserved ahead
  ]);
  assert.equal(
    await s.storage.topic("early", 1),
    files,
    "the same files the first append will use",
  );
});
