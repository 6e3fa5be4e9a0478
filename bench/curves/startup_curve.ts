/**
 * Broker startup time against the size of its persisted log (1 GB → 20 GB
 * in full mode): a log built with the broker's own storage code
 * (`_broker_log.ts`), then a real `gputel broker` started on it, timed from
 * spawn until it accepts connections. Its `/proc/<pid>/io` read counters
 * at that moment show how much of the log it read; its `/stats` must count
 * every message of the log.
 *
 * @module
 */
import { join } from "node:path";
import { freePort, Proc } from "../_procs.ts";
import { percentile } from "../_stats.ts";
import { acceptsWithin } from "./_accepts.ts";
import { BrokerLog, LOG_TOPIC } from "./_broker_log.ts";
import type { CurveRun, Mode, Point } from "./_report.ts";

const SIZES: Record<Mode, { gb: number[]; reps: number }> = {
  smoke: { gb: [0.01, 0.05], reps: 1 },
  quick: { gb: [0.25, 1, 2, 4], reps: 3 },
  full: { gb: [1, 2, 5, 10, 20], reps: 3 },
};

/** What one start measured. */
interface Start {
  ms: number;
  readMb: number;
  rssMib: number;
  messages: number;
}

/** Drops the page cache of every file under `dir` (only these files: `dd iflag=nocache`). */
async function evict(dir: string): Promise<void> {
  const script = `find "$1" -type f -exec dd if={} iflag=nocache count=0 status=none \\;`;
  const out = await new Deno.Command("sh", { args: ["-c", script, "sh", dir] }).output();
  if (!out.success) throw new Error(`evicting ${dir} from the page cache failed`);
}

/** Starts a broker on `dataDir`, times it, reads its counters and stops it cleanly. */
async function startOnce(dataDir: string): Promise<Start> {
  const [port, admin] = [freePort(), freePort()];
  const t0 = performance.now();
  const proc = Proc.deno("broker", "main.ts", [
    ...["broker", "--port", String(port), "--admin-port", String(admin), "--data-dir", dataDir],
  ]);
  try {
    await acceptsWithin(port, proc, 300_000);
    const ms = performance.now() - t0;
    const pid = proc.child.pid;
    const io = await Deno.readTextFile(`/proc/${pid}/io`);
    const rchar = Number(/^rchar: (\d+)/m.exec(io)?.[1]);
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    await acceptsWithin(admin, proc, 30_000);
    const stats = await (await fetch(`http://127.0.0.1:${admin}/stats`)).json();
    const topic = stats.topics.find((t: { name: string }) => t.name === LOG_TOPIC);
    const messages = (topic?.partitions ?? []).reduce(
      (n: number, p: { messages: number }) => n + p.messages,
      0,
    );
    return { ms, readMb: rchar / 1e6, rssMib: rssKb / 1024, messages };
  } finally {
    await proc.stop();
  }
}

/** The median start of `reps` (each after `before`), checking the log's message count. */
async function measure(
  series: string,
  x: number,
  dataDir: string,
  reps: number,
  expected: number,
  before: () => Promise<void>,
): Promise<Point> {
  const starts: Start[] = [];
  for (let i = 0; i < reps; i++) {
    await before();
    starts.push(await startOnce(dataDir));
  }
  for (const s of starts) {
    if (s.messages !== expected) {
      throw new Error(
        `${series}: broker counted ${s.messages} messages, the log holds ${expected}`,
      );
    }
  }
  const med = (f: (s: Start) => number) => Math.round(percentile(starts.map(f), 50) * 10) / 10;
  const p: Point = {
    series,
    x,
    startup_ms: med((s) => s.ms),
    startup_ms_all: starts.map((s) => Math.round(s.ms)).join(", "),
    read_mb: med((s) => s.readMb),
    rss_mib: med((s) => s.rssMib),
  };
  console.error(`curves: startup ${JSON.stringify(p)}`);
  return p;
}

/** Startup time, bytes read and RSS against the log's size. */
export async function brokerStartupCurve(mode: Mode): Promise<CurveRun> {
  const { gb, reps } = SIZES[mode];
  const root = await Deno.makeTempDir({ prefix: "gputel-startup-" });
  const empty = join(root, "empty");
  const log = new BrokerLog(join(root, "log"));
  const points: Point[] = [];
  try {
    await Deno.mkdir(empty);
    for (const size of gb) {
      const t = performance.now();
      await log.growTo(size * 1e9);
      const built = ((performance.now() - t) / 1000).toFixed(1);
      console.error(`curves: startup: log grown to ${log.bytes / 1e9} GB in ${built} s`);
      const x = Math.round(log.bytes / 1e7) / 100; // GB
      const messages = log.messages;
      const clean = join(log.dataDir, "broker", "clean");
      const noop = () => Promise.resolve();
      points.push(await measure("empty log (baseline)", x, empty, reps, 0, noop));
      points.push(
        await measure("clean stop, page cache warm", x, log.dataDir, reps, messages, noop),
      );
      points.push(
        await measure(
          "clean stop, page cache dropped",
          x,
          log.dataDir,
          reps,
          messages,
          () => evict(log.dataDir),
        ),
      );
      points.push(
        await measure(
          "crash (no clean marker), cache dropped",
          x,
          log.dataDir,
          reps,
          messages,
          () => Deno.remove(clean).catch(() => {}).then(() => evict(log.dataDir)),
        ),
      );
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
  return {
    curve: "broker_startup",
    method: "`BrokerLog` (bench/curves/_broker_log.ts) appends real batches (1,000 × 256-byte " +
      "messages, 256 keys) through `BrokerStorage` (the broker's own segment writer, 64 MiB " +
      "segments, 8 partitions, policy `always` but nothing awaits a sync until the close); the log grows between points. Each " +
      "point is the median of " + reps + " starts of `deno run main.ts broker` (the binary's V8 " +
      "flags), from spawn until a TCP connect succeeds (polled every 2 ms): Deno's own start is in " +
      "every figure, which the empty-log series shows. `read_mb` is the process's rchar (bytes " +
      "read through syscalls) at that moment. Cache dropped: `dd iflag=nocache count=0` on each " +
      "file of the log (only those files). Crash: the clean marker removed before the start.",
    chart: {
      title: "Broker startup vs persisted log size",
      x: "x",
      xTitle: "log size, GB (log scale)",
      panels: [
        { field: "startup_ms", title: "spawn → accepting, ms" },
        { field: "read_mb", title: "bytes read at startup, MB" },
      ],
    },
    points,
  };
}
