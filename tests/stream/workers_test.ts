import assert from "node:assert/strict";
import { ManualClock } from "../../src/clock.ts";
import type { CsvRow } from "../../src/stream/csv_rows.ts";
import { abortableSleep, chunkSize, startWorkers } from "../../src/stream/workers.ts";
import { endlessRows, RecordingSink, rowsOf, VirtualTime } from "./_virtual_time.ts";

/**
 * Runs `workers` workers at `rate` for `seconds` of virtual time; returns what
 * the sink (`makeSink`'s, or a plain {@linkcode RecordingSink}) got.
 */
async function paced(
  rate: number,
  workers: number,
  seconds: number,
  makeSink = (time: VirtualTime) => new RecordingSink(time.clock),
) {
  const time = new VirtualTime(workers);
  const sink = makeSink(time);
  const start = time.clock.now();
  const run = startWorkers({
    rows: endlessRows(64),
    sink,
    clock: time.clock,
    sleep: time.sleep,
    rate,
    workers,
    durationMs: seconds * 1000,
    signal: new AbortController().signal,
  });
  await run.done;
  return { sink, start, end: time.clock.now(), counts: run.counts };
}

for (
  const [rate, workers, seconds] of [
    [1, 1, 120],
    [1, 4, 60],
    [7, 3, 30],
    [200, 5, 10],
    [1_000, 2, 10],
    [25_000, 4, 4],
    [100_000, 1, 3],
  ]
) {
  const expected = rate * workers * seconds;
  Deno.test(`stream workers at ${rate}/s × ${workers} workers × ${seconds} s send ${expected} messages within 2% in virtual time`, async () => {
    const { sink, start, end } = await paced(rate, workers, seconds);
    const n = sink.received.length;
    // The limiter's start-up burst is the only excess: 1% of a second's worth, at least 1.
    const burst = workers * Math.max(1, rate * 0.01);
    assert.ok(n >= expected && n <= expected + burst, `sent ${n}, expected ${expected}`);
    assert.ok(Math.abs(n - expected) <= expected * 0.02);
    assert.equal(end - start, seconds * 1000, "runs exactly the duration");
    assert.ok(sink.received.every((m) => m.at - start < seconds * 1000), "nothing after the end");
  });
}

Deno.test("stream workers spread messages evenly: every second carries rate × workers", async () => {
  const { sink, start } = await paced(200, 5, 10);
  const perSecond = Array.from({ length: 10 }, () => 0);
  for (const m of sink.received) perSecond[Math.floor((m.at - start) / 1000)]++;
  // A chunk of 2 every 10 ms per worker, the first at once, the last at 9,990 ms.
  assert.deepEqual(perSecond, Array.from({ length: 10 }, () => 1000));
});

Deno.test("stream workers stamp each message with the clock and keep each GPU's messages in time order", async () => {
  const { sink } = await paced(1_000, 4, 2);
  const last = new Map<string, string>();
  for (const m of sink.received) {
    assert.equal(m.payload.timestamp, new Date(m.at).toISOString());
    assert.ok((last.get(m.key) ?? "") <= m.payload.timestamp, `GPU ${m.key} out of order`);
    last.set(m.key, m.payload.timestamp);
  }
});

Deno.test("stream workers at rate 0 send every row of a finite source without sleeping", async () => {
  const clock = new ManualClock(0);
  const sink = new RecordingSink(clock);
  const rows = Array.from({ length: 1_000 }, (_, i) => ({
    line: i + 2,
    fields: { uuid: `GPU-${i % 3}`, value: i },
  }));
  const run = startWorkers({
    rows: rowsOf(rows),
    sink,
    clock,
    sleep: () => Promise.reject(new Error("rate 0 must not sleep")),
    rate: 0,
    workers: 4,
    signal: new AbortController().signal,
  });
  await run.done;
  assert.equal(sink.received.length, 1_000);
  assert.deepEqual(run.counts, {
    rowsRead: 1_000,
    filtered: 0,
    noKey: 0,
    rejected: 0,
    handed: 1_000,
    waiting: 0,
  });
  // One chunk at a time enters the sink, so rows keep file order.
  assert.deepEqual(
    sink.received.map((m) => m.payload.metrics.value),
    rows.map((r) => r.fields.value),
  );
});

