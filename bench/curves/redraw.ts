/**
 * `deno run -A bench/curves/redraw.ts [DIR]`: draws each `<curve>.json` in
 * DIR (default `bench/results/`) again as `<curve>.svg`, from the points it
 * holds — for a change to how curves are drawn, without measuring again.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { type CurveReport, drawReport } from "./_report.ts";

const dir = Deno.args[0] ?? fileURLToPath(new URL("../results/", import.meta.url));
for await (const e of Deno.readDir(dir)) {
  if (!e.name.endsWith(".json")) continue;
  const report = JSON.parse(await Deno.readTextFile(join(dir, e.name))) as CurveReport;
  if (!report.curve || !report.chart || !Array.isArray(report.points)) continue;
  await Deno.writeTextFile(join(dir, `${report.curve}.svg`), await drawReport(report));
  console.log(`redrew ${report.curve}.svg`);
}
