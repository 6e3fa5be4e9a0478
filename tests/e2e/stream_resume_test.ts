/**
 * `gputel stream --state`: a streamer SIGKILLed or SIGTERMed mid-file and
 * started again with the same state file stores each row exactly once,
 * counted through the collector's query API and the broker's topic; a
 * rotated or truncated input starts over. Real processes: `broker` and
 * `collect` (one process or two) or nats-server, and `gputel stream`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  freePort,
  getJson,
  Gputel,
  startAllInOne,
  startBrokerAndCollector,
  waitForHttp,
  waitUntil,
} from "./_harness.ts";
import { NatsServer, natsTest } from "./_nats.ts";
import { storedSeqCounts } from "./_stored.ts";
import { decodeState, type PathState } from "../../src/stream/resume_state.ts";

const HEADER = "uuid,seq,value\n";
const rows = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `GPU-${(from + i) % 8},${from + i},1\n`).join("");
const TOTAL = 2_000;

/** The one entry of a state file. */
async function stateOf(path: string): Promise<PathState> {
  const entries = Object.values(decodeState(await Deno.readTextFile(path)).paths);
  assert.equal(entries.length, 1);
  return entries[0];
}

/** Messages the broker at admin port `admin` holds in topic telemetry, once that stops changing. */
async function brokerHolds(admin: number): Promise<number> {
  const holds = async () => {
    const url = `http://127.0.0.1:${admin}/topics`;
    const { topics } = await getJson<{ topics: { name: string; messages: number }[] }>(url);
    return topics.find((t) => t.name === "telemetry")?.messages ?? 0;
  };
  for (let last = -1;;) {
    const now = await holds();
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 300));
  }
}

const once = (n: number) => Array.from({ length: n }, (_, i) => [i + 1, 1]);
const sorted = (counts: Map<number, number>) => [...counts.entries()].sort((a, b) => a[0] - b[0]);

/** A streamer's arguments: `TOTAL` rows from `csv`, with `--state`, batches of 10. */
const streamArgs = (port: number, csv: string, state: string) => [
  ...["stream", "--csv", csv, "--broker", `127.0.0.1:${port}`, "--no-loop"],
  ...["--state", state, "--batch", "10", "--workers", "1"],
];

/**
 * Starts a streamer at 200 rows/s and returns it once 600 rows are stored:
 * mid-file (7 s before its end, room for a loaded host), after two cuts or
 * more (one a second).
 */
async function streamPart(args: string[], api: number): Promise<Gputel> {
  const proc = new Gputel([...args, "--rate", "200"]);
  await waitUntil("600 rows stored", async () => (await storedSeqCounts(api)).size >= 600);
  return proc;
}

/**
 * Waits until the collector stores all of 1..n and its count holds still
 * for a second, then returns how often it stored each.
 */
async function storedAll(api: number, n: number): Promise<Map<number, number>> {
  await waitUntil(`${n} rows stored`, async () => (await storedSeqCounts(api)).size >= n, 60_000);
  const total = async () => [...(await storedSeqCounts(api)).values()].reduce((a, b) => a + b, 0);
  for (let last = await total();;) {
    await new Promise((r) => setTimeout(r, 1_000));
    const now = await total();
    if (now === last) return await storedSeqCounts(api);
    last = now;
  }
}

