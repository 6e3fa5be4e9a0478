import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";
import { CsvRowError } from "../../src/stream/csv_errors.ts";
import { runStream } from "../../src/stream/role.ts";
import type { StreamPublisher } from "../../src/stream/role_options.ts";
import { createLogger } from "../../src/obs/log.ts";
import { ManualClock } from "../../src/clock.ts";
import { waitUntil } from "../_helpers.ts";

const RAGGED = fromFileUrl(new URL("../fixtures/ragged.csv", import.meta.url));
const WIDE = fromFileUrl(new URL("../fixtures/wide.csv", import.meta.url));
const BROKER = { host: "127.0.0.1", port: 1 };

/** A publisher that confirms everything at once, or nothing when `confirms` is false. */
class FakePublisher implements StreamPublisher {
  readonly counters = { published: 0, confirmed: 0, retried: 0 };
  readonly keys: string[] = [];
  closed = 0;
  constructor(readonly confirms = true) {}
  publish(key: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error("publisher closed"));
    this.keys.push(key);
    this.counters.published++;
    if (this.confirms) this.counters.confirmed++;
    return Promise.resolve();
  }
  flush(): Promise<void> {
    return this.confirms ? Promise.resolve() : new Promise(() => {});
  }
  close(): Promise<void> {
    this.closed++;
    return Promise.resolve();
  }
}

/** A logger that keeps its lines. */
function capture(format: "text" | "json" = "text") {
  const lines: string[] = [];
  return { lines, logger: createLogger({ format, write: (l) => lines.push(l) }) };
}

Deno.test("runStream with no loop publishes every good row, warns about each bad line and closes", async () => {
  const pub = new FakePublisher();
  const { lines, logger } = capture();
  const r = await runStream({
    csv: RAGGED,
    broker: BROKER,
    rate: 0,
    loop: false,
    key: "a",
    logger,
    connect: () => Promise.resolve(pub),
  });
  assert.deepEqual(r, {
    rowsRead: 2,
    published: 2,
    confirmed: 2,
    retried: 0,
    skipped: 3,
    badRows: 3,
    noKey: 0,
    rejected: 0,
    filtered: 0,
    unconfirmed: 0,
  });
  assert.deepEqual(pub.keys, ["1", "11"]);
  assert.equal(pub.closed, 1);
  const warnings = lines.filter((l) => l.includes("WARN"));
  assert.deepEqual(warnings.map((l) => l.replace(/^\S+ /, "")), [
    `WARN  skipping ${RAGGED} line 3: expected 3 fields, got 2`,
    `WARN  skipping ${RAGGED} line 4: expected 3 fields, got 4`,
    `WARN  skipping ${RAGGED} line 5: expected 3 fields, got 2`,
  ]);
});

Deno.test("runStream ends with one progress line of read, published, confirmed, retried, skipped and rate", async () => {
  const clock = new ManualClock(0);
  const { lines, logger } = capture();
  await runStream({
    csv: WIDE,
    broker: BROKER,
    rate: 0,
    loop: false,
    clock,
    logger,
    connect: () => Promise.resolve(new FakePublisher()),
  });
  assert.deepEqual(lines.map((l) => l.replace(/^\S+ /, "")), [
    "INFO  stream finished read=4 published=4 confirmed=4 retried=0 skipped=0 rate=4000",
  ]);
});

Deno.test("runStream writes its progress line as JSON with --log-format json", async () => {
  const { lines, logger } = capture("json");
  await runStream({
    csv: WIDE,
    broker: BROKER,
    rate: 0,
    loop: false,
    clock: new ManualClock(0),
    logger: logger.child("stream"),
    connect: () => Promise.resolve(new FakePublisher()),
  });
  assert.equal(lines.length, 1);
  const { time, ...line } = JSON.parse(lines[0]);
  assert.ok(!Number.isNaN(Date.parse(time)));
  assert.deepEqual(line, {
    level: "info",
    component: "stream",
    msg: "stream finished",
    read: 4,
    published: 4,
    confirmed: 4,
    retried: 0,
    skipped: 0,
    rate: 4000,
  });
});

Deno.test("runStream with quiet prints no progress line but still warns about bad rows", async () => {
  const { lines, logger } = capture();
  await runStream({
    csv: RAGGED,
    broker: BROKER,
    rate: 0,
    loop: false,
    quiet: true,
    key: "a",
    logger,
    connect: () => Promise.resolve(new FakePublisher()),
  });
  assert.equal(lines.length, 3);
  assert.ok(lines.every((l) => l.includes("WARN  skipping")));
});

