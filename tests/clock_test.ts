import assert from "node:assert/strict";
import { ManualClock, systemClock } from "../src/clock.ts";

Deno.test("ManualClock fires due timers in time order, each with the clock at its due time", () => {
  const clock = new ManualClock(1_000);
  const seen: string[] = [];
  clock.setTimeout(() => seen.push(`b@${clock.now()}`), 200);
  clock.setTimeout(() => seen.push(`a@${clock.now()}`), 100);
  clock.setTimeout(() => seen.push(`c@${clock.now()}`), 200); // same due time: set order
  clock.advance(99);
  assert.deepEqual(seen, []);
  clock.advance(150);
  assert.deepEqual(seen, ["a@1100", "b@1200", "c@1200"]);
  assert.equal(clock.now(), 1_249);
  assert.equal(clock.pending, 0);
});

Deno.test("ManualClock intervals fire once per period passed, and stop when cancelled", () => {
  const clock = new ManualClock();
  const at: number[] = [];
  const t = clock.setInterval(() => at.push(clock.now()), 100);
  clock.advance(350);
  assert.deepEqual(at, [100, 200, 300]);
  t.cancel();
  t.cancel(); // twice is safe
  clock.advance(1_000);
  assert.deepEqual(at, [100, 200, 300]);
  assert.throws(() => clock.setInterval(() => {}, 0), RangeError);
});

Deno.test("a ManualClock timer set by a callback fires in the same advance when due within it", () => {
  const clock = new ManualClock();
  const at: number[] = [];
  clock.setTimeout(() => {
    at.push(clock.now());
    clock.setTimeout(() => at.push(clock.now()), 50);
  }, 100);
  clock.advance(200);
  assert.deepEqual(at, [100, 150]);
});

Deno.test("a cancelled ManualClock timeout never fires", () => {
  const clock = new ManualClock();
  let fired = false;
  clock.setTimeout(() => (fired = true), 10).cancel();
  clock.advance(100);
  assert.equal(fired, false);
});

Deno.test("sleep resolves when its clock passes the time, and rejects on abort", async () => {
  const clock = new ManualClock();
  let done = false;
  const slept = clock.sleep(500).then(() => (done = true));
  clock.advance(499);
  await Promise.resolve();
  assert.equal(done, false);
  clock.advance(1);
  await slept;
  assert.equal(done, true);
  const ac = new AbortController();
  const aborted = clock.sleep(1_000, ac.signal);
  ac.abort(new Error("stop"));
  await assert.rejects(aborted, /stop/);
  assert.equal(clock.pending, 0, "the aborted sleep's timer is gone");
  await assert.rejects(systemClock.sleep(10, AbortSignal.abort(new Error("early"))), /early/);
});

Deno.test("the system clock's timers run on real time and can be cancelled", async () => {
  const fired: string[] = [];
  systemClock.setTimeout(() => fired.push("never"), 5).cancel();
  const every = systemClock.setInterval(() => fired.push("tick"), 5);
  await systemClock.sleep(60);
  every.cancel();
  const ticks = fired.length;
  await systemClock.sleep(30);
  assert.ok(ticks >= 1 && !fired.includes("never"), `fired: ${fired}`);
  assert.equal(fired.length, ticks, "no tick after cancel");
});
