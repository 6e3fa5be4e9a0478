import assert from "node:assert/strict";
import { assertUsageRefusals } from "./_helpers.ts";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

const CURVES = [
  "broker_partitions",
  "broker_payload",
  "broker_startup",
  "pipeline_gpus",
  "pipeline_scale",
  "collector_records",
  "collector_gpus",
];

Deno.test("deno task curves --smoke measures every curve and writes its JSON and SVG", async () => {
  const out = await Deno.makeTempDir({ prefix: "gputel-curves-" });
  try {
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "bench/curves/main.ts", "--smoke", "--out", out],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(run.stderr);
    // A failed curve's own line first: later curves' progress would push it out of the tail.
    const failures = stderr.split("\n").filter((l) => l.includes(" failed: ")).join("\n");
    assert.ok(run.success, `${failures.slice(0, 3000)}\n…\n${stderr.slice(-1500)}`);
    for (const curve of CURVES) {
      const report = JSON.parse(await Deno.readTextFile(`${out}/${curve}.json`));
      assert.equal(report.curve, curve);
      assert.equal(report.mode, "smoke");
      assert.equal(report.machine.loadavg_start.length, 3);
      assert.ok(report.points.length >= 2, `${curve}: ${report.points.length} points`);
      const first = report.chart.panels[0].field;
      for (const p of report.points) {
        assert.ok(p[report.chart.x] > 0 && p[first] > 0, `${curve}: ${JSON.stringify(p)}`);
      }
      const svg = await Deno.readTextFile(`${out}/${curve}.svg`);
      assert.match(svg, /^<svg /);
      assert.ok(svg.includes(report.title.replaceAll("&", "&amp;")), `${curve}: title drawn`);
      // Every point is drawn in every panel (its value in the point's label).
      const drawn = svg.match(/aria-roledescription="point"/g)?.length ?? 0;
      assert.ok(drawn >= report.points.length * 2, `${curve}: ${drawn} points drawn`);
    }
    // The SVGs can be drawn again from the JSON alone.
    for (const curve of CURVES) await Deno.remove(`${out}/${curve}.svg`);
    const redraw = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "bench/curves/redraw.ts", out],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(redraw.success, new TextDecoder().decode(redraw.stderr));
    for (const curve of CURVES) {
      assert.match(await Deno.readTextFile(`${out}/${curve}.svg`), /^<svg /, `${curve} redrawn`);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("deno task curves refuses an unknown argument or curve with exit 2 and the usage", async () => {
  await assertUsageRefusals("bench/curves/main.ts", "curves", [
    [["--ful"], "unknown argument --ful"],
    [["--only", "brokr"], "unknown curve brokr in --only"],
    [["--out"], "--out needs a value"],
  ]);
});
