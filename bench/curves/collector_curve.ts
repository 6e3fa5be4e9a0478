/**
 * A collector started on a large stored state: its startup time, RSS and
 * query latency against the records it holds (1M → 50M in full mode) and
 * against the GPUs they belong to (100 → 10,000). The state is built with
 * the collector's own store (`_collector_state.ts`); then a real
 * `gputel collect` (beside an empty `gputel broker`) is started on it and
 * queried over HTTP.
 *
 * @module
 */
import { join } from "node:path";
import { freePort, Proc, startBroker } from "../_procs.ts";
import { percentile } from "../_stats.ts";
import { CollectorState, gpuKey, STATE_T0 } from "./_collector_state.ts";
import { acceptsWithin } from "./_accepts.ts";
import { INDEX_SNAPSHOT_FILE_NAME } from "../../src/collect/index_snapshot.ts";
import type { CurveRun, Mode, Point } from "./_report.ts";

const SIZES: Record<
  Mode,
  { records: number[]; gpusAt: number; gpus: number[]; each: number; q: number }
> = {
  smoke: { records: [2_000, 6_000], gpusAt: 10, gpus: [10, 50], each: 2_000, q: 5 },
  quick: {
    records: [100_000, 1_000_000, 3_000_000],
    gpusAt: 1_000,
    gpus: [100, 1_000, 10_000],
    each: 200_000,
    q: 100,
  },
  full: {
    records: [1_000_000, 10_000_000, 50_000_000],
    gpusAt: 1_000,
    gpus: [100, 1_000, 10_000],
    each: 1_000_000,
    q: 200,
  },
};
const HOUR = 3_600_000;
/** A full-scan start predicted to take longer than this is not run. */
const MAX_SCAN_MS = 5 * 60_000;

/**
 * Why a state of `n` records is not built and measured, or `undefined`:
 * this machine is shared, and a collector whose RSS, extrapolated from the
 * last two points (in proportion to the records from one), would take over a
 * quarter of what is free is not started.
 */
function tooBig(points: Point[], n: number): string | undefined {
  const [a, b] = points.slice(-2);
  const last = b ?? a;
  if (last === undefined) return undefined;
  const rss = (p: Point) => Number(p.rss_mib) * 1048576;
  const predicted = b === undefined
    ? rss(a) * n / Number(a.records)
    : rss(b) + Math.max(0, rss(b) - rss(a)) * (n - Number(b.records)) /
        (Number(b.records) - Number(a.records));
  const budget = Deno.systemMemoryInfo().available / 4;
  if (predicted <= budget) return undefined;
  return `at the growth measured so far its RSS would be ~${(predicted / 1e9).toFixed(1)} GB, ` +
    `over a quarter of the ${(budget * 4 / 1e9).toFixed(1)} GB available`;
}

/** p50/p99 of `n` GETs (after 5 warm-up requests), ms. */
async function latency(api: number, path: () => string, n: number) {
  const times: number[] = [];
  for (let i = 0; i < n + 5; i++) {
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${api}${path()}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${path()}: HTTP ${res.status}`);
    if (i >= 5) times.push(performance.now() - t);
  }
  const r = (p: number) => Math.round(percentile(times, p) * 100) / 100;
  return { p50: r(50), p99: r(99) };
}

/**
 * How a start finds its indexes: from the time index snapshot the state's
 * last store wrote at close, or with it moved aside: every line scanned
 * (what every start did before the snapshot existed).
 */
type StartKind = "snapshot" | "full scan";

/** Starts a collector on `state`, measures it, stops it. */
async function measure(
  series: string,
  x: number,
  state: CollectorState,
  root: string,
  q: number,
  kind: StartKind,
) {
  const snapshot = join(state.dir, INDEX_SNAPSHOT_FILE_NAME);
  if (kind === "full scan") await Deno.rename(snapshot, snapshot + ".aside");
  const broker = await startBroker(join(root, "broker"));
  const api = freePort();
  const t0 = performance.now();
  const proc = Proc.deno("collect", "main.ts", [
    ...["collect", "--broker", `127.0.0.1:${broker.port}`, "--data-dir", root, "--id", "c1"],
    ...["--api-port", String(api)],
  ]);
  try {
    await acceptsWithin(api, proc, 900_000);
    const startup = performance.now() - t0;
    const rssAfterStart = await rssMib(proc);
    const readMib = await readMibOf(proc);
    const stats = await (await fetch(`http://127.0.0.1:${api}/stats`)).json();
    const span = state.newestMs - STATE_T0;
    const window = () => {
      const start = STATE_T0 + Math.floor(Math.random() * Math.max(1, span - HOUR));
      const gpu = gpuKey(Math.floor(Math.random() * state.gpus));
      const s = new Date(start).toISOString();
      const e = new Date(start + HOUR).toISOString();
      return `/api/v1/gpus/${gpu}/telemetry?start_time=${s}&end_time=${e}`;
    };
    const telemetry = await latency(api, window, q);
    const gpus = await latency(api, () => "/api/v1/gpus", Math.max(5, q / 4));
    const p: Point = {
      series,
      x,
      records: state.records,
      gpus: state.gpus,
      start: kind,
      startup_ms: Math.round(startup),
      read_at_start_mib: readMib,
      index_mib: mib(stats.recovered_index_bytes),
      scanned_mib: mib(stats.recovered_scanned_bytes),
      rss_mib: rssAfterStart,
      peak_rss_mib: Math.round((await proc.peakRssKiB()) / 1024),
      window_p50_ms: telemetry.p50,
      window_p99_ms: telemetry.p99,
      gpus_p50_ms: gpus.p50,
      gpus_p99_ms: gpus.p99,
      records_seen: stats.records_total ?? null,
    };
    console.error(`curves: collector ${JSON.stringify(p)}`);
    return p;
  } finally {
    await proc.stop();
    await broker.proc.stop();
    await Deno.remove(join(root, "broker"), { recursive: true }).catch(() => {});
    // The state as its builder left it (a full-scan start wrote a snapshot of its own at close).
    if (kind === "full scan") await Deno.rename(snapshot + ".aside", snapshot);
  }
}

