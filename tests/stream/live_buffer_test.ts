import assert from "node:assert/strict";
import { DropOldestBuffer } from "../../src/stream/live_buffer.ts";

Deno.test("DropOldestBuffer keeps the newest `capacity` items and drops exactly the oldest others", async () => {
  const events: string[] = [];
  const buf = new DropOldestBuffer<number>({
    capacity: 10,
    onDropStart: () => events.push("start"),
    onDropEnd: (n) => events.push(`end ${n}`),
  });
  let dropped = 0;
  for (let i = 0; i < 25; i++) dropped += buf.push(i);
  assert.equal(dropped, 15);
  assert.equal(buf.dropped, 15);
  assert.equal(buf.episodes, 1);
  assert.deepEqual(events, ["start"]);
  const kept: number[] = [];
  for (let i = 0; i < 10; i++) {
    kept.push((await buf.take())!);
    buf.handed();
  }
  assert.deepEqual(kept, [15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  assert.equal(buf.push(25), 0);
  assert.deepEqual(events, ["start", "end 15"]);
});

Deno.test("DropOldestBuffer counts the item in hand and what is held elsewhere against its capacity", async () => {
  let elsewhere = 3;
  const buf = new DropOldestBuffer<number>({ capacity: 10, heldElsewhere: () => elsewhere });
  for (let i = 0; i < 7; i++) assert.equal(buf.push(i), 0);
  assert.equal(await buf.take(), 0); // in hand: never dropped
  assert.equal(buf.size, 7);
  assert.equal(buf.push(7), 1); // drops 1, the oldest waiting
  assert.equal(await buf.take().catch((e) => e.constructor.name), "RangeError");
  buf.handed();
  elsewhere = 4; // the item went to the publisher
  assert.equal(buf.push(8), 1); // drops 2
  const rest: number[] = [];
  for (let i = buf.waiting; i > 0; i--) {
    rest.push((await buf.take())!);
    buf.handed();
  }
  assert.deepEqual(rest, [3, 4, 5, 6, 7, 8]);
  assert.equal(buf.dropped, 2);
});

Deno.test("DropOldestBuffer drops the new item when nothing waits and the rest is held elsewhere", () => {
  const buf = new DropOldestBuffer<number>({ capacity: 2, heldElsewhere: () => 2 });
  assert.equal(buf.push(1), 1);
  assert.equal(buf.waiting, 0);
  assert.equal(buf.dropped, 1);
});

Deno.test("DropOldestBuffer.take waits for a push, and answers undefined once closed and empty", async () => {
  const buf = new DropOldestBuffer<string>({ capacity: 4 });
  const taken = buf.take();
  buf.push("a");
  assert.equal(await taken, "a");
  buf.handed();
  buf.push("b");
  buf.close();
  assert.equal(await buf.take(), "b");
  buf.handed();
  assert.equal(await buf.take(), undefined);
  assert.throws(() => new DropOldestBuffer({ capacity: 0 }), RangeError);
});
