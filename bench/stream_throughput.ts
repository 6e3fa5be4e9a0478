/**
 * Benchmark of `gputel stream` at `--rate 0`: rows/s of parsing + publishing
 * a generated DCGM CSV into a real spawned broker, and the streamer's peak
 * RSS (VmHWM of the spawned stream process, polled from /proc). Not a test:
 * run it by hand and write the figures down with the machine and date.
 *
 * ```sh
 * deno task bench-stream                      # 2,000,000 rows (~890 MB, generated)
 * deno task bench-stream --rows 200000        # a quicker run
 * deno task bench-stream --csv big.csv        # an existing file
 * deno task bench-stream --cpu-prof DIR       # also write a V8 CPU profile of the streamer
 * deno task bench-stream -- --buffer 20000    # extra flags for the streamer
 * deno task bench-stream --downstream broker,collect   # a slower downstream
 * deno task bench-stream --v8-flags none      # the streamer without the binary's V8 flags
 * ```
 *
 * Each run also times `bench/floor.ts` (read, split, JSON-wrap, append; one
 * process) on the same file first, and reports the streamer as a ratio of it.
 *
 * The broker gets a `--max-topic-bytes` larger than the file, so its memory
 * bound never holds the streamer back; it exits when the stream is done.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { freePort } from "../tests/_helpers.ts";
import { GPUTEL_RUNTIME_FLAGS, waitForPort } from "./_procs.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

interface BenchArgs {
  rows: number;
  csv?: string;
  cpuProf?: string;
  /** The role(s) the streamer publishes into: `broker`, or `broker,collect` (slower downstream). */
  downstream: "broker" | "broker,collect";
  /** Run the streamer without the binary's V8 flags. */
  bareV8: boolean;
  /** Extra stream flags, after `--`. */
  streamFlags: string[];
}

function parseArgs(all: string[]): BenchArgs {
  const dashes = all.indexOf("--");
  const args = dashes < 0 ? all : all.slice(0, dashes);
  const out: BenchArgs = {
    rows: 2_000_000,
    downstream: "broker",
    bareV8: false,
    streamFlags: dashes < 0 ? [] : all.slice(dashes + 1),
  };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (value === undefined) throw new RangeError(`${flag} needs a value`);
    if (flag === "--rows") out.rows = Number(value);
    else if (flag === "--csv") out.csv = value;
    else if (flag === "--cpu-prof") out.cpuProf = value;
    else if (flag === "--downstream" && (value === "broker" || value === "broker,collect")) {
      out.downstream = value;
    } else if (flag === "--v8-flags" && (value === "binary" || value === "none")) {
      out.bareV8 = value === "none";
    } else {
      throw new RangeError(
        `unknown flag or value ${flag} ${value} (expected --rows N, --csv FILE, --cpu-prof DIR, ` +
          "--downstream broker|broker,collect, --v8-flags binary|none)",
      );
    }
  }
  if (!Number.isSafeInteger(out.rows) || out.rows < 1) {
    throw new RangeError(`rows must be a positive integer, got ${out.rows}`);
  }
  return out;
}

/** Peak resident set size of `pid` in bytes, or undefined once it is gone. */
function peakRss(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function gputel(args: string[], denoFlags: string[] = [], bareV8 = false): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      // The same V8 flags compile.sh builds the binary with, unless asked not to.
      ...(bareV8 ? [] : GPUTEL_RUNTIME_FLAGS),
      ...denoFlags,
      "main.ts",
      ...args,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

/** Rows/s of bench/floor.ts over `csv` (its output removed after). */
async function floorRate(csv: string, out: string): Promise<number> {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "bench/floor.ts", "--csv", csv, "--out", out],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!run.success) throw new Error("bench/floor.ts failed");
  await Deno.remove(out);
  const d = JSON.parse(new TextDecoder().decode(run.stdout)) as {
    rows: number;
    start: number;
    end: number;
  };
  return d.rows / ((d.end - d.start) / 1000);
}

function machine(): string {
  const cpu = /model name\s*:\s*(.+)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1];
  return `${
    cpu ?? "unknown CPU"
  }, ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}`;
}

async function main(): Promise<void> {
  const args = parseArgs(Deno.args);
  const dir = await Deno.makeTempDir({ prefix: "gputel-bench-stream-" });
  try {
    const csv = args.csv ?? `${dir}/dcgm.csv`;
    if (!args.csv) {
      const gen = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "src/cli/gen_data.ts", "--rows", String(args.rows), "--out", csv],
        cwd: ROOT,
        stdout: "null",
      }).output();
      if (!gen.success) throw new Error("gen-data failed");
    }
    const size = (await Deno.stat(csv)).size;
    // The floor (bench/floor.ts: read, split, JSON-wrap, append) on the same
    // file in the same run, so the streamer is reported as a ratio of it.
    const floor = await floorRate(csv, `${dir}/floor.jsonl`);
    const port = freePort();
    const broker = gputel([
      args.downstream,
      ...["--port", String(port), "--admin-port", String(freePort())],
      ...["--data-dir", `${dir}/data`, "--max-topic-bytes", String(Math.max(256 << 20, size * 2))],
      ...(args.downstream === "broker,collect" ? ["--api-port", String(freePort())] : []),
    ]);
    const brokerOut = text(broker.stderr);
    broker.stdout.cancel();
    try {
      await waitForPort(port);
      const started = performance.now();
      const stream = gputel(
        [
          ...["stream", "--csv", csv, "--broker", `127.0.0.1:${port}`, "--rate", "0", "--no-loop"],
          ...args.streamFlags,
        ],
        args.cpuProf ? [`--cpu-prof`, `--cpu-prof-dir=${args.cpuProf}`] : [],
        args.bareV8,
      );
      const out = text(stream.stderr);
      stream.stdout.cancel();
      let peak = 0;
      const poll = setInterval(() => peak = Math.max(peak, peakRss(stream.pid) ?? 0), 20);
      const status = await stream.status;
      clearInterval(poll);
      const seconds = (performance.now() - started) / 1000;
      const log = await out;
      const confirmed = Number(/stream finished .*confirmed=(\d+)/.exec(log)?.[1] ?? NaN);
      if (!status.success) throw new Error(`stream exited ${status.code}:\n${log}`);
      console.log(JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: machine(),
          file: { path: args.csv ?? "generated", bytes: size },
          downstream: args.downstream,
          v8_flags: args.bareV8 ? "none" : GPUTEL_RUNTIME_FLAGS.join(" "),
          stream_flags: args.streamFlags,
          confirmed,
          seconds: Number(seconds.toFixed(2)),
          rows_per_s: Math.round(confirmed / seconds),
          floor_rows_per_s: Math.round(floor),
          vs_floor: Number((confirmed / seconds / floor).toFixed(2)),
          stream_peak_rss_mb: Number((peak / 2 ** 20).toFixed(1)),
        },
        null,
        2,
      ));
    } finally {
      broker.kill("SIGTERM");
      await broker.status;
      await brokerOut;
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
