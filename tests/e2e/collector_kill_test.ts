import assert from "node:assert/strict";
import {
  getJson,
  Gputel,
  jsonlLines,
  startAllInOne,
  startRole,
  waitUntil,
  writeExportShaped,
} from "./_harness.ts";

interface BrokerStats {
  topics: { name: string; groups: { name: string; lag: number; in_flight: number }[] }[];
}

function collectArgs(dataDir: string, brokerPort: number, id = "c1"): string[] {
  return ["collect", "--broker", `127.0.0.1:${brokerPort}`, "--data-dir", dataDir, "--id", id];
}

Deno.test({
  name:
    "A collector SIGKILLed twice mid-stream and restarted stores the export-shaped file exactly once",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "gputel-kill-" });
    const csv = await writeExportShaped(`${dir}/export.csv`);
    const b = await startRole(["broker", "--data-dir", `${dir}/broker`], ["tcp", "admin"]);
    await using _broker = b.proc;
    const { tcp: port, admin } = b;
    const data = `${dir}/collectors`;
    let { proc: current, api } = await startRole(collectArgs(data, port), ["api"]);
    await using stream = new Gputel([
      "stream",
      "--csv",
      csv,
      "--broker",
      `127.0.0.1:${port}`,
      "--rate",
      "400",
      "--workers",
      "1",
      "--no-loop",
    ]);
    let streaming = true;
    stream.wait().then(() => (streaming = false));
    const killed: number[] = [];
    for (const at of [500, 1300]) {
      await waitUntil(`${at} stored lines`, async () => (await jsonlLines(data)).length >= at);
      assert.ok(streaming, "the kill must land mid-stream");
      current.kill("SIGKILL");
      const { code } = await current.wait();
      killed.push(code);
      ({ proc: current, api } = await startRole(collectArgs(data, port), ["api"]));
    }
    await using last = current;
    const streamed = await stream.wait();
    assert.equal(streamed.code, 0, streamed.output);
    assert.match(streamed.output, /confirmed=2470/);
    assert.equal(killed.length, 2);

    // Settled: the group has nothing left to deliver or to ack.
    await waitUntil("the group to drain", async () => {
      const stats = await getJson<BrokerStats>(`http://127.0.0.1:${admin}/stats`);
      const group = stats.topics.find((t) => t.name === "telemetry")?.groups
        .find((g) => g.name === "collectors");
      return group !== undefined && group.lag === 0 && group.in_flight === 0;
    });
    const stats = await getJson<{ records_total: number }>(`http://127.0.0.1:${api}/stats`);
    assert.equal(stats.records_total, 2470);
    // The files hold every line once the collector's next checkpoint wrote them.
    await waitUntil("2470 lines in the files", async () => (await jsonlLines(data)).length >= 2470);
    const lines = await jsonlLines(data);
    assert.equal(lines.length, 2470);
    assert.equal(new Set(lines).size, 2470);

    last.kill("SIGTERM");
    assert.equal((await last.wait()).code, 0);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("A second collector with the same --id on the same data dir exits 2 with a clear message", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-lock-" });
  const servers = await startAllInOne(dir, ["--id", "same"]);
  await using first = servers.proc;
  const { port } = servers;
  await using second = new Gputel([...collectArgs(dir, port, "same"), "--api-port", "0"]);
  const { code, output } = await second.wait();
  assert.equal(code, 2, output);
  assert.match(
    output,
    new RegExp(
      `^gputel: data dir ${dir}/same is in use by another collector \\(pid \\d+\\); give each collector its own --id$`,
      "m",
    ),
  );
  first.kill("SIGTERM");
  assert.equal((await first.wait()).code, 0);
  await Deno.remove(dir, { recursive: true });
});