Deno.test("stream workers count rows outside --filter and --shard and rows without a GPU key", async () => {
  const clock = new ManualClock(0);
  const sink = new RecordingSink(clock);
  const rows: CsvRow[] = [
    { line: 2, fields: { uuid: "GPU-a", host: "h1", value: 1 } },
    { line: 3, fields: { uuid: "GPU-b", host: "h2", value: 2 } },
    { line: 4, fields: { host: "h1", value: 3 } },
    { line: 5, fields: { uuid: "GPU-c", host: "h1", value: 4 } },
  ];
  const run = startWorkers({
    rows: rowsOf(rows),
    sink,
    clock,
    rate: 0,
    workers: 2,
    filters: [{ column: "host", value: "h1" }],
    signal: new AbortController().signal,
  });
  await run.done;
  assert.deepEqual(sink.received.map((m) => m.key), ["GPU-a", "GPU-c"]);
  assert.deepEqual(run.counts, {
    rowsRead: 4,
    filtered: 1,
    noKey: 1,
    rejected: 0,
    handed: 2,
    waiting: 0,
  });
});

Deno.test("stream workers stop before their next chunk once the signal aborts", async () => {
  const time = new VirtualTime(1);
  const sink = new RecordingSink(time.clock);
  const stop = new AbortController();
  const origin = time.clock.now();
  const run = startWorkers({
    rows: endlessRows(4),
    sink: {
      publish(key, payload) {
        if (time.clock.now() - origin >= 5_000) stop.abort();
        return sink.publish(key, payload);
      },
    },
    clock: time.clock,
    sleep: time.sleep,
    rate: 10,
    workers: 1,
    signal: stop.signal,
  });
  await run.done;
  // 1 at once (burst), then one every 100 ms; the one at 5,000 ms triggers the stop.
  assert.equal(sink.received.length, 51);
});

Deno.test("stream workers pass a strict-mode row error to done", async () => {
  async function* failing() {
    yield { line: 2, fields: { uuid: "GPU-a", value: 1 } };
    throw new RangeError("bad row at line 3");
  }
  const run = startWorkers({
    rows: failing(),
    sink: new RecordingSink(new ManualClock(0)),
    clock: new ManualClock(0),
    rate: 0,
    workers: 3,
    signal: new AbortController().signal,
  });
  await assert.rejects(run.done, /bad row at line 3/);
});

Deno.test("stream workers reject bad options with a RangeError naming the field", () => {
  const base = {
    rows: endlessRows(1),
    sink: new RecordingSink(new ManualClock(0)),
    clock: new ManualClock(0),
    signal: new AbortController().signal,
  };
  assert.throws(() => startWorkers({ ...base, rate: 1, workers: 0 }), /workers must be/);
  assert.throws(() => startWorkers({ ...base, rate: -1, workers: 1 }), /rate must be/);
  assert.throws(() => startWorkers({ ...base, rate: NaN, workers: 1 }), /rate must be/);
});

Deno.test("chunkSize takes about 10 ms of traffic per turn, 256 rows when unlimited", () => {
  assert.deepEqual([0, 1, 99, 200, 5_000, 100_000, 1e6].map(chunkSize), [
    256,
    1,
    1,
    2,
    50,
    1000,
    1000,
  ]);
});

Deno.test("abortableSleep resolves at once when the signal aborts", async () => {
  const stop = new AbortController();
  const slept = abortableSleep(60_000, stop.signal);
  stop.abort();
  await slept;
  await abortableSleep(10, stop.signal);
});

for (const how of ["shard", "filter"] as const) {
  Deno.test(`stream workers with --${how} spend tokens only on published messages: R·W·D within 2%`, async () => {
    const time = new VirtualTime(4);
    const sink = new RecordingSink(time.clock);
    const run = startWorkers({
      rows: endlessRows(64),
      sink,
      clock: time.clock,
      sleep: time.sleep,
      rate: 40,
      workers: 4,
      durationMs: 10_000,
      ...(how === "shard"
        ? { shard: { index: 1, count: 10 } }
        : { filters: [{ column: "uuid", value: "GPU-7" }] }),
      signal: new AbortController().signal,
    });
    await run.done;
    const n = sink.received.length;
    assert.ok(Math.abs(n - 1_600) <= 32, `published ${n}, expected 1,600 ± 2%`);
    assert.ok(run.counts.filtered > 9 * n, `filtered ${run.counts.filtered}`);
  });
}

