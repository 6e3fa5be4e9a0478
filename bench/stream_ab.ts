/**
 * Before/after of `gputel stream` alone in one script run: two checkouts
 * (say `git worktree add /tmp/before main`) alternate, `--pairs` times, each
 * round streaming the same CSV at `--rate 0` into a fresh broker (always the
 * `--after` checkout's, so only the streamer differs). Per round: rows/s,
 * CPU µs per row, peak RSS (VmHWM), and what the RSS was made of at its
 * highest sample (`Deno.memoryUsage()` every 200 ms through
 * `bench/_mem_probe.ts`: V8 heap, external buffers, the rest native).
 *
 * ```sh
 * deno run -A bench/stream_ab.ts --before /tmp/before --after . --csv 2M.csv --pairs 2
 * deno run -A bench/stream_ab.ts … --downstream broker,collect --v8-flags none --json ab.json
 * deno run -A bench/stream_ab.ts … -- --buffer 20000   # extra flags for both streamers
 * deno run -A bench/stream_ab.ts --before . --after . --csv 2M.csv \
 *   --after-flags "--workers 1" --after-v8 "--max-semi-space-size=8"   # one checkout, two settings
 * ```
 *
 * `--before-flags`/`--after-flags` add stream flags to one side (space-separated);
 * `--before-v8`/`--after-v8` replace that side's V8 flags (`none` for none).
 *
 * Not a test: write the figures down with the machine, the date and `uptime`.
 *
 * @module
 */
import { resolve } from "node:path";
import { arg } from "./_stats.ts";
import { CLK_TCK, procStat } from "./_proc_stat.ts";
import { freePort, GPUTEL_RUNTIME_FLAGS, waitForPort } from "./_procs.ts";

const dashes = Deno.args.indexOf("--");
const own = dashes < 0 ? Deno.args : Deno.args.slice(0, dashes);
const streamFlags = dashes < 0 ? [] : Deno.args.slice(dashes + 1);
const trees = { before: resolve(arg(own, "before")), after: resolve(arg(own, "after")) };
const csv = resolve(arg(own, "csv"));
const pairs = Number(arg(own, "pairs", "2"));
const downstream = arg(own, "downstream", "broker");
const bareV8 = arg(own, "v8-flags", "binary") === "none";
const jsonFile = own.includes("--json") ? arg(own, "json") : undefined;
const sideFlags = (side: string) =>
  own.includes(`--${side}-flags`) ? arg(own, `${side}-flags`).split(" ").filter(Boolean) : [];
const sideV8 = (side: string): string[] => {
  if (!own.includes(`--${side}-v8`)) return bareV8 ? [] : GPUTEL_RUNTIME_FLAGS;
  const v8 = arg(own, `${side}-v8`);
  return v8 === "none" ? [] : [`--v8-flags=${v8}`];
};
const sides = {
  before: { flags: sideFlags("before"), v8: sideV8("before") },
  after: { flags: sideFlags("after"), v8: sideV8("after") },
};
if (downstream !== "broker" && downstream !== "broker,collect") {
  throw new RangeError(`--downstream must be broker or broker,collect, got ${downstream}`);
}

/** One streamer round. */
interface Round {
  tree: string;
  pair: number;
  confirmed: number;
  seconds: number;
  rows_per_s: number;
  cpu_us_per_row: number;
  peak_rss_mb: number;
  /** `Deno.memoryUsage()` at the sample with the highest RSS, MB. */
  at_peak: { rss: number; heap_total: number; heap_used: number; external: number; native: number };
  max_heap_used_mb: number;
  max_external_mb: number;
}

const mb = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));

function deno(cwd: string, args: string[], v8: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", ...v8, ...args],
    cwd,
    stdout: "null",
    stderr: "piped",
    stdin: "null",
  }).spawn();
}