const mib = (bytes: unknown) => Math.round(Number(bytes ?? NaN) / 104857.6) / 10;

// Bytes the process read through read(2) and friends so far (/proc/pid/io rchar), MiB.
async function readMibOf(proc: Proc): Promise<number> {
  const io = await Deno.readTextFile(`/proc/${proc.child.pid}/io`);
  return mib(/rchar:\s+(\d+)/.exec(io)?.[1]);
}

async function rssMib(proc: Proc): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${proc.child.pid}/status`);
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024);
}

/** Builds (growing one state) and measures each size; `build` notes how long each took. */
async function curve(
  mode: Mode,
  byRecords: boolean,
): Promise<{ points: Point[]; build: string[] }> {
  const s = SIZES[mode];
  const points: Point[] = [];
  const build: string[] = [];
  const root = await Deno.makeTempDir({ prefix: "gputel-curve-collector-" });
  try {
    if (byRecords) {
      const state = new CollectorState(join(root, "c1"), s.gpusAt);
      const series = (kind: StartKind) => `${s.gpusAt.toLocaleString("en-US")} GPUs, ${kind}`;
      for (const n of s.records) {
        const skip = tooBig(points.filter((p) => p.start === "snapshot"), n);
        if (skip !== undefined) {
          build.push(`${n.toLocaleString("en-US")} not run: ${skip}`);
          break;
        }
        const t = performance.now();
        await state.growTo(n);
        build.push(
          `${n.toLocaleString("en-US")} in ${((performance.now() - t) / 1000).toFixed(0)} s`,
        );
        points.push(await measure(series("snapshot"), n, state, root, s.q, "snapshot"));
        const scans = points.filter((p) => p.start === "full scan");
        const last = scans.at(-1);
        const predicted = last ? Number(last.startup_ms) * n / Number(last.records) : 0;
        if (predicted > MAX_SCAN_MS) {
          build.push(
            `the full-scan start at ${n.toLocaleString("en-US")} not run: at the ` +
              `${(Number(last!.startup_ms) * 1000 / Number(last!.records)).toFixed(1)} µs per ` +
              `record measured it would take ~${(predicted / 60_000).toFixed(0)} min`,
          );
        } else {
          points.push(await measure(series("full scan"), n, state, root, s.q, "full scan"));
        }
      }
    } else {
      for (const g of s.gpus) {
        const dir = join(root, "c1");
        const state = new CollectorState(dir, g);
        const t = performance.now();
        await state.growTo(s.each);
        build.push(`${g} GPUs in ${((performance.now() - t) / 1000).toFixed(0)} s`);
        for (const kind of ["snapshot", "full scan"] as const) {
          const series = `${s.each.toLocaleString("en-US")} records, ${kind}`;
          points.push(await measure(series, g, state, root, s.q, kind));
        }
        await Deno.remove(dir, { recursive: true });
      }
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
  return { points, build };
}

const METHOD = "The state is written with `CollectorStore.write` (the collector's own store: " +
  "journal, one JSONL file per GPU, KV checkpoint; batches of 20,000, fsync off), one record " +
  "per GPU per second, round-robin over the GPUs (bench/curves/_collector_state.ts). Then a real " +
  "`gputel collect` (default flags, the binary's V8 flags) starts on it beside an empty " +
  "`gputel broker`; startup is spawn → API accepting; RSS is VmRSS right after, peak RSS VmHWM " +
  "after the queries; queries go over HTTP one at a time: a 1-hour window of a random GPU at a " +
  "random time (first page) and `/api/v1/gpus`, after 5 warm-up requests.";

/** Collector RSS, startup and query latency against stored records. */
export async function collectorRecordsCurve(mode: Mode): Promise<CurveRun> {
  const { points, build } = await curve(mode, true);
  return {
    curve: "collector_records",
    method: `${METHOD} Building took (the state grows between points): ${build.join(", ")}.`,
    chart: {
      title: "Collector vs stored records",
      x: "x",
      xTitle: "stored records (log scale)",
      panels: [
        { field: "rss_mib", title: "RSS after start, MiB" },
        { field: "window_p99_ms", title: "1 h window query p99, ms" },
        { field: "startup_ms", title: "startup (spawn → API), ms", log: true },
      ],
    },
    points,
  };
}

/** Collector RSS, startup and query latency against GPUs (same records). */
export async function collectorGpusCurve(mode: Mode): Promise<CurveRun> {
  const { points, build } = await curve(mode, false);
  return {
    curve: "collector_gpus",
    method: `${METHOD} Building took: ${build.join(", ")}.`,
    chart: {
      title: "Collector vs GPUs (same number of records)",
      x: "x",
      xTitle: "GPUs (log scale)",
      panels: [
        { field: "rss_mib", title: "RSS after start, MiB" },
        { field: "window_p99_ms", title: "1 h window query p99, ms" },
        { field: "gpus_p99_ms", title: "/api/v1/gpus p99, ms" },
      ],
    },
    points,
  };
}
