/**
 * `gputel stream --state`: a streamer SIGKILLed or SIGTERMed mid-file and
 * started again with the same state file stores each row exactly once,
 * counted through the collector's query API. Real processes: a
 * `broker,collect` and `gputel stream`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Gputel, startAllInOne, waitUntil } from "./_harness.ts";
import { storedSeqCounts } from "./_stored.ts";
import { decodeState, type PathState } from "../../src/stream/resume_state.ts";

const HEADER = "uuid,seq,value\n";
const rows = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `GPU-${(from + i) % 8},${from + i},1\n`).join("");

/** The one entry of a state file. */
async function stateOf(path: string): Promise<PathState> {
  const entries = Object.values(decodeState(await Deno.readTextFile(path)).paths);
  assert.equal(entries.length, 1);
  return entries[0];
}

/** Waits until the collector stores `n` distinct rows, then until the count stays put. */
async function settled(api: number, n: number): Promise<Map<number, number>> {
  await waitUntil(`${n} rows stored`, async () => (await storedSeqCounts(api)).size >= n, 60_000);
  let last = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const counts = await storedSeqCounts(api);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    if (total === last) return counts;
    last = total;
  }
}

const TOTAL = 2_000;

/**
 * Streams `TOTAL` rows with --state at 400 rows/s in batches of 10 and
 * SIGKILLs the streamer mid-file, then starts it again with the same state
 * (after `tamper`, when given). Returns how often each row was stored and
 * how many rows were stored past the state file's confirmed point at the
 * kill: sent, stored, and to be sent again.
 */
async function killAndResume(
  tamper?: (state: string) => Promise<void>,
): Promise<{ counts: Map<number, number>; beyond: number; output: string }> {
  const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-resume-" });
  const server = await startAllInOne(join(dir, "data"));
  const csv = join(dir, "dcgm.csv");
  const state = join(dir, "stream.state.json");
  await Deno.writeTextFile(csv, HEADER + rows(1, TOTAL));
  const args = [
    ...["stream", "--csv", csv, "--broker", `127.0.0.1:${server.port}`, "--no-loop"],
    ...["--state", state, "--batch", "10", "--workers", "1"],
  ];
  try {
    const first = new Gputel([...args, "--rate", "400"]);
    await waitUntil("600 rows stored", async () => (await storedSeqCounts(server.api)).size >= 600);
    first.kill("SIGKILL");
    await first.wait();
    const before = await settled(server.api, 600);
    assert.ok(before.size < TOTAL, "the kill came after the end of the file");
    const beyond = before.size - (await stateOf(state)).rows;
    await tamper?.(state);
    const second = await new Gputel([...args, "--rate", "0"]).wait();
    assert.equal(second.code, 0, second.output);
    return { counts: await settled(server.api, TOTAL), beyond, output: second.output };
  } finally {
    await server.proc[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a streamer SIGKILLed mid-file and restarted with its --state stores each row exactly once", async () => {
  const { counts, beyond, output } = await killAndResume();
  // Rows were stored past the recorded point: the restart sent them again,
  // under the same producer and sequences, and the broker dropped them.
  assert.ok(beyond > 0, `nothing was in flight at the kill (${beyond})`);
  assert.match(output, /resuming .*dcgm\.csv after line \d+ \(byte \d+\), as producer \d+/);
  assert.deepEqual(
    [...counts.entries()].sort((a, b) => a[0] - b[0]),
    Array.from({ length: TOTAL }, (_, i) => [i + 1, 1]),
  );
});

Deno.test("without the persisted producer id, the same restart stores the in-flight rows twice", async () => {
  // The control: the state file keeps its offset and sequences, but names
  // another producer, so the broker cannot know the resent batches.
  const { counts, beyond } = await killAndResume(async (path) => {
    const text = await Deno.readTextFile(path);
    await Deno.writeTextFile(path, text.replace(/"producer": "(\d+)"/, `"producer": "12345"`));
  });
  const twice = [...counts.values()].filter((n) => n === 2).length;
  assert.equal(counts.size, TOTAL);
  assert.ok(beyond > 0);
  assert.equal(twice, beyond, "each row stored past the recorded point is stored again");
});

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
