/**
 * `deno task curves`: how cost grows with the work. Each curve is measured
 * in one run of this script and written to `bench/results/<curve>.json`
 * with its SVG beside it (`--out DIR` to write elsewhere).
 *
 * Modes: `--smoke` (tiny sizes, seconds; run by the test suite so the
 * scripts never rot), `--quick` (default), `--full`. `--only a,b` runs some.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { brokerPartitionsCurve, brokerPayloadCurve } from "./broker_curve.ts";
import { collectorGpusCurve, collectorRecordsCurve } from "./collector_curve.ts";
import { pipelineGpusCurve, pipelineScaleCurve } from "./pipeline_curve.ts";
import { brokerStartupCurve } from "./startup_curve.ts";
import { type CurveRun, machineNow, type Mode, writeCurve } from "./_report.ts";

const CURVES: Record<string, (mode: Mode) => Promise<CurveRun>> = {
  broker_partitions: brokerPartitionsCurve,
  broker_payload: brokerPayloadCurve,
  broker_startup: brokerStartupCurve,
  pipeline_gpus: pipelineGpusCurve,
  pipeline_scale: pipelineScaleCurve,
  collector_records: collectorRecordsCurve,
  collector_gpus: collectorGpusCurve,
};
const USAGE = `usage: deno task curves [--smoke | --quick | --full] [--out DIR] [--only ${
  Object.keys(CURVES).join(",")
}]`;

/** Exits 2 with one line naming what is wrong and the usage. */
function usage(problem: string): never {
  console.error(`curves: ${problem}\n${USAGE}`);
  Deno.exit(2);
}

const args = Deno.args;
let out = fileURLToPath(new URL("../results/", import.meta.url));
let only: string[] | undefined;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--out" || a === "--only") {
    const v = args[i + 1];
    if (!v || v.startsWith("--")) usage(`${a} needs a value`);
    if (a === "--out") out = v;
    else only = v.split(",");
    i++;
  } else if (!["--smoke", "--quick", "--full"].includes(a)) usage(`unknown argument ${a}`);
}
for (const name of only ?? []) if (!(name in CURVES)) usage(`unknown curve ${name} in --only`);
const mode: Mode = args.includes("--smoke") ? "smoke" : args.includes("--full") ? "full" : "quick";

let failed = 0;
for (const [name, measure] of Object.entries(CURVES)) {
  if (only && !only.includes(name)) continue;
  const started = machineNow();
  try {
    const report = await writeCurve(out, mode, started, await measure(mode));
    console.log(`curves: ${name}: ${report.points.length} points → ${out}/${name}.{json,svg}`);
  } catch (err) {
    failed++;
    console.error(`curves: ${name} failed: ${(err as Error).stack ?? err}`);
  }
}
if (failed) Deno.exit(1);
