import assert from "node:assert/strict";
import { Linger } from "../../src/client/linger.ts";

/** Open batches holding `counts[p]` messages; sealing one empties it. */
function batches(counts: number[]) {
  return { partitions: counts.length, count: (p: number) => counts[p] };
}

Deno.test("Linger seals nothing before its time has passed, then every partial batch while the window has room", async () => {
  const counts = [2, 0, 1, 3];
  const sealed: number[] = [];
  const seal = (p: number) => (sealed.push(p), counts[p] = 0);
  let due!: () => void;
  const passed = new Promise<void>((r) => (due = r));
  const linger = new Linger(1, () => due());
  linger.sealDue(batches(counts), () => true, seal);
  assert.deepEqual(sealed, [], "not due yet");
  linger.arm();
  await passed;
  linger.sealDue(batches(counts), () => true, seal);
  assert.deepEqual(sealed, [0, 2, 3]);
  counts[1] = 1;
  linger.sealDue(batches(counts), () => true, seal);
  assert.deepEqual(sealed, [0, 2, 3], "the linger is over once all were sealed");
  linger.cancel();
});

Deno.test("Linger seals only as many as the window has room for, the partitions taking turns", async () => {
  const counts = [1, 1, 1];
  const sealed: number[] = [];
  const seal = (p: number) => (sealed.push(p), counts[p] = 0);
  let due!: () => void;
  const passed = new Promise<void>((r) => (due = r));
  const linger = new Linger(1, () => due());
  linger.arm();
  await passed;
  let slots = 1;
  const room = () => slots-- > 0;
  linger.sealDue(batches(counts), room, seal);
  assert.deepEqual(sealed, [0]);
  counts[0] = 1; // partition 0 fills again while 1 and 2 wait
  slots = 1;
  linger.sealDue(batches(counts), room, seal);
  slots = 1;
  linger.sealDue(batches(counts), room, seal);
  assert.deepEqual(sealed, [0, 1, 2], "1 and 2 before 0 again");
  slots = 1;
  linger.sealDue(batches(counts), room, seal);
  assert.deepEqual(sealed, [0, 1, 2, 0]);
  linger.cancel();
});
