import assert from "node:assert/strict";
import { ManualClock } from "../../src/clock.ts";
import { RateLimiter } from "../../src/stream/rate_limiter.ts";
import { mulberry32 } from "../../src/stream/prng.ts";

interface Sender {
  /** Messages per call. */
  batch: number;
  /** Use take() and retry instead of reserve(). */
  useTake?: boolean;
  /** Extra ms a real timer would add to each wait (returns >= 0). */
  lateness?: () => number;
}

/** Simulates a sender pacing itself for `seconds`; returns the messages it sent. */
function messagesSent(rate: number, seconds: number, sender: Sender): number {
  const clock = new ManualClock(0);
  const limiter = new RateLimiter({ rate, clock });
  const end = seconds * 1000;
  let sent = 0;
  while (clock.now() < end) {
    if (sender.useTake) {
      const wait = limiter.take(sender.batch);
      if (wait > 0) {
        clock.advance(wait + (sender.lateness?.() ?? 0));
        continue;
      }
    } else {
      const wait = limiter.reserve(sender.batch);
      if (wait > 0) clock.advance(wait + (sender.lateness?.() ?? 0));
      if (clock.now() >= end) break;
    }
    sent += sender.batch;
  }
  return sent;
}

function assertWithin2Percent(sent: number, expected: number): void {
  const error = Math.abs(sent - expected) / expected;
  assert.ok(
    error <= 0.02,
    `sent ${sent}, expected ${expected} (error ${(error * 100).toFixed(2)}%)`,
  );
}

const CASES = [
  { rate: 1, seconds: 100, batch: 1 },
  { rate: 200, seconds: 10, batch: 1 },
  { rate: 200, seconds: 10, batch: 10 },
  { rate: 10_000, seconds: 10, batch: 1 },
  { rate: 10_000, seconds: 10, batch: 100 },
  { rate: 100_000, seconds: 10, batch: 1 },
  { rate: 100_000, seconds: 10, batch: 1000 },
];

for (const { rate, seconds, batch } of CASES) {
  Deno.test(`RateLimiter.reserve sends ${rate}/s × ${seconds} s within 2% in batches of ${batch}`, () => {
    assertWithin2Percent(messagesSent(rate, seconds, { batch }), rate * seconds);
  });
  Deno.test(`RateLimiter.take sends ${rate}/s × ${seconds} s within 2% in batches of ${batch}`, () => {
    assertWithin2Percent(messagesSent(rate, seconds, { batch, useTake: true }), rate * seconds);
  });
}

Deno.test("RateLimiter makes up for timers that fire up to 3 ms late", () => {
  const random = mulberry32(9);
  const lateness = () => random() * 3;
  for (const [rate, batch] of [[10_000, 10], [100_000, 100]]) {
    assertWithin2Percent(messagesSent(rate, 10, { batch, lateness }), rate * 10);
  }
});

Deno.test("RateLimiter lets the first message go at once and paces the next", () => {
  const clock = new ManualClock(5_000);
  const limiter = new RateLimiter({ rate: 1, clock });
  assert.strictEqual(limiter.burst, 1);
  assert.strictEqual(limiter.reserve(1), 0);
  assert.strictEqual(limiter.reserve(1), 1000);
  assert.strictEqual(limiter.reserve(1), 2000);
  clock.advance(2000);
  assert.strictEqual(limiter.reserve(1), 1000);
});

Deno.test("RateLimiter.take takes nothing while it answers with a wait", () => {
  const clock = new ManualClock(0);
  const limiter = new RateLimiter({ rate: 200, clock, burst: 10 });
  assert.strictEqual(limiter.take(10), 0);
  assert.strictEqual(limiter.take(5), 25);
  assert.strictEqual(limiter.take(5), 25);
  clock.advance(25);
  assert.strictEqual(limiter.take(5), 0);
  assert.strictEqual(limiter.take(1), 5);
});

Deno.test("RateLimiter.take lets a batch larger than the burst go once the bucket is full", () => {
  const clock = new ManualClock(0);
  const limiter = new RateLimiter({ rate: 100, clock, burst: 5 });
  assert.strictEqual(limiter.take(20), 0); // full bucket: goes, leaves a debt of 15
  assert.strictEqual(limiter.take(20), 200); // 15 debt + 5 to refill = 20 tokens = 200 ms
  clock.advance(200);
  assert.strictEqual(limiter.take(20), 0);
});

Deno.test("RateLimiter saves up no more than the burst while idle", () => {
  const clock = new ManualClock(0);
  const limiter = new RateLimiter({ rate: 1000, clock });
  assert.strictEqual(limiter.burst, 10);
  clock.advance(60_000);
  assert.strictEqual(limiter.reserve(10), 0);
  assert.strictEqual(limiter.reserve(1), 1);
});

Deno.test("RateLimiter with rate 0 never asks to wait", () => {
  const limiter = new RateLimiter({ rate: 0, clock: new ManualClock(0) });
  for (let i = 0; i < 1000; i++) {
    assert.strictEqual(limiter.reserve(1_000_000), 0);
    assert.strictEqual(limiter.take(1_000_000), 0);
  }
});

Deno.test("RateLimiter gives no tokens for a clock that steps back", () => {
  let now = 10_000;
  const limiter = new RateLimiter({ rate: 10, clock: { now: () => now }, burst: 1 });
  assert.strictEqual(limiter.reserve(1), 0);
  now = 0;
  assert.strictEqual(limiter.reserve(1), 100);
  now = 10_100; // only the time since the latest reading counts
  assert.strictEqual(limiter.reserve(1), 100);
});

Deno.test("RateLimiter rejects bad options and counts with a RangeError naming the field", () => {
  const clock = new ManualClock(0);
  assert.throws(() => new RateLimiter({ rate: -1, clock }), /rate/);
  assert.throws(() => new RateLimiter({ rate: Infinity, clock }), /rate/);
  assert.throws(() => new RateLimiter({ rate: NaN, clock }), RangeError);
  assert.throws(() => new RateLimiter({ rate: 10, clock, burst: 0.5 }), /burst/);
  const limiter = new RateLimiter({ rate: 10, clock });
  assert.throws(() => limiter.reserve(-1), /n must be/);
  assert.throws(() => limiter.take(NaN), RangeError);
});
