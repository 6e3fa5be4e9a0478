import assert from "node:assert/strict";
import { acceptLoop, connectionLimit } from "../../src/broker/accept_loop.ts";
import { startBrokerServer } from "../../src/broker/server.ts";
import { openLink } from "../../src/client/link.ts";
import { Publisher } from "../../src/client/publisher.ts";
import { FdPool } from "../../src/fs/fd_pool.ts";
import { realFiles } from "../../src/fs/file_layer.ts";
import { createLogger } from "../../src/obs/log.ts";
import { rateLimitedLogger } from "../../src/obs/rate_limited_log.ts";
import {
  BatchBuilder,
  encodeFrame,
  ErrorCode,
  type Frame,
  FrameType,
} from "../../src/protocol/mod.ts";

function batch(text: string): Uint8Array {
  const b = new BatchBuilder();
  b.add("k", new TextEncoder().encode(text));
  return b.take();
}

/** A raw connection that records every frame the broker sends. */
async function rawLink(port: number) {
  const frames: Frame[] = [];
  const link = await openLink({ host: "127.0.0.1", port }, {
    clientId: "raw",
    onFrame: (f) => void frames.push(f),
  });
  return { link, frames };
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("METADATA creates no topic; a publish creates one up to --max-topics, then ERROR LIMIT on the same connection", async () => {
  await using server = await startBrokerServer({ port: 0, maxTopics: 3, partitions: 2 });
  assert.deepEqual([...server.core.topics.keys()], ["telemetry"], "the configured topic exists");
  const { link, frames } = await rawLink(server.addr.port);
  for (let i = 0; i < 10; i++) {
    link.fc.send(encodeFrame({ type: FrameType.METADATA, correlationId: i, topic: `m${i}` }));
  }
  await until("10 METADATA_OK", () => frames.length === 10);
  assert.ok(frames.every((f) => f.type === FrameType.METADATA_OK && f.partitions === 2));
  assert.equal(server.core.topics.size, 1, "METADATA alone created nothing");
  frames.length = 0;
  for (let i = 0; i < 5; i++) {
    link.fc.send(encodeFrame({
      type: FrameType.PUBLISH,
      correlationId: 100 + i,
      topic: `p${i}`,
      partition: 0,
      count: 1,
      producerId: 0,
      sequence: 0,
      batch: batch(`m${i}`),
    }));
  }
  await until("5 answers", () => frames.length === 5);
  const ok = frames.filter((f) => f.type === FrameType.PUBLISH_OK).length;
  const limited = frames.filter((f) => f.type === FrameType.ERROR && f.code === ErrorCode.LIMIT);
  assert.equal(ok, 2, "telemetry + 2 more = --max-topics 3");
  assert.equal(limited.length, 3);
  assert.match((limited[0] as { message: string }).message, /at most 3 topics \(--max-topics\)/);
  assert.equal(server.core.topics.size, 3);
  assert.equal(server.counters.limitRefusals, 3);
  assert.ok(!link.fc.closed, "the connection stays open after ERROR LIMIT");
  // A METADATA for a new name at the limit is refused too, without creating anything.
  frames.length = 0;
  link.fc.send(encodeFrame({ type: FrameType.METADATA, correlationId: 7, topic: "late" }));
  await until("an answer", () => frames.length === 1);
  assert.equal(frames[0].type === FrameType.ERROR && frames[0].code, ErrorCode.LIMIT);
  link.close();
});

Deno.test("--max-partitions-total refuses the topic whose partitions would pass it", async () => {
  await using server = await startBrokerServer({
    port: 0,
    partitions: 4,
    maxPartitionsTotal: 10,
  });
  const { link, frames } = await rawLink(server.addr.port);
  for (const [i, topic] of ["a", "b"].entries()) {
    link.fc.send(encodeFrame({
      type: FrameType.PUBLISH,
      correlationId: i + 1,
      topic,
      partition: 0,
      count: 1,
      producerId: 0,
      sequence: 0,
      batch: batch(topic),
    }));
  }
  await until("2 answers", () => frames.length === 2);
  assert.equal(frames[0].type, FrameType.PUBLISH_OK, "telemetry 4 + a 4 = 8 <= 10");
  assert.equal(frames[1].type === FrameType.ERROR && frames[1].code, ErrorCode.LIMIT);
  assert.match(
    (frames[1] as { message: string }).message,
    /would pass this broker's 10 partitions in all \(--max-partitions-total\)/,
  );
  link.close();
});

Deno.test("a client cannot publish into a .dlq topic: ERROR BAD_REQUEST naming the topic to use", async () => {
  await using server = await startBrokerServer({ port: 0 });
  const { link, frames } = await rawLink(server.addr.port);
  link.fc.send(encodeFrame({
    type: FrameType.PUBLISH,
    correlationId: 1,
    topic: "telemetry.dlq",
    partition: 0,
    count: 1,
    producerId: 0,
    sequence: 0,
    batch: batch("x"),
  }));
  await until("an answer", () => frames.length === 1);
  const f = frames[0];
  assert.equal(f.type === FrameType.ERROR && f.code, ErrorCode.BAD_REQUEST);
  assert.match((f as { message: string }).message, /dead-letter topic.*publish to telemetry/);
  assert.ok(!server.core.topics.has("telemetry.dlq"));
  link.close();
});

Deno.test("a publisher refused with ERROR 6 backs off exponentially up to the cap and resumes", async () => {
  await using server = await startBrokerServer({ port: 0 });
  let refuse = 4;
  const append = server.log.append.bind(server.log);
  let attempts = 0;
  server.log.append = (...args: Parameters<typeof append>) => {
    attempts++;
    if (refuse-- > 0) return Promise.reject(new Error("No space left on device (os error 28)"));
    return append(...args);
  };
  const lines: string[] = [];
  const logger = createLogger({ write: (l) => void lines.push(l) });
  const pub = await Publisher.connect({
    broker: { host: "127.0.0.1", port: server.addr.port },
    topic: "telemetry",
    logger,
  });
  const pauses: number[] = [];
  const watch = setInterval(() => {
    const ms = pub.counters.storageBackoffMs;
    if (ms > 0 && pauses.at(-1) !== ms) pauses.push(ms);
  }, 5);
  await pub.publish("k", new TextEncoder().encode("x"));
  await pub.flush();
  clearInterval(watch);
  await pub.close();
  assert.equal(attempts, 5, "4 refusals, then stored: one send per pause, not a tight loop");
  assert.equal(pub.counters.refusals, 4);
  assert.equal(pub.counters.storageBackoffMs, 0, "reset once the broker stores again");
  // Ceilings 200, 400, 800, 1600 (then 3200, capped at 5000): each pause is in [ceiling/2, ceiling].
  const ceilings = [200, 400, 800, 1600];
  assert.equal(pauses.length, 4, `pauses seen: ${pauses}`);
  pauses.forEach((p, i) =>
    assert.ok(p >= ceilings[i] / 2 && p <= ceilings[i], `${p} vs ${ceilings[i]}`)
  );
  assert.equal(lines.filter((l) => /cannot store batches.*backing off/.test(l)).length, 1);
});

Deno.test("the rate-limited log writes a cause once per window, then how often it repeated", () => {
  const lines: string[] = [];
  let now = 0;
  const log = rateLimitedLogger(
    createLogger({ write: (l) => void lines.push(l) }),
    5000,
    () => now,
  );
  for (let i = 0; i < 1000; i++) log.error("could not store a batch", { i });
  log.warn("another cause");
  assert.equal(lines.length, 2);
  now = 6000;
  log.error("could not store a batch", { i: 1000 });
  assert.equal(lines.length, 3, "the next window writes again");
  log.info("info lines are never limited");
  log.info("info lines are never limited");
  assert.equal(lines.length, 5);
});

Deno.test("a suppressed burst is reported with its count when its window ends", async () => {
  const lines: string[] = [];
  const log = rateLimitedLogger(createLogger({ write: (l) => void lines.push(l) }), 50);
  for (let i = 0; i < 100; i++) log.error("accept failed");
  assert.equal(lines.length, 1);
  const end = Date.now() + 10_000;
  while (lines.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  assert.match(lines[1], /accept failed \(repeated\) times=99 withinMs=50/);
});

Deno.test("the descriptor pool keeps at most its capacity open; writes through evicted descriptors are kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-pool-" });
  try {
    const pool = new FdPool(realFiles, 4);
    const files = Array.from(
      { length: 20 },
      (_, i) => pool.file(`${dir}/f${i}`, { append: true, create: true }),
    );
    for (let round = 0; round < 3; round++) {
      for (const [i, f] of files.entries()) {
        await f.use((h) => h.write(new TextEncoder().encode(`${round}:${i};`)));
        assert.ok(pool.counters.open <= 4, `open ${pool.counters.open}`);
      }
    }
    for (const f of files) await f.use((h) => h.syncData());
    for (const f of files) f.release();
    assert.equal(pool.counters.open, 0);
    assert.ok(pool.counters.evictions >= 50, `evictions ${pool.counters.evictions}`);
    for (let i = 0; i < 20; i++) {
      assert.equal(await Deno.readTextFile(`${dir}/f${i}`), `0:${i};1:${i};2:${i};`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("accept failing with EMFILE backs off, is logged once per episode, and serves again", async () => {
  const lines: string[] = [];
  const logger = createLogger({ write: (l) => void lines.push(l) });
  const script = ["emfile", "emfile", "emfile", "emfile", "conn", "emfile", "conn", "end"];
  const at: number[] = [];
  let served = 0;
  let errors = 0;
  const listener = {
    accept(): Promise<Deno.Conn> {
      at.push(Date.now());
      const step = script.shift();
      if (step === "emfile") return Promise.reject(new Error("Too many open files (os error 24)"));
      if (step === "conn") return Promise.resolve({} as Deno.Conn);
      return Promise.reject(new Deno.errors.BadResource("closed"));
    },
  };
  await acceptLoop(listener, () => served++, logger, () => false, () => errors++);
  assert.equal(served, 2);
  assert.equal(errors, 5);
  const failed = lines.filter((l) => /accept failed/.test(l));
  assert.equal(failed.length, 2, "one line per episode, two episodes");
  assert.equal(
    lines.filter((l) => /accepting connections again failedAccepts=4/.test(l)).length,
    1,
  );
  // The pauses of the first episode grow: 50, 100, 200, 400 ms.
  const gaps = at.slice(1, 5).map((t, i) => t - at[i]);
  assert.ok(gaps[3] >= 350 && gaps[3] > gaps[0], `gaps ${gaps}`);
});

Deno.test("the connection limit leaves the log its descriptors under the open-file limit", () => {
  assert.equal(connectionLimit(1024, 256, 1024), 704);
  assert.equal(connectionLimit(100, 256, 1024), 100);
  assert.equal(connectionLimit(1024, 256, undefined), 1024);
  assert.equal(connectionLimit(1024, 256, 100), 1);
});
