/**
 * The broker's ticker on a manual clock: ack timeouts, group offset saves
 * and retention happen when the clock passes their time, and not before.
 * Real-time runs of the same rules: ack timeout in
 * tests/e2e/collector_disk_full_test.ts (--ack-timeout), offsets saved and
 * resumed in tests/broker/restart_test.ts.
 */
import assert from "node:assert/strict";
import { startBrokerServer } from "../../src/broker/server.ts";
import { BrokerStorage } from "../../src/broker/store/storage.ts";
import { RETENTION_EVERY_TICKS, SAVE_EVERY_TICKS, tickPeriodMs } from "../../src/broker/ticker.ts";
import { Publisher } from "../../src/client/publisher.ts";
import { ManualClock } from "../../src/clock.ts";
import { silentLogger } from "../../src/obs/log.ts";
import { RawClient } from "./_raw_client.ts";

const enc = new TextEncoder();
const ACK_TIMEOUT_MS = 1_000;
const PERIOD = tickPeriodMs(ACK_TIMEOUT_MS); // 250

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (!await check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function publish(port: number, n: number, topic = "t"): Promise<void> {
  await using pub = await Publisher.connect({
    broker: { host: "127.0.0.1", port },
    topic,
    batchSize: 1,
  });
  for (let i = 0; i < n; i++) await pub.publish(`k${i}`, enc.encode(`m${i}`));
  await pub.flush();
}

async function withStorage(
  fn: (storage: BrokerStorage, dir: string) => Promise<void>,
  segmentBytes?: number,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const storage = await BrokerStorage.open({ dir, logger: silentLogger, segmentBytes });
  try {
    await fn(storage, dir);
  } finally {
    await storage.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A broker on a manual clock (no session timeout in reach), with a raw member of group g on t. */
async function startOnClock(storage?: BrokerStorage) {
  const clock = new ManualClock(1_000_000);
  const broker = await startBrokerServer({
    port: 0,
    partitions: 1,
    ackTimeoutMs: ACK_TIMEOUT_MS,
    sessionTimeoutMs: 3_600_000,
    storage,
    clock,
  });
  const member = await RawClient.connect(broker.addr.port);
  await member.subscribe("t", "g");
  return {
    clock,
    broker,
    member,
    async [Symbol.asyncDispose]() {
      member.close();
      await broker.close();
    },
  };
}

/** Acks every delivery until `n` messages are acked. */
async function ackAll(c: RawClient, n: number): Promise<void> {
  for (let acked = 0; acked < n;) {
    const d = await c.deliver();
    c.ack(d);
    acked += d.to - d.from;
  }
}

Deno.test("an unacked delivery is redelivered when the clock passes its ack timeout, not before", async () => {
  await using rig = await startOnClock();
  const { clock, broker, member: c } = rig;
  await publish(broker.addr.port, 1);
  const first = await c.deliver();
  assert.equal(first.attempt, 1);
  const g = broker.core.topic("t").groups.get("g")!;
  clock.advance(ACK_TIMEOUT_MS - 1); // ticks at 250, 500, 750: still within the lease
  assert.equal(g.counters.expired, 0);
  clock.advance(PERIOD); // the tick at 1000 finds it due
  assert.equal(g.counters.expired, 1);
  const again = await c.deliver();
  assert.equal(again.attempt, 2);
  assert.deepEqual([again.baseOffset + again.from, again.baseOffset + again.to], [0, 1]);
  c.ack(again);
  await until("the ack", () => g.committed(0) === 1);
  clock.advance(10 * ACK_TIMEOUT_MS);
  assert.equal(g.counters.expired, 1, "an acked delivery does not expire");
});

Deno.test(`group offsets are saved on every ${SAVE_EVERY_TICKS}th tick of the clock`, async () => {
  await withStorage(async (storage, dir) => {
    await using rig = await startOnClock(storage);
    const { clock, broker, member: c } = rig;
    await publish(broker.addr.port, 3);
    await ackAll(c, 3);
    const g = broker.core.topic("t").groups.get("g")!;
    await until("the acks", () => g.committed(0) === 3);
    const saved = async () => {
      try {
        return JSON.parse(await Deno.readTextFile(`${dir}/groups.json`))?.t?.g?.[0];
      } catch {
        return undefined;
      }
    };
    clock.advance(PERIOD * (SAVE_EVERY_TICKS - 1));
    assert.equal(await saved(), undefined, "no save before the 4th tick");
    clock.advance(PERIOD);
    await until("the save on the 4th tick", async () => await saved() === 3);
  });
});

Deno.test(`retention runs on every ${RETENTION_EVERY_TICKS}th tick of the clock`, async () => {
  await withStorage(async (storage) => {
    await using rig = await startOnClock(storage);
    const { clock, broker, member: c } = rig;
    await publish(broker.addr.port, 40); // 1 KiB segments: several close
    const g = broker.core.topic("t").groups.get("g")!;
    await ackAll(c, 40);
    await until("the acks", () => g.committed(0) === 40);
    clock.advance(PERIOD * (RETENTION_EVERY_TICKS - 1));
    assert.equal(storage.counters.segmentsRemoved, 0, "no retention before the 40th tick");
    clock.advance(PERIOD);
    await until("retention on the 40th tick", () => storage.counters.segmentsRemoved > 0);
  }, 1024);
});