async function round(
  tree: string,
  name: "before" | "after",
  pair: number,
  dir: string,
): Promise<Round> {
  const port = freePort();
  const size = (await Deno.stat(csv)).size;
  const broker = deno(trees.after, [
    "main.ts",
    downstream,
    ...["--port", String(port), "--admin-port", String(freePort())],
    ...["--data-dir", `${dir}/data-${name}-${pair}`],
    ...["--max-topic-bytes", String(Math.max(256 << 20, size * 2))],
    ...(downstream === "broker,collect" ? ["--api-port", String(freePort())] : []),
  ], GPUTEL_RUNTIME_FLAGS);
  const brokerErr = new Response(broker.stderr).text();
  try {
    await waitForPort(port);
    const samples = `${dir}/mem-${name}-${pair}.jsonl`;
    const started = performance.now();
    const stream = deno(tree, [
      `${trees.after}/bench/_mem_probe.ts`,
      samples,
      `${tree}/main.ts`,
      ...["stream", "--csv", csv, "--broker", `127.0.0.1:${port}`, "--rate", "0", "--no-loop"],
      ...streamFlags,
      ...sides[name].flags,
    ], sides[name].v8);
    const log = new Response(stream.stderr).text();
    let last = procStat(stream.pid);
    const poll = setInterval(() => {
      try {
        const now = procStat(stream.pid);
        if (Number.isFinite(now.hwmKb)) last = now; // a zombie's status has no VmHWM
      } catch { /* gone */ }
    }, 20);
    const status = await stream.status;
    clearInterval(poll);
    const seconds = (performance.now() - started) / 1000;
    const text = await log;
    if (!status.success) throw new Error(`${name} stream exited ${status.code}:\n${text}`);
    const confirmed = Number(/stream finished .*confirmed=(\d+)/.exec(text)?.[1] ?? NaN);
    const mem = (await Deno.readTextFile(samples)).trim().split("\n").map((l) =>
      JSON.parse(l) as Deno.MemoryUsage
    );
    const top = mem.reduce((a, b) => (b.rss > a.rss ? b : a));
    return {
      tree: name,
      pair,
      confirmed,
      seconds: Number(seconds.toFixed(2)),
      rows_per_s: Math.round(confirmed / seconds),
      cpu_us_per_row: Number((last.ticks / CLK_TCK / confirmed * 1e6).toFixed(2)),
      peak_rss_mb: mb(last.hwmKb * 1024),
      at_peak: {
        rss: mb(top.rss),
        heap_total: mb(top.heapTotal),
        heap_used: mb(top.heapUsed),
        external: mb(top.external),
        native: mb(top.rss - top.heapTotal - top.external),
      },
      max_heap_used_mb: mb(Math.max(...mem.map((m) => m.heapUsed))),
      max_external_mb: mb(Math.max(...mem.map((m) => m.external))),
    };
  } finally {
    broker.kill("SIGTERM");
    await broker.status;
    await brokerErr;
  }
}

const dir = await Deno.makeTempDir({ prefix: "gputel-stream-ab-" });
const rounds: Round[] = [];
try {
  for (let pair = 1; pair <= pairs; pair++) {
    for (const name of ["before", "after"] as const) {
      const tree = trees[name];
      const r = await round(tree, name, pair, dir);
      rounds.push(r);
      const p = r.at_peak;
      console.log(
        `${name} ${pair}: ${r.rows_per_s} rows/s, ${r.cpu_us_per_row} CPU µs/row, peak RSS ` +
          `${r.peak_rss_mb} MB (at the top sample: heap ${p.heap_used}/${p.heap_total}, external ` +
          `${p.external}, native ${p.native}; max heap used ${r.max_heap_used_mb}, max external ` +
          `${r.max_external_mb})`,
      );
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
if (jsonFile) {
  const load = (await Deno.readTextFile("/proc/loadavg")).trim();
  await Deno.writeTextFile(
    jsonFile,
    JSON.stringify(
      { date: new Date().toISOString(), csv, downstream, streamFlags, trees, sides, load, rounds },
      null,
      2,
    ) + "\n",
  );
}
