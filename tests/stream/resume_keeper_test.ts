import assert from "node:assert/strict";
import { join } from "node:path";
import type { ProducerState, ResumableSink, SinkCounters } from "../../src/client/sink.ts";
import { createLogger } from "../../src/obs/log.ts";
import type { CsvRow } from "../../src/stream/csv_rows.ts";
import { type InputPoint, ResumeKeeper } from "../../src/stream/resume_keeper.ts";
import type { FilePoint, PathState } from "../../src/stream/resume_state.ts";
import { readStateFile } from "../../src/stream/state_file.ts";

/** A sink that records flushes and lets the test confirm them. */
class FlushSink implements ResumableSink {
  readonly counters: SinkCounters = { published: 0, confirmed: 0, retried: 0 };
  readonly flushes: (() => void)[] = [];
  /** What the state file said at each flush. */
  readonly seen: (PathState | undefined)[] = [];
  sequence = 0;
  constructor(readonly stateFile: string) {}
  publish(): Promise<void> {
    return Promise.resolve();
  }
  async flush(): Promise<void> {
    this.sequence++;
    this.seen.push(Object.values((await readStateFile(this.stateFile))?.paths ?? {})[0]);
    await new Promise<void>((resolve) => this.flushes.push(resolve));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  producer(): ProducerState {
    return { id: "7", sequences: [this.sequence] };
  }
}

const row = (ino: number, end: number, line: number): CsvRow => ({
  line,
  fields: {},
  at: { ino, end, nextLine: line + 1 },
});
const START: InputPoint = { ino: 1, offset: 0, line: 1, rows: 0 };
const silent = createLogger({ write: () => {} });

async function withKeeper(
  o: { sealAt?: FilePoint | null; intervalMs?: number; start?: InputPoint },
  fn: (k: ResumeKeeper, sink: FlushSink, stop: AbortController, file: string) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "gputel-keeper-" });
  const file = join(dir, "s.json");
  const sink = new FlushSink(file);
  const stop = new AbortController();
  const keeper = new ResumeKeeper({
    stateFile: file,
    input: "/in.csv",
    dev: 3,
    fingerprint: "f",
    start: o.start ?? START,
    sealAt: o.sealAt ?? null,
    sink,
    logger: silent,
    intervalMs: o.intervalMs ?? 3_600_000,
    signal: stop.signal,
  });
  try {
    await fn(keeper, sink, stop, file);
  } finally {
    keeper.close();
    stop.abort();
    for (const f of sink.flushes) f();
    await Deno.remove(dir, { recursive: true });
  }
}

const waitFor = async (what: string, check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
};

Deno.test("a cut writes its seal point before sealing, holds the next row, and confirms only after the flush", async () => {
  await withKeeper({}, async (keeper, sink) => {
    assert.equal(keeper.enter(row(1, 10, 2)), true);
    keeper.done(row(1, 10, 2));
    // A row of another file (rotation) makes a cut before it goes.
    const next = keeper.enter(row(2, 8, 2));
    assert.ok(next instanceof Promise);
    await waitFor("the flush", () => sink.flushes.length === 1);
    assert.deepEqual(sink.seen[0]?.sealAt, { ino: 1, offset: 10 }, "seal point written ahead");
    assert.equal(sink.seen[0]?.offset, 0, "nothing confirmed before the flush");
    assert.deepEqual(keeper.confirmed, START);
    sink.flushes[0]();
    assert.equal(await next, true);
    assert.deepEqual(keeper.confirmed, { ino: 1, offset: 10, line: 3, rows: 1 });
  });
});

Deno.test("finish confirms the rest and writes the final state with the producer's sequences", async () => {
  await withKeeper({}, async (keeper, sink, _stop, file) => {
    assert.equal(keeper.enter(row(1, 10, 2)), true);
    keeper.done(row(1, 10, 2));
    const finished = keeper.finish(new Promise(() => {}));
    await waitFor("the flush", () => sink.flushes.length === 1);
    sink.flushes[0]();
    assert.equal(await finished, true);
    const state = (await readStateFile(file))!.paths["/in.csv"];
    assert.deepEqual(
      { ...state, writtenAt: "" },
      {
        dev: 3,
        ino: 1,
        offset: 10,
        line: 3,
        rows: 1,
        producer: "7",
        sequences: [1],
        sealAt: null,
        fingerprint: "f",
        writtenAt: "",
      },
    );
  });
});

Deno.test("a replay makes no timer cut before the recorded seal point, cuts exactly there, then cuts on time again", async () => {
  await withKeeper({ sealAt: { ino: 1, offset: 30 }, intervalMs: 5 }, async (keeper, sink) => {
    for (const [end, line] of [[10, 2], [20, 3]]) {
      assert.equal(keeper.enter(row(1, end, line)), true);
      assert.equal(keeper.done(row(1, end, line)), undefined);
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.equal(sink.flushes.length, 0, "a timer cut sealed during the replay");
    assert.equal(keeper.enter(row(1, 30, 4)), true);
    const cut = keeper.done(row(1, 30, 4));
    assert.ok(cut instanceof Promise, "no cut at the seal point");
    await waitFor("the flush", () => sink.flushes.length === 1);
    assert.deepEqual(sink.seen[0]?.sealAt, { ino: 1, offset: 30 });
    // A row that comes while the cut waits for its confirms waits too: it is
    // neither refused (it would be skipped) nor let through (it would join
    // a batch sealed at another point).
    const during = keeper.enter(row(1, 40, 5));
    assert.ok(during instanceof Promise, "a row was refused or let through during a cut");
    sink.flushes[0]();
    await cut;
    assert.equal(await during, true);
    keeper.done(row(1, 40, 5));
    await waitFor("a timer cut after the replay", () => sink.flushes.length === 2);
    assert.deepEqual(sink.seen[1]?.sealAt, { ino: 1, offset: 40 });
  });
});

Deno.test("a replay stopped before its seal point seals nothing and leaves the state as it was", async () => {
  await withKeeper({ sealAt: { ino: 1, offset: 30 } }, async (keeper, sink, _stop, file) => {
    keeper.enter(row(1, 10, 2));
    keeper.done(row(1, 10, 2));
    assert.equal(await keeper.finish(new Promise(() => {})), false);
    assert.equal(sink.flushes.length, 0);
    assert.equal(await readStateFile(file), undefined);
  });
});

Deno.test("once a cut's confirms are given up on, no row passes and finish leaves the seal recorded", async () => {
  await withKeeper({}, async (keeper, sink, stop, file) => {
    keeper.enter(row(1, 10, 2));
    keeper.done(row(1, 10, 2));
    const next = keeper.enter(row(2, 5, 2)); // rotation: a cut first
    await waitFor("the flush", () => sink.flushes.length === 1);
    stop.abort();
    assert.equal(await next, false);
    assert.equal(keeper.enter(row(2, 5, 2)), false);
    assert.equal(await keeper.finish(Promise.resolve()), false);
    const state = (await readStateFile(file))!.paths["/in.csv"];
    assert.equal(state.offset, 0);
    assert.deepEqual(state.sealAt, { ino: 1, offset: 10 });
  });
});
