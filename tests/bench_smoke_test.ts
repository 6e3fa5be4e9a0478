import { HAS_NATS } from "./e2e/_nats.ts";
import assert from "node:assert/strict";
import { assertUsageRefusals } from "./_helpers.ts";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

Deno.test("deno task bench --smoke runs every scenario and writes the JSON report", async () => {
  const json = await Deno.makeTempFile({ suffix: ".json" });
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "bench/main.ts", "--smoke", "--json", json],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const report = JSON.parse(await Deno.readTextFile(json));
  assert.equal(report.mode, "smoke");
  assert.equal(report.machine.cpus, navigator.hardwareConcurrency);
  const systems = report.results.map((r: { system: string }) => r.system);
  for (
    const s of [
      "raw-tcp (loopback)",
      "gputel (memory)",
      "gputel (fsync always)",
      "gputel broker (fsync always), publish only",
      "floor (read, split, JSON-wrap, append; one process)",
      "direct (one process, no broker)",
      "gputel stream → broker,collect",
      "gputel (fsync always) + collector store",
      "gputel (fsync off) + collector store",
      ...(HAS_NATS
        ? [
          "gputel over JetStream (file, R1)",
          "gputel stream → JetStream (file, R1) → collect",
          "nats-jetstream (file) + acked pull consumer",
        ]
        : []),
    ]
  ) {
    assert.ok(systems.includes(s), `${s} missing from ${systems.join(", ")}`);
  }
  const failed = report.results.filter((r: { note?: string }) => r.note?.startsWith("failed"));
  assert.deepEqual(failed, [], "no scenario failed");
  const ran = (r: { system: string; note?: string }) =>
    r.system.startsWith("gputel") && !r.note?.includes("not on PATH");
  for (const r of report.results.filter(ran)) {
    assert.ok(r.msgs_per_s > 0, `${r.system} ${r.scenario}`);
  }
  const headline = report.results.find((r: { system: string }) =>
    r.system === "gputel (fsync always)"
  );
  assert.match(
    headline.note,
    /^median of 2 runs \(in run order: [\d,]+, [\d,]+\)$/,
    "the headline is a median",
  );
  // Every headline pair is kept, each with its own ratio.
  assert.equal(report.headline_runs.length, 2, JSON.stringify(report.headline_runs));
  for (const [i, p] of report.headline_runs.entries()) {
    assert.equal(p.run, i + 1);
    assert.ok(p.gputel > 0, JSON.stringify(p));
    if (HAS_NATS) assert.ok(p.nats_core > 0 && p.ratio > 0, JSON.stringify(p));
  }
  assert.match(stdout, /headline run 1: gputel [\d,]+ msgs\/s/);
  const backlog = report.results.find((r: { system: string }) => r.system.includes("publish only"));
  assert.ok(backlog.broker_rss_mib > 0 && backlog.backlog_bytes >= 5e6, JSON.stringify(backlog));
  assert.match(stdout, /\| scenario \| system \| msgs\/s \|/);
  // The latency rows say where the time goes, stage by stage.
  const latency = report.results.find((r: { system: string }) =>
    r.system === "gputel (fsync always) + collector store"
  );
  for (const stage of ["publish → at broker", "publish → durable", "store round"]) {
    assert.ok(latency.stages[stage].n > 0, `${stage} in ${JSON.stringify(latency.stages)}`);
  }
  assert.ok(report.ratios.pipeline_vs_floor > 0, "the pipeline is reported against the floor");
  assert.ok(report.ratios.direct_vs_floor > 0, "the direct baseline is reported against the floor");
  await Deno.remove(json);
});

Deno.test("deno task bench refuses an unknown argument or scenario with exit 2 and the usage", async () => {
  await assertUsageRefusals("bench/main.ts", "bench", [
    [["--ful"], "unknown argument --ful"],
    [["--only", "gputl"], "unknown scenario gputl in --only"],
    [["--json"], "--json needs a value"],
  ]);
});
