/**
 * A curve's JSON report and how it is written: the points, the machine and
 * its load while the curve ran (the build VM is shared, so every report
 * says how busy it was), how the measured state was built, and the SVG
 * drawn from the same points.
 *
 * @module
 */
import { join } from "node:path";
import { type ChartSpec, renderSvg } from "./_plot.ts";

/** Benchmark size: `smoke` (seconds, for the test suite), `quick`, `full`. */
export type Mode = "smoke" | "quick" | "full";

/** One measured point: a series name, x, and the measured quantities. */
export type Point = { series: string } & Record<string, number | string | null>;

/** The machine as a report records it. */
export interface MachineState {
  cpus: number;
  memory_bytes: number;
  os: string;
  deno: string;
  /** 1, 5 and 15 minute load averages when the curve started and ended. */
  loadavg_start: number[];
  loadavg_end: number[];
}

/** A curve's report, written as `<name>.json` beside `<name>.svg`. */
export interface CurveReport {
  curve: string;
  title: string;
  mode: Mode;
  date: string;
  /** The commit the bench ran on. */
  commit: string;
  machine: MachineState;
  /** How the measured state was produced (generator, process layout). */
  method: string;
  /** How the SVG draws the points (which field is x, which are panels). */
  chart: ChartSpec;
  points: Point[];
}

/** The machine now: CPUs, memory, OS, Deno, load average. */
export function machineNow(): Omit<MachineState, "loadavg_end"> {
  return {
    cpus: navigator.hardwareConcurrency,
    memory_bytes: Deno.systemMemoryInfo().total,
    os: `${Deno.build.os}/${Deno.build.arch} ${Deno.osRelease()}`,
    deno: Deno.version.deno,
    loadavg_start: Deno.loadavg(),
  };
}

/** The checked-out commit (short), or "unknown" outside git. */
export async function headCommit(): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["rev-parse", "--short", "HEAD"],
    stderr: "null",
  })
    .output().catch(() => undefined);
  return out?.success ? new TextDecoder().decode(out.stdout).trim() : "unknown";
}

/** Everything one curve run produces before it is written. */
export interface CurveRun {
  curve: string;
  method: string;
  chart: ChartSpec;
  points: Point[];
}

/**
 * Writes `<dir>/<curve>.json` and `<dir>/<curve>.svg`.
 *
 * @param started the machine state taken when the curve started
 */
export async function writeCurve(
  dir: string,
  mode: Mode,
  started: Omit<MachineState, "loadavg_end">,
  run: CurveRun,
): Promise<CurveReport> {
  const report: CurveReport = {
    curve: run.curve,
    title: run.chart.title,
    mode,
    date: new Date().toISOString(),
    commit: await headCommit(),
    machine: { ...started, loadavg_end: Deno.loadavg() },
    method: run.method,
    chart: run.chart,
    points: run.points,
  };
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, `${run.curve}.json`), JSON.stringify(report, null, 2) + "\n");
  await Deno.writeTextFile(join(dir, `${run.curve}.svg`), await drawReport(report));
  return report;
}

/** The SVG of a report: its chart, with the date, mode, machine load and commit under the title. */
export function drawReport(report: CurveReport): Promise<string> {
  const load = report.machine.loadavg_start.map((l) => l.toFixed(1)).join("/");
  const subtitle = `${report.date.slice(0, 16).replace("T", " ")} UTC, ${report.mode} mode, ` +
    `${report.machine.cpus} shared cores (load ${load} at start), commit ${report.commit}`;
  return renderSvg({ ...report.chart, subtitle }, report.points);
}
