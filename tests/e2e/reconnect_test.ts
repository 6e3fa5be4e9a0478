import assert from "node:assert/strict";
import { getJson, Gputel, jsonlLines, startBrokerAndCollector, waitUntil } from "./_harness.ts";

const SAMPLE_ROWS = 1920; // data/sample.csv: 32 GPUs × 6 metrics × 10 timestamps

Deno.test("with the broker down for 3 s mid-stream, streamer and collector reconnect by themselves", async () => {
  const root = await Deno.makeTempDir({ prefix: "gputel-outage-" });
  const procs = await startBrokerAndCollector(root);
  const { port, api, startBroker } = procs;
  let broker = procs.broker;
  await using collector = procs.collector;
  await using stream = new Gputel([
    "stream",
    "--csv",
    "data/sample.csv",
    "--broker",
    `127.0.0.1:${port}`,
    "--rate",
    "300",
    "--workers",
    "1",
    "--no-loop",
  ]);
  let streaming = true;
  stream.wait().then(() => (streaming = false));
  try {
    await waitUntil("300 stored lines", async () => (await jsonlLines(root)).length >= 300);
    assert.ok(streaming, "the outage must start mid-stream");
    broker.kill("SIGTERM");
    assert.equal((await broker.wait()).code, 0);
    const storedAtStop = (await jsonlLines(root)).length;
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok(streaming, "the stream waits out the outage instead of exiting");
    broker = await startBroker();

    const streamed = await stream.wait();
    assert.equal(streamed.code, 0, streamed.output);
    assert.match(streamed.output, /reconnecting/);
    await waitUntil(
      `${SAMPLE_ROWS} stored lines`,
      async () => (await jsonlLines(root)).length >= SAMPLE_ROWS,
      60_000,
    );
    const lines = await jsonlLines(root);
    assert.ok(storedAtStop < SAMPLE_ROWS);
    assert.equal(lines.length, SAMPLE_ROWS);
    assert.equal(new Set(lines).size, SAMPLE_ROWS, "every record exactly once");
    const stats = await getJson<{ subscribers: { reconnects: number }[] }>(
      `http://127.0.0.1:${api}/stats`,
    );
    assert.ok(stats.subscribers.every((s) => s.reconnects >= 1), JSON.stringify(stats));
  } finally {
    broker.kill("SIGTERM");
    await broker.wait();
  }
  collector.kill("SIGTERM");
  assert.equal((await collector.wait()).code, 0);
  await Deno.remove(root, { recursive: true });
});
