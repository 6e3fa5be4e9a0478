/**
 * Power cuts under the broker's log, on a simulated disk: a page cache that
 * loses what was not synced. For every sync point of a seeded run, the power
 * is cut there; after the reboot every batch whose append was confirmed
 * (what PUBLISH_OK waits for) must be read back whole, and offsets handed out
 * after the restart never reuse a confirmed one.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { BrokerCore } from "../../../src/broker/core.ts";
import { FileLogStore } from "../../../src/broker/file_log_store.ts";
import { DurableLog } from "../../../src/broker/durable_log.ts";
import { BrokerStorage } from "../../../src/broker/store/storage.ts";
import { SimDisk } from "../../../src/fs/sim_disk.ts";
import { PowerCut } from "../../../src/fs/sim_power.ts";
import { silentLogger } from "../../../src/obs/log.ts";
import { BatchBuilder } from "../../../src/protocol/mod.ts";

const PARTITIONS = 2;
const BATCHES = 24;

function blob(i: number): Uint8Array {
  const b = new BatchBuilder();
  for (let k = 0; k < 5; k++) {
    b.add(`GPU-${k}`, new TextEncoder().encode(`batch ${i} message ${k} `.repeat(3)));
  }
  return b.take();
}

async function open(disk: SimDisk) {
  const storage = await BrokerStorage.open({
    dir: "/data/broker",
    logger: silentLogger,
    fsync: "always",
    segmentBytes: 2048,
    files: disk,
  });
  const core = new BrokerCore({ clock: new ManualClock(1_000_000), partitions: PARTITIONS });
  return { storage, core, log: new DurableLog(core, new FileLogStore(storage, silentLogger)) };
}

interface Confirmed {
  i: number;
  partition: number;
  baseOffset: number;
}

/**
 * Appends BATCHES batches, three at a time (so one sync covers several),
 * until the power goes; returns the confirmed ones.
 */
async function publishUntilCut(disk: SimDisk): Promise<Confirmed[]> {
  const confirmed: Confirmed[] = [];
  let s: Awaited<ReturnType<typeof open>>;
  try {
    s = await open(disk);
  } catch (e) {
    if (e instanceof PowerCut) return confirmed;
    throw e;
  }
  for (let i = 0; i < BATCHES; i += 3) {
    const round = [i, i + 1, i + 2].map(async (j) => {
      const partition = j % PARTITIONS;
      const stored = await s.log.append("t", partition, blob(j), 5, {
        producerId: 7,
        sequence: Math.floor(j / PARTITIONS),
      });
      confirmed.push({ i: j, partition, baseOffset: stored.baseOffset });
    });
    const results = await Promise.allSettled(round);
    const failed = results.find((r) => r.status === "rejected");
    if (failed) {
      if ((failed as PromiseRejectedResult).reason instanceof PowerCut) return confirmed;
      throw (failed as PromiseRejectedResult).reason;
    }
  }
  await s.storage.close();
  return confirmed;
}

async function checkAfterReboot(disk: SimDisk, confirmed: Confirmed[], label: string) {
  const s = await open(disk.reboot());
  for (const c of confirmed) {
    const batch = s.core.log("t", c.partition).batchAt(c.baseOffset);
    assert.ok(batch, `${label}: confirmed batch ${c.i} at ${c.partition}/${c.baseOffset} is gone`);
    const bytes = await s.log.readBlob(batch);
    assert.deepEqual(bytes, blob(c.i), `${label}: confirmed batch ${c.i} came back different`);
  }
  // New publishes never reuse an offset a confirmed batch had. (A cut during
  // the topic's creation may leave fewer partitions: none held a confirm.)
  for (let p = 0; p < s.core.topic("t").logs.length; p++) {
    const stored = await s.log.append("t", p, blob(1000 + p), 5);
    for (const c of confirmed.filter((c) => c.partition === p)) {
      assert.ok(stored.baseOffset >= c.baseOffset + 5, `${label}: offset ${c.baseOffset} reused`);
    }
  }
  await s.storage.close();
}

Deno.test("a power cut at any sync point of the broker's log loses no confirmed batch and reuses no offset", async () => {
  const whole = new SimDisk();
  const all = await publishUntilCut(whole);
  assert.equal(all.length, BATCHES, "the run without a cut confirms every batch");
  const points = whole.syncPoints;
  assert.ok(points >= BATCHES / 3, `only ${points} sync points`);
  let cutsWithLoss = 0;
  for (let cutAt = 1; cutAt <= points; cutAt++) {
    for (const seed of [1, 2, 3]) {
      const disk = new SimDisk({ cutAt, seed: seed * 7919 + cutAt });
      const confirmed = await publishUntilCut(disk);
      assert.ok(disk.dead, `cut at ${cutAt} happened`);
      if (confirmed.length < BATCHES) cutsWithLoss++;
      await checkAfterReboot(disk, confirmed, `cut at sync point ${cutAt}, seed ${seed}`);
    }
  }
  assert.ok(cutsWithLoss > 0, "some cuts came before the last confirm");
});
