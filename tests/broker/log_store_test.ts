import assert from "node:assert/strict";
import { BrokerCore } from "../../src/broker/core.ts";
import { DurableLog } from "../../src/broker/durable_log.ts";
import { MemoryLogStore } from "../../src/broker/log_store.ts";
import { ManualClock } from "../../src/clock.ts";
import { BatchBuilder } from "../../src/protocol/mod.ts";

function batch(text: string): Uint8Array {
  const b = new BatchBuilder();
  b.add("GPU-1", new TextEncoder().encode(text));
  return b.take();
}

Deno.test("over the memory store a batch is deliverable and confirmed at once, and read from memory", async () => {
  const core = new BrokerCore({ clock: new ManualClock(1_000), partitions: 1 });
  const log = new DurableLog(core, new MemoryLogStore());
  const stored = await log.append("t", 0, batch("a"), 1, { producerId: 7, sequence: 1 });
  assert.equal(core.log("t", 0).durableEnd, 1);
  assert.deepEqual(log.readBlob(stored), batch("a"));
  const again = await log.append("t", 0, batch("a"), 1, { producerId: 7, sequence: 1 });
  assert.equal(again.baseOffset, 0, "a resend is recognised, not stored again");
  assert.equal(log.duplicatesIgnored, 1);
  assert.deepEqual(log.partitionLoss("t", 0), { lost: 0, epoch: 0 });
  assert.match(log.store.id, /^mem-/);
  assert.notEqual(new MemoryLogStore().id, log.store.id, "each start is a new identity");
});

Deno.test("a store that has not made a batch durable holds back its confirm and its delivery", async () => {
  // A fake store behind the seam: writes land at once, syncs wait for the test.
  let sync = () => {};
  const written: number[] = [];
  const store = Object.assign(new MemoryLogStore(), {
    write(_t: string, _n: number, _p: number, r: { baseOffset: number }) {
      written.push(r.baseOffset);
      return Promise.resolve({ at: r.baseOffset });
    },
    durable() {
      return new Promise<void>((resolve) => (sync = resolve));
    },
  });
  const core = new BrokerCore({ clock: new ManualClock(1_000), partitions: 1 });
  const log = new DurableLog(core, store);
  let confirmed = false;
  const appending = log.append("t", 0, batch("a"), 1).then((b) => (confirmed = true, b));
  while (written.length === 0) await Promise.resolve();
  for (let i = 0; i < 10; i++) await Promise.resolve();
  assert.equal(confirmed, false, "not confirmed before the store syncs");
  assert.equal(core.log("t", 0).endOffset, 1, "in the index");
  assert.equal(core.log("t", 0).durableEnd, 0, "but not deliverable");
  sync();
  const stored = await appending;
  assert.equal(core.log("t", 0).durableEnd, 1);
  assert.deepEqual(stored.loc, { at: 0 }, "the batch knows where the store put it");
});
