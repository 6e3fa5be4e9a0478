/**
 * Pipeline rows/s against the number of GPUs in the CSV (10 → 10,000: one
 * JSONL file per GPU), and throughput with 1, 2, 4, 10 streamers and with
 * 1, 2, 4, 10 collectors on this machine.
 *
 * @module
 */
import { join } from "node:path";
import { round } from "../_result.ts";
import { writeDcgmCsv } from "./_csv.ts";
import { type PipelineMeasure, runPipeline } from "./_pipeline_run.ts";
import type { CurveRun, Mode, Point } from "./_report.ts";

const SIZES: Record<Mode, { gpus: number[]; rows: number; counts: number[] }> = {
  smoke: { gpus: [10, 100], rows: 2_000, counts: [1, 2] },
  quick: { gpus: [10, 100, 1_000, 10_000], rows: 200_000, counts: [1, 2, 4, 10] },
  full: { gpus: [10, 100, 1_000, 10_000], rows: 1_000_000, counts: [1, 2, 4, 10] },
};
/** Rows of the streamer/collector layouts (7 runs), smaller so the full curve takes minutes. */
const SCALE_ROWS: Record<Mode, number> = {
  smoke: 2_000,
  quick: 200_000,
  full: 500_000,
};

/** A point from a measure: rows/s, CPU per row per role, syscalls per row, RSS. */
function pointOf(series: string, x: number, rows: number, m: PipelineMeasure): Point {
  const cpu = Object.values(m.cpu_s).reduce((a, b) => a + b, 0);
  const perRow = (v: number | undefined) => v === undefined ? null : round((v / rows) * 1e6);
  const calls = (name: string) =>
    m.syscalls[name] === undefined ? null : Math.round((m.syscalls[name] / rows) * 1000) / 1000;
  const p: Point = {
    series,
    x,
    rows,
    rows_per_s: m.rows_per_s,
    seconds: m.seconds,
    stream_cpu_us_per_row: perRow(m.cpu_s.stream),
    collect_cpu_us_per_row: perRow(m.cpu_s.collect),
    broker_cpu_us_per_row: perRow(m.cpu_s.broker),
    // All roles' CPU per row: the cost, whatever share of the cores the run got.
    cpu_us_per_row: perRow(cpu),
    cpu_pct_ours: Math.round((cpu / m.seconds) * 100),
    machine_cpu_pct: m.machine_cpu_pct,
    // The rest of the machine's busy time went to other work on the shared VM.
    others_cpu_pct: Math.max(0, Math.round(m.machine_cpu_pct - (cpu / m.seconds) * 100)),
    collect_rss_mib: m.collect_rss_mib,
    files: m.files,
    openat_per_row: calls("openat"),
    close_per_row: calls("close"),
    write_per_row: calls("write") === null ? null : calls("write")! + (calls("pwrite64") ?? 0),
    fdatasync_per_row: calls("fdatasync"),
  };
  console.error(`curves: ${series} ${x}: ${JSON.stringify(p)}`);
  return p;
}

const NOTE = "CPU from /proc per process (streamers read until they exit), system calls of the " +
  "server processes counted with `perf stat` on the syscall tracepoints over the run, machine CPU " +
  "from /proc/stat. Each point checks that the collectors' `/stats` count exactly the rows sent.";