Deno.test("runStream in strict mode throws the first bad row's line and closes the publisher", async () => {
  const pub = new FakePublisher();
  const { lines, logger } = capture();
  const err = await runStream({
    csv: RAGGED,
    broker: BROKER,
    rate: 0,
    loop: false,
    strict: true,
    key: "a",
    logger,
    connect: () => Promise.resolve(pub),
  }).then(() => undefined, (e) => e);
  assert.ok(err instanceof CsvRowError);
  assert.equal(err.line, 3);
  assert.equal(err.message, `Bad CSV row at ${RAGGED}:3: row has 2 fields but the header has 3`);
  assert.equal(pub.closed, 1);
  assert.deepEqual(lines, []);
});

Deno.test("runStream on the signal stops reading, waits the drain timeout and reports what is unconfirmed", async () => {
  const pub = new FakePublisher(false);
  const stop = new AbortController();
  const { lines, logger } = capture();
  const running = runStream({
    csv: WIDE,
    broker: BROKER,
    rate: 1,
    workers: 1,
    drainTimeoutMs: 30,
    logger,
    signal: stop.signal,
    connect: () => Promise.resolve(pub),
  });
  // Rate 1 with one worker: the first row goes at once, the next a second later.
  await waitUntil("the first row published", () => pub.counters.published > 0, 10_000, 1);
  stop.abort();
  const r = await running;
  assert.equal(r.published, 1);
  assert.equal(r.unconfirmed, 1);
  assert.equal(pub.closed, 1);
  const tail = lines.slice(-3).map((l) => l.replace(/^\S+ /, ""));
  assert.equal(tail[0], "ERROR stopped waiting for confirms after 30 ms (--drain-timeout)");
  assert.match(tail[1], /^INFO {2}stream finished read=1 published=1 confirmed=0 /);
  assert.equal(tail[2], "ERROR 1 messages were not confirmed by the broker unconfirmed=1");
});

Deno.test("runStream rejects bad options with a RangeError naming the field", async () => {
  const base = { csv: WIDE, broker: BROKER, logger: createLogger({ write: () => {} }) };
  const connect = () => Promise.reject(new Error("must not connect"));
  await assert.rejects(
    runStream({ ...base, connect, bufferMessages: 0 }),
    /bufferMessages must be/,
  );
  await assert.rejects(runStream({ ...base, connect, drainTimeoutMs: -1 }), /drainTimeoutMs must/);
  await assert.rejects(runStream({ ...base, connect, durationMs: NaN }), /durationMs must be/);
  await assert.rejects(runStream({ ...base, connect, progressMs: 0.5 }), /progressMs must be/);
});

Deno.test("runStream writes a progress line every progressMs while it runs", async () => {
  const stop = new AbortController();
  const { lines, logger } = capture();
  const running = runStream({
    csv: WIDE,
    broker: BROKER,
    rate: 1,
    workers: 1,
    progressMs: 5,
    logger,
    signal: stop.signal,
    connect: () => Promise.resolve(new FakePublisher()),
  });
  // Lines written before the row went out say read=0; wait for the one after it.
  const afterRow = () =>
    lines.find((l) => l.includes("stream progress read=1 published=1 confirmed=1 "));
  await waitUntil("a progress line after the row", () => afterRow() !== undefined, 10_000);
  stop.abort();
  await running;
  const progress = afterRow()!;
  assert.match(
    progress,
    /INFO {2}stream progress read=1 published=1 confirmed=1 retried=0 skipped=0 rate=\d+$/,
  );
  assert.match(lines.at(-1)!, /INFO {2}stream finished read=1 published=1 confirmed=1 /);
});

Deno.test("runStream reads 100,000 rows (45 MB) at full speed under a 40 MB heap limit: no row is kept once sent", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-stream-mem-" });
  try {
    const probe = new URL("./_stream_memory_probe.ts", import.meta.url);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        ...["run", "--quiet", "--allow-read", "--allow-write"],
        ...["--v8-flags=--max-old-space-size=40", probe.pathname, "100000", dir],
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.strictEqual(code, 0, `probe failed: ${new TextDecoder().decode(stderr).slice(-2000)}`);
    const result = JSON.parse(new TextDecoder().decode(stdout));
    assert.deepStrictEqual(result, { rowsRead: 100_000, published: 100_000 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
