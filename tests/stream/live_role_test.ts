import assert from "node:assert/strict";
import { runLiveStream } from "../../src/stream/live_role.ts";
import type { StreamPublisher } from "../../src/stream/role_options.ts";
import { gpuSample, type LiveSample, type LiveSource } from "../../src/stream/sources/source.ts";
import { createLogger } from "../../src/obs/log.ts";
import { waitUntil } from "../_helpers.ts";

/** A source whose readings the test releases one at a time: `gpus` samples each, numbered. */
class ScriptedSource implements LiveSource {
  readonly name = "scripted";
  closed = 0;
  #release: (() => void)[] = [];
  #pending = 0;
  constructor(readonly gpus: number) {}
  /** Readings yielded so far. */
  yielded = 0;
  /** True while the consumer took every reading released and asks for the next. */
  get idle(): boolean {
    return this.#release.length > 0;
  }
  /** Lets `n` more readings out. */
  release(n: number): void {
    this.#pending += n;
    for (const r of this.#release.splice(0)) r();
  }
  async *samples(signal: AbortSignal): AsyncGenerator<LiveSample[]> {
    for (let reading = 1; !signal.aborted; reading++) {
      while (this.#pending === 0 && !signal.aborted) {
        await new Promise<void>((r) => {
          this.#release.push(r);
          signal.addEventListener("abort", () => r(), { once: true });
        });
      }
      if (signal.aborted) return;
      this.#pending--;
      this.yielded++;
      yield Array.from(
        { length: this.gpus },
        (_, g) =>
          gpuSample(
            { index: g, uuid: `GPU-${g}`, hostname: "h" },
            { reading },
            new Date(0).toISOString(),
          ),
      );
    }
  }
  counters() {
    return { gpus: this.gpus };
  }
  close() {
    this.closed++;
    return Promise.resolve();
  }
}

/** A publisher that confirms what it is given at once and records the readings. */
class RecordingPublisher implements StreamPublisher {
  readonly counters = { published: 0, confirmed: 0, retried: 0 };
  readonly readings: string[] = [];
  publish(key: string, payload: Uint8Array): Promise<void> {
    const m = JSON.parse(new TextDecoder().decode(payload));
    this.readings.push(`${key}@${m.fields.reading}`);
    this.counters.published++;
    this.counters.confirmed++;
    return Promise.resolve();
  }
  flush() {
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
}

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ write: (l) => lines.push(l) }) };
}

const until = (what: string, check: () => boolean) => waitUntil(what, check, 10_000, 1);

Deno.test("runLiveStream reads while the broker is away, keeps the newest --buffer samples, drops exactly the rest and sends the kept ones on connect", async () => {
  const source = new ScriptedSource(4);
  const pub = new RecordingPublisher();
  let connect!: (p: StreamPublisher) => void;
  const { lines, logger } = capture();
  const stop = new AbortController();
  let window = 0;
  const run = runLiveStream({
    source,
    connect: (w) => {
      window = w;
      return new Promise((r) => connect = r);
    },
    bufferMessages: 10,
    logger,
    signal: stop.signal,
    progressMs: 60_000,
  });
  source.release(7); // 28 samples while nothing is connected
  await until("7 readings taken", () => source.yielded === 7 && source.idle);
  connect(pub);
  await until("10 sent", () => pub.readings.length === 10);
  source.release(1);
  await until("14 sent", () => pub.readings.length === 14);
  stop.abort();
  const r = await run;
  assert.equal(window, 5, "the publisher holds at most half the buffer");
  assert.equal(r.rowsRead, 32);
  assert.equal(r.dropped, 18);
  assert.equal(r.confirmed, 14);
  assert.equal(r.unconfirmed, 0);
  assert.equal(r.rowsRead, r.confirmed + r.dropped + r.unconfirmed);
  // Kept: the newest 10 of the 28 (readings 5.5 to 7), in order, then reading 8.
  assert.deepEqual(pub.readings, [
    "GPU-2@5",
    "GPU-3@5",
    ...[6, 7, 8].flatMap((n) => [0, 1, 2, 3].map((g) => `GPU-${g}@${n}`)),
  ]);
  assert.equal(lines.filter((l) => l.includes("buffer full (10 samples, --buffer)")).length, 1);
  assert.equal(
    lines.filter((l) => l.includes("buffer has room again after dropping 18 samples")).length,
    1,
  );
  assert.match(
    lines.at(-1)!,
    /stream finished read=32 published=14 confirmed=14 .* dropped=18 buffered=0 gpus=4$/,
  );
  assert.equal(source.closed, 1);
});

Deno.test("runLiveStream that never connects reports every sample read as dropped or unconfirmed after the drain timeout", async () => {
  const source = new ScriptedSource(2);
  const { lines, logger } = capture();
  const stop = new AbortController();
  const run = runLiveStream({
    source,
    connect: () => new Promise(() => {}),
    bufferMessages: 5,
    drainTimeoutMs: 50,
    logger,
    signal: stop.signal,
  });
  source.release(4);
  await until("4 readings taken", () => source.yielded === 4 && source.idle);
  stop.abort();
  const r = await run;
  assert.equal(r.rowsRead, 8);
  assert.equal(r.dropped, 3);
  assert.equal(r.unconfirmed, 5);
  assert.ok(lines.some((l) => l.includes("stopped waiting for confirms after 50 ms")));
  assert.ok(lines.some((l) => l.includes("5 samples were not confirmed")));
});

Deno.test("runLiveStream skips, counts and logs a sample the collector would refuse, and sends the rest", async () => {
  const pub = new RecordingPublisher();
  const { lines, logger } = capture();
  const stop = new AbortController();
  const sample = (key: string, fields: Record<string, number>): LiveSample => ({
    key,
    message: { timestamp: new Date(0).toISOString(), fields: { UUID: key, reading: 1, ...fields } },
  });
  const source: LiveSource = {
    name: "odd",
    async *samples() {
      yield [
        sample("GPU-ok", {}),
        sample("GPU-long-name", { ["x".repeat(2000)]: 1 }),
        sample("", {}),
      ];
      stop.abort();
    },
    counters: () => ({}),
    close: () => Promise.resolve(),
  };
  const r = await runLiveStream({
    source,
    connect: () => Promise.resolve(pub),
    logger,
    signal: stop.signal,
  });
  assert.deepEqual(pub.readings, ["GPU-ok@1"]);
  assert.equal(r.rejected, 2);
  assert.equal(r.skipped, 2);
  assert.equal(r.rowsRead, r.skipped + r.confirmed + r.dropped + r.unconfirmed);
  assert.ok(
    lines.some((l) =>
      /skipping a sample of GPU-long-name: field name "x+…" is 2000 characters/.test(l)
    ),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((l) => /skipping a sample of : message key is empty/.test(l)),
    lines.join("\n"),
  );
});