/** Rows/s of `stream → broker,collect` against the GPUs in the CSV. */
export async function pipelineGpusCurve(mode: Mode): Promise<CurveRun> {
  const s = SIZES[mode];
  const root = await Deno.makeTempDir({ prefix: "gputel-curve-gpus-" });
  const points: Point[] = [];
  try {
    for (const gpus of s.gpus) {
      const dir = join(root, String(gpus));
      await Deno.mkdir(dir);
      const csv = join(dir, "dcgm.csv");
      await writeDcgmCsv(csv, { gpus, rows: s.rows });
      const m = await runPipeline({
        csvs: [csv],
        rows: s.rows,
        collectors: 1,
        combined: true,
        dir,
      });
      points.push(pointOf("stream → broker,collect", gpus, s.rows, m));
      await Deno.remove(dir, { recursive: true });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
  return {
    curve: "pipeline_gpus",
    method: `A DCGM CSV of ${s.rows.toLocaleString("en-US")} rows over N GPUs (` +
      "`src/stream/dcgm_generator.ts`, 12 columns, `uuid` key), streamed at `--rate 0` by one " +
      "`gputel stream` into one `gputel broker,collect` (fsync always, 8 partitions), as " +
      "`deno task bench`'s pipeline row; rows/s from the streamer's spawn until the collector " +
      "counts every row. " + NOTE,
    chart: {
      title: "Pipeline CSV → JSONL rows/s vs GPUs (one file per GPU)",
      x: "x",
      xTitle: "GPUs in the CSV (log scale)",
      panels: [
        { field: "rows_per_s", title: "rows/s" },
        { field: "collect_cpu_us_per_row", title: "broker,collect CPU per row, µs" },
        { field: "fdatasync_per_row", title: "broker,collect fdatasync calls per row" },
        { field: "openat_per_row", title: "broker,collect openat calls per row" },
      ],
    },
    points,
  };
}

/** Total rows/s with 1, 2, 4, 10 streamers (one collector) and 1, 2, 4, 10 collectors (one streamer). */
export async function pipelineScaleCurve(mode: Mode): Promise<CurveRun> {
  const s = { ...SIZES[mode], rows: SCALE_ROWS[mode] };
  const root = await Deno.makeTempDir({ prefix: "gputel-curve-scale-" });
  const points: Point[] = [];
  const gpus = 1_000;
  try {
    // One CSV per possible streamer: different seeds, so different GPUs.
    const most = Math.max(...s.counts);
    const csvs: string[] = [];
    for (let i = 0; i < most; i++) {
      csvs.push(join(root, `s${i}.csv`));
      await writeDcgmCsv(csvs[i], { gpus: gpus / most, rows: s.rows / most, seed: i + 1 });
    }
    // 1 streamer + 1 collector starts both series: measured once, drawn in both.
    const layouts = [
      ...s.counts.map((n) => ({ x: n, streamers: n, collectors: 1 })),
      ...s.counts.filter((n) => n > 1).map((n) => ({ x: n, streamers: 1, collectors: n })),
    ];
    for (const l of layouts) {
      const dir = join(root, `${l.streamers}x${l.collectors}`);
      // The same rows in every layout: each streamer takes an equal share of the files.
      const mine = Array.from({ length: l.streamers }, () => [] as string[]);
      csvs.forEach((c, i) => mine[i % l.streamers].push(c));
      const joined: string[] = [];
      for (const [i, files] of mine.entries()) {
        joined.push(join(root, `joined-${l.streamers}-${i}.csv`));
        await concatCsvs(files, joined[i]);
      }
      const m = await runPipeline({
        csvs: joined,
        rows: s.rows,
        collectors: l.collectors,
        combined: false,
        partitions: 20,
        dir,
      });
      if (l.collectors === 1) points.push(pointOf("streamers (1 collector)", l.x, s.rows, m));
      if (l.streamers === 1) points.push(pointOf("collectors (1 streamer)", l.x, s.rows, m));
      await Deno.remove(dir, { recursive: true });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
  return {
    curve: "pipeline_scale",
    method: `${s.rows.toLocaleString("en-US")} rows over ${gpus} GPUs in every layout, split ` +
      "evenly between the streamers (`gputel stream --rate 0`, one process each); one `gputel " +
      "broker` process (fsync always, 20 partitions so 1, 2, 4 and 10 collectors get equal " +
      "shares); N `gputel collect` processes in one group, each with its own data dir. Rows/s " +
      "from the streamers' spawn until the collectors together count every row. " + NOTE,
    chart: {
      title: "Pipeline rows/s with more streamers or more collectors (2 shared cores)",
      x: "x",
      xTitle: "processes of that role (log scale)",
      panels: [
        { field: "rows_per_s", title: "rows/s (all together)" },
        { field: "cpu_us_per_row", title: "CPU per row, all processes, µs" },
        { field: "cpu_pct_ours", title: "CPU of the run's processes, % of one core" },
        { field: "collect_rss_mib", title: "largest collector peak RSS, MiB" },
      ],
    },
    points,
  };
}

/** Writes the CSVs `files` as one (one header, every data row). */
async function concatCsvs(files: string[], out: string): Promise<void> {
  let text = "";
  for (const [i, f] of files.entries()) {
    const body = await Deno.readTextFile(f);
    text += i === 0 ? body : body.slice(body.indexOf("\n") + 1);
  }
  await Deno.writeTextFile(out, text);
}