Deno.test("stream workers skip and report rows the collector would refuse, and tell each row's fate in read order", async () => {
  const clock = new ManualClock(0);
  const sink = new RecordingSink(clock);
  const wide: Record<string, number> = { uuid: 0 };
  for (let i = 0; i < 1_100; i++) wide[`m${i}`] = i;
  const rows: CsvRow[] = [
    { line: 2, fields: { uuid: "GPU-a", value: 1 } },
    { line: 3, fields: { uuid: "GPU-a", host: "only labels" } },
    { line: 4, fields: { ...wide, uuid: "GPU-a" } },
    { line: 5, fields: { uuid: "x".repeat(1_025), value: 1 } },
    { line: 6, fields: { uuid: "GPU-a", timestamp: "yesterday", value: 2 } },
    { line: 7, fields: { value: 3 } },
    { line: 8, fields: { uuid: "GPU-b", value: 4 } },
  ];
  const rejected: string[] = [];
  const done: string[] = [];
  const run = startWorkers({
    rows: rowsOf(rows),
    sink,
    clock,
    rate: 0,
    workers: 3,
    onRejected: (row, reason) => rejected.push(`${row.line}: ${reason}`),
    onRowDone: (row, sent) => done.push(`${row.line}${sent ? "+" : "-"}`),
    signal: new AbortController().signal,
  });
  await run.done;
  assert.deepEqual(sink.received.map((m) => m.payload.metrics.value), [1, 4]);
  assert.deepEqual(rejected, [
    "3: message has no metric: no metric_name/value and no numeric field",
    "4: message has 1101 fields; at most 1024 allowed",
    "5: message key is 1025 characters; at most 1024",
    '6: source_timestamp is not an RFC 3339 date-time: "yesterday"',
    "7: row has none of the GPU key columns uuid, UUID, gpu_uuid, gpu_id (use --key COLUMN to pick one)",
  ]);
  assert.deepEqual(done, ["2+", "3-", "4-", "5-", "6-", "7-", "8+"]);
  assert.equal(run.counts.rejected, 4);
  assert.equal(run.counts.noKey, 1);
});

Deno.test("stream workers make up a 500 ms stall of the host: R·W·D within 2% all the same", async () => {
  const [rate, workers, seconds] = [200, 2, 5];
  // A sink that, once, takes 500 ms of the host's time (a loaded machine, a
  // long GC pause): the clock moves while no worker is asleep.
  const stalling = (time: VirtualTime) =>
    new class extends RecordingSink {
      override publish(key: string, payload: Uint8Array): Promise<void> {
        if (this.received.length === 300) time.clock.advance(500);
        return super.publish(key, payload);
      }
    }(time.clock);
  const { sink } = await paced(rate, workers, seconds, stalling);
  const expected = rate * workers * seconds;
  const n = sink.received.length;
  assert.ok(Math.abs(n - expected) <= expected * 0.02, `sent ${n}, expected ${expected} ± 2%`);
});

Deno.test("stream workers hold at most one idle waiter per worker, however many rows a busy source yields", async () => {
  const clock = new ManualClock(0);
  const sink = new RecordingSink(clock);
  const waiting = new Set<() => void>();
  let watched = 0;
  let most = 0;
  const rows = Array.from({ length: 20_000 }, (_, i) => ({
    line: i + 2,
    fields: { uuid: `GPU-${i % 64}`, value: i },
  }));
  const run = startWorkers({
    rows: rowsOf(rows),
    // A source that never goes idle: only pending reads may be waiting.
    idle: (wake) => {
      watched++;
      waiting.add(wake);
      most = Math.max(most, waiting.size);
      return () => waiting.delete(wake);
    },
    sink,
    clock,
    rate: 0,
    workers: 4,
    signal: new AbortController().signal,
  });
  await run.done;
  assert.equal(sink.received.length, 20_000);
  assert.ok(watched > 10_000, `the idle watch was consulted ${watched} times`);
  assert.ok(most <= 4, `${most} idle waiters at once`);
  assert.equal(waiting.size, 0, "every waiter is gone once its read settled");
});
