import assert from "node:assert/strict";
import { Gputel, jsonlLines, ROOT, startAllInOne, waitUntil } from "./_harness.ts";
import { SilentBroker } from "./_silent_broker.ts";

const WIDE = `${ROOT}tests/fixtures/wide.csv`;
const MESSY = `${ROOT}tests/fixtures/messy.csv`;

/** A running `broker,collect` on free ports with its own data dir. */
async function startServer(extra: string[] = []) {
  const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-stream-" });
  const { proc, port } = await startAllInOne(dir, extra);
  return {
    dir,
    proc,
    broker: `127.0.0.1:${port}`,
    async [Symbol.asyncDispose]() {
      await proc[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Stored records without their processing time, sorted by GPU. */
async function storedRecords(dir: string) {
  const records = (await jsonlLines(dir)).map((l) => JSON.parse(l));
  for (const r of records) {
    assert.ok(!Number.isNaN(Date.parse(r.timestamp)));
    assert.match(r._o, /^[0-9a-f]{12}:\d+:\d+$/);
    delete r.timestamp;
    delete r._o;
  }
  return records.sort((a, b) => a.gpu_id.localeCompare(b.gpu_id));
}

Deno.test("stream --rate 200 --workers 5 --duration 10s into broker,collect stores 9,800 to 10,200 records", async () => {
  await using server = await startServer();
  const stream = new Gputel([
    "stream",
    ...["--csv", `${ROOT}data/sample.csv`, "--broker", server.broker],
    ...["--rate", "200", "--workers", "5", "--duration", "10s"],
  ]);
  const { code, output } = await stream.wait();
  assert.equal(code, 0, output);
  const confirmed = Number(/stream finished .*confirmed=(\d+)/.exec(output)?.[1]);
  assert.ok(confirmed >= 9_800 && confirmed <= 10_200, `confirmed ${confirmed}`);
  await waitUntil(`${confirmed} stored lines`, async () => {
    return (await jsonlLines(server.dir)).length >= confirmed;
  });
  assert.equal((await jsonlLines(server.dir)).length, confirmed);
});

Deno.test("stream --no-loop --rate 0 stores a wide CSV and a messy CSV row for row and reports the ragged row", async () => {
  await using server = await startServer();
  const run = (csv: string) =>
    new Gputel(["stream", "--csv", csv, "--broker", server.broker, "--no-loop", "--rate", "0"])
      .wait();
  const wide = await run(WIDE);
  assert.equal(wide.code, 0, wide.output);
  assert.match(wide.output, /stream finished read=4 published=4 confirmed=4 retried=0 skipped=0 /);
  const messy = await run(MESSY);
  assert.equal(messy.code, 0, messy.output);
  assert.match(
    messy.output,
    / WARN {2}\[stream\] skipping \S+messy\.csv line 6: expected 8 fields, got 5\n/,
  );
  assert.match(messy.output, /stream finished read=4 published=4 confirmed=4 retried=0 skipped=1 /);

  await waitUntil("8 stored lines", async () => (await jsonlLines(server.dir)).length >= 8);
  const wideLabels = (i: number) => ({ gpu_index: String(i) });
  assert.deepEqual(await storedRecords(server.dir), [
    {
      gpu_id: "0",
      metrics: { temperature: 45, utilization: 87, memory_used: 61440, power_draw: 312.5 },
      labels: wideLabels(0),
    },
    {
      gpu_id: "1",
      metrics: { temperature: 52, utilization: 100, memory_used: 80123, power_draw: 689.457 },
      labels: wideLabels(1),
    },
    {
      gpu_id: "2",
      metrics: { temperature: 31, utilization: 0, memory_used: 4, power_draw: 66.781 },
      labels: wideLabels(2),
    },
    {
      gpu_id: "3",
      metrics: { temperature: 38, utilization: 12, memory_used: 2204, power_draw: 117.77 },
      labels: wideLabels(3),
    },
    {
      gpu_id: "GPU-m0",
      metrics: { temperature: 45, utilization: 87 },
      labels: {
        hostname: "höst-α",
        gpu_index: "0",
        model: "NVIDIA H100 80GB HBM3",
        uuid: "GPU-m0",
        status: "ok",
        note: "fan, noisy",
      },
    },
    {
      gpu_id: "GPU-m1",
      metrics: { utilization: 12.5 },
      labels: {
        hostname: "höst-α",
        gpu_index: "1",
        model: 'NVIDIA "Hopper"',
        uuid: "GPU-m1",
        temperature: "N/A",
        status: "two\r\nlines",
        note: "温度 🌡️",
      },
    },
    {
      gpu_id: "GPU-m3",
      metrics: { temperature: 38, utilization: 0 },
      labels: { hostname: "höst-β", gpu_index: "1", model: "H100", uuid: "GPU-m3", status: "N/A" },
    },
    {
      gpu_id: "GPU-m4",
      metrics: { temperature: -3.5, utilization: 100 },
      labels: {
        hostname: "höst-β",
        gpu_index: "2",
        model: "H100, SXM",
        uuid: "GPU-m4",
        status: 'say "hi"',
        note: "Größe",
      },
    },
  ]);
});

Deno.test("stream --strict exits 1 at the first bad row with one line naming the file and line", async () => {
  await using server = await startServer();
  const { code, output } = await new Gputel([
    "stream",
    ...["--csv", "tests/fixtures/messy.csv", "--broker", server.broker, "--strict", "--rate", "0"],
  ]).wait();
  assert.equal(code, 1, output);
  assert.equal(
    output,
    "gputel: Bad CSV row at tests/fixtures/messy.csv:6: row has 5 fields but the header has 8\n",
  );
});

Deno.test("stream on SIGINT waits --drain-timeout for confirms that never come, reports them and exits 1", async () => {
  await using broker = new SilentBroker();
  await using stream = new Gputel([
    "stream",
    ...["--csv", WIDE, "--broker", broker.address, "--rate", "0", "--batch", "1"],
    ...["--drain-timeout", "300ms", "--buffer", "10", "--log-format", "json"],
  ]);
  await waitUntil("10 published messages", () => broker.published >= 10);
  stream.kill("SIGINT");
  const { code, output } = await stream.wait();
  assert.equal(code, 1, output);
  const lines = output.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.level, l.component, l.msg]), [
    ["info", undefined, "SIGINT received: finishing in-flight work"],
    ["error", "stream", "stopped waiting for confirms after 300 ms (--drain-timeout)"],
    ["info", "stream", "stream finished"],
    ["error", "stream", "11 messages were not confirmed by the broker"],
  ]);
  // --buffer 10: the 11th message waits for room, so reading stops there;
  // it counts as unconfirmed with the 10 sent.
  const { time: _, ...finished } = lines[2];
  assert.equal(typeof finished.rate, "number");
  finished.rate = 0;
  assert.deepEqual(finished, {
    level: "info",
    component: "stream",
    msg: "stream finished",
    read: 11,
    published: 10,
    confirmed: 0,
    retried: 0,
    skipped: 0,
    rate: 0,
  });
  assert.equal(lines[3].unconfirmed, 11);
  assert.equal(broker.published, 10);
});