Deno.test("a streamer SIGKILLed mid-file, with its broker, and restarted with its --state stores each row exactly once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-resume-kill-" });
  const procs = await startBrokerAndCollector(join(dir, "data"));
  let broker = procs.broker;
  const csv = join(dir, "dcgm.csv");
  const state = join(dir, "stream.state.json");
  await Deno.writeTextFile(csv, HEADER + rows(1, TOTAL));
  const args = streamArgs(procs.port, csv, state);
  try {
    const first = await streamPart(args, procs.api);
    first.kill("SIGKILL");
    await first.wait();
    const held = await brokerHolds(procs.admin);
    assert.ok(held < TOTAL, "the kill came after the end of the file");
    // Rows stored past the point the state file records: sent, stored, and
    // to be sent again after the restart.
    const beyond = held - (await stateOf(state)).rows;
    assert.ok(beyond > 0, `nothing was stored past the recorded point (${beyond})`);
    // The broker goes down too: its producer table comes back from its segments.
    broker.kill("SIGKILL");
    await broker.wait();
    broker = await procs.startBroker();
    const second = await new Gputel([...args, "--rate", "0"]).wait();
    assert.equal(second.code, 0, second.output);
    assert.match(
      second.output,
      /resuming .*dcgm\.csv after line \d+ \(byte \d+\), as producer \d+, replaying up to byte \d+/,
    );
    assert.equal(await brokerHolds(procs.admin), TOTAL, "the broker stored a resent batch again");
    assert.deepEqual(sorted(await storedAll(procs.api, TOTAL)), once(TOTAL));
  } finally {
    await procs.collector[Symbol.asyncDispose]();
    await broker[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("without the persisted producer id, the same restart stores each in-flight row twice", async () => {
  // The control: the state file keeps its offset and sequences but names
  // another producer, so the broker cannot know the resent batches.
  const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-resume-control-" });
  const server = await startAllInOne(join(dir, "data"));
  const csv = join(dir, "dcgm.csv");
  const state = join(dir, "stream.state.json");
  await Deno.writeTextFile(csv, HEADER + rows(1, TOTAL));
  const args = streamArgs(server.port, csv, state);
  try {
    const first = await streamPart(args, server.api);
    first.kill("SIGKILL");
    await first.wait();
    const held = await brokerHolds(server.admin);
    const beyond = held - (await stateOf(state)).rows;
    assert.ok(beyond > 0);
    const text = await Deno.readTextFile(state);
    await Deno.writeTextFile(state, text.replace(/"producer": "\d+"/, `"producer": "12345"`));
    const second = await new Gputel([...args, "--rate", "0"]).wait();
    assert.equal(second.code, 0, second.output);
    assert.equal(
      await brokerHolds(server.admin),
      TOTAL + beyond,
      `held ${held}, state ${await Deno.readTextFile(state)}\n${first.output}\n${second.output}`,
    );
    const counts = await storedAll(server.api, TOTAL);
    assert.equal(counts.size, TOTAL);
    assert.equal([...counts.values()].filter((n) => n === 2).length, beyond);
  } finally {
    await server.proc[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a streamer SIGTERMed mid-file records every row it sent and continues after them; a rotated or truncated input starts over", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-resume-term-" });
  const server = await startAllInOne(join(dir, "data"));
  const csv = join(dir, "dcgm.csv");
  const state = join(dir, "stream.state.json");
  await Deno.writeTextFile(csv, HEADER + rows(1, TOTAL));
  const args = streamArgs(server.port, csv, state);
  const rerun = async (pattern: RegExp) => {
    const { code, output } = await new Gputel([...args, "--rate", "0"]).wait();
    assert.equal(code, 0, output);
    assert.match(output, pattern);
    return output;
  };
  try {
    await t.step(
      "SIGTERM: the state holds exactly what was stored, and the restart the rest",
      async () => {
        const first = await streamPart(args, server.api);
        first.kill("SIGTERM");
        const { code, output } = await first.wait();
        assert.equal(code, 0, output);
        const recorded = await stateOf(state);
        assert.equal(recorded.sealAt, null);
        assert.equal(recorded.rows, await brokerHolds(server.admin));
        assert.ok(recorded.rows < TOTAL);
        assert.equal(
          recorded.line,
          recorded.rows + 2,
          `line of the next row: header and rows before (${JSON.stringify(recorded)})\n${output}`,
        );
        await rerun(
          new RegExp(`resuming .* after line ${recorded.rows + 1} \\(byte ${recorded.offset}\\)`),
        );
        assert.equal(await brokerHolds(server.admin), TOTAL);
        assert.deepEqual(sorted(await storedAll(server.api, TOTAL)), once(TOTAL));
      },
    );
    await t.step("an unchanged input: nothing more to send", async () => {
      const output = await rerun(/resuming .* after line 2001/);
      assert.match(output, /stream finished read=0 published=0 confirmed=0/);
    });
    await t.step("rotated (another inode at the path): from the new file's start", async () => {
      await Deno.rename(csv, `${csv}.1`);
      await Deno.writeTextFile(csv, HEADER + rows(TOTAL + 1, TOTAL + 100));
      await rerun(
        /dcgm\.csv is another file now \(inode \d+ on device \d+, was \d+ on \d+\): streaming .* from its start/,
      );
      assert.deepEqual(sorted(await storedAll(server.api, TOTAL + 100)), once(TOTAL + 100));
    });
    await t.step("truncated (shorter than the recorded offset): from its start", async () => {
      await Deno.writeTextFile(csv, HEADER + rows(TOTAL + 101, TOTAL + 110));
      await rerun(
        /dcgm\.csv is shorter \(\d+ bytes\) than where the last run got \(byte \d+\): streaming .* from its start/,
      );
      assert.deepEqual(sorted(await storedAll(server.api, TOTAL + 110)), once(TOTAL + 110));
    });
  } finally {
    await server.proc[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

natsTest(
  "over NATS JetStream, a streamer SIGKILLed mid-file and restarted with its --state stores each row exactly once (same message ids)",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-resume-nats-" });
    const nats = await NatsServer.start(dir);
    const api = freePort();
    const collector = new Gputel([
      ...[
        "collect",
        "--broker",
        nats.url,
        "--data-dir",
        join(dir, "data"),
        "--api-port",
        String(api),
      ],
    ]);
    const csv = join(dir, "dcgm.csv");
    const state = join(dir, "stream.state.json");
    await Deno.writeTextFile(csv, HEADER + rows(1, TOTAL));
    const args = [
      ...["stream", "--csv", csv, "--broker", nats.url, "--no-loop"],
      ...["--state", state, "--batch", "10", "--workers", "1"],
    ];
    try {
      await waitForHttp(`http://127.0.0.1:${api}/health`, collector);
      const first = await streamPart(args, api);
      first.kill("SIGKILL");
      await first.wait();
      const second = await new Gputel([...args, "--rate", "0"]).wait();
      assert.equal(second.code, 0, second.output);
      assert.match(
        second.output,
        /resuming .*dcgm\.csv after line \d+ \(byte \d+\), as producer [0-9a-f-]+, replaying/,
      );
      // JetStream acked the resent batches as duplicates of the first run's.
      const duplicates = Number(
        /JetStream publish acks .*duplicates=(\d+)/.exec(second.output)?.[1],
      );
      assert.ok(duplicates > 0, second.output);
      assert.deepEqual(sorted(await storedAll(api, TOTAL)), once(TOTAL));
    } finally {
      await collector[Symbol.asyncDispose]();
      await nats[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("a damaged --state file stops the start with exit 2, naming it and what to do", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-resume-bad-" });
  try {
    const csv = join(dir, "dcgm.csv");
    await Deno.writeTextFile(csv, HEADER + rows(1, 3));
    const state = join(dir, "s.json");
    for (const text of ['{"version":1,"paths":{"/x": {"ino": 1', '{"version":9,"paths":{}}']) {
      await Deno.writeTextFile(state, text);
      const { code, output } = await new Gputel([
        ...["stream", "--csv", csv, "--broker", "127.0.0.1:9", "--no-loop", "--state", state],
      ]).wait();
      assert.equal(code, 2, output);
      assert.match(output, /--state: stream state file .*s\.json: state is not (JSON|a version 1)/);
      assert.match(output, /move it away to stream the file from its start/);
      assert.equal(await Deno.readTextFile(state), text, "the damaged file was left as it was");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
