/**
 * End to end: a generated DCGM CSV streamed at `--rate 0` through broker and
 * collector into JSONL (two processes, so the roles use both cores), beside
 * the direct baseline and the floor (`floor.ts`), in the same run.
 *
 * @module
 */
import { type BenchResult, round, skipped } from "./_result.ts";
import { freePort, onPath, Proc, ROOT, startNatsServer, waitForPort } from "./_procs.ts";

/** Generates a DCGM CSV of `rows` rows over `hosts` hosts (8 GPUs each) in `dir`. */
export async function generateCsv(dir: string, rows: number, hosts = 32): Promise<string> {
  const out = `${dir}/dcgm.csv`;
  const gen = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "src/cli/gen_data.ts",
      "--rows",
      String(rows),
      "--hosts",
      String(hosts),
      "--out",
      out,
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!gen.success) throw new Error("gen-data failed");
  return out;
}

async function storedLines(dir: string): Promise<number> {
  let n = 0;
  const walk = async (d: string): Promise<void> => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory) await walk(`${d}/${e.name}`);
      else if (e.name.endsWith(".jsonl")) {
        const bytes = await Deno.readFile(`${d}/${e.name}`);
        for (const b of bytes) if (b === 10) n++;
      }
    }
  };
  await walk(dir).catch(() => {});
  return n;
}

async function storedRecords(apiPort: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/stats`);
  return (await res.json() as { records_total: number }).records_total;
}

/** What {@linkcode benchPipeline} runs. */
export interface PipelineOptions {
  /** Rows of the generated CSV. */
  rows: number;
  /** Hosts of the generated CSV, 8 GPUs each. */
  hosts: number;
  /** Rounds of floor, direct and pipeline, one after another; each row reports its median. */
  reps: number;
  /** Also stream through a nats-server (JetStream). */
  nats: boolean;
}

/** One run: rows/s, and CPU time per row (all processes, user + system). */
interface Run {
  rate: number;
  cpuUs: number;
  /** CPU µs per row of each process, when there are several. */
  parts?: string;
}

type Runs = Record<"floor" | "direct" | "pipeline" | "jetstream", Run[]>;

/**
 * CSV → JSONL rows/s: the floor (read, split, JSON-wrap, append; one
 * process), the direct baseline (CSV → records → JSONL store; one process)
 * and CSV → broker → collector → JSONL, over JetStream too when `nats`. They
 * run in rounds, one after another, so each sees the same machine; each row
 * is its median and says how many times the floor it is, round by round.
 */
export async function benchPipeline(o: PipelineOptions): Promise<BenchResult[]> {
  const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-" });
  const withNats = o.nats && await onPath("nats-server");
  try {
    const csv = await generateCsv(dir, o.rows, o.hosts);
    const rates: Runs = { floor: [], direct: [], pipeline: [], jetstream: [] };
    for (let i = 0; i < o.reps; i++) {
      const at = `${dir}/${i}`;
      await Deno.mkdir(at);
      rates.floor.push(await oneProcessRate("floor", csv, ["--out", `${at}/floor.jsonl`]));
      rates.direct.push(await oneProcessRate("direct", csv, ["--dir", `${at}/direct`]));
      rates.pipeline.push(await pipelineRate(csv, `${at}/pipe`, o.rows, false));
      if (withNats) rates.jetstream.push(await pipelineRate(csv, `${at}/js`, o.rows, true));
      await Deno.remove(at, { recursive: true });
    }
    const scenario = `CSV → JSONL, ${o.rows} rows, ${o.hosts * 8} GPUs`;
    const rateOf = (runs: Run[]) => medianOf(runs.map((r) => r.rate));
    const row = (system: string, runs: Run[]): BenchResult & PipelineRow => {
      const ratios = runs.map((r, i) => round(r.rate / rates.floor[i].rate));
      const vsFloor = medianOf(ratios);
      const cpuUs = medianOf(runs.map((r) => r.cpuUs));
      const cpuVsFloor = round(medianOf(rates.floor.map((r) => r.cpuUs)) / cpuUs);
      const all = `runs: ${
        runs.map((r) => Math.round(r.rate).toLocaleString("en-US")).join(", ")
      }; CPU µs/row: ${runs.map((r) => r.parts ?? round(r.cpuUs)).join(", ")}`;
      const vsDirect = system === DIRECT_SYSTEM
        ? ""
        : `, ${round(rateOf(runs) / rateOf(rates.direct))}× direct`;
      const note = system === FLOOR_SYSTEM
        ? all
        : `${vsFloor}× the floor (each run: ${ratios.join(", ")})${vsDirect}; ` +
          `by CPU per row ${cpuVsFloor}× the floor; ${all}`;
      return {
        scenario,
        system,
        msgs_per_s: Math.round(rateOf(runs)),
        mb_per_s: null,
        p50_ms: null,
        p99_ms: null,
        persisted: true,
        acked: !system.startsWith("floor"),
        note,
        vs_floor: vsFloor,
        cpu_us_per_row: round(cpuUs),
        cpu_vs_floor: cpuVsFloor,
      };
    };
    const out: BenchResult[] = [
      row(FLOOR_SYSTEM, rates.floor),
      row(DIRECT_SYSTEM, rates.direct),
      row(PIPELINE_SYSTEM, rates.pipeline),
    ];
    if (withNats) out.push(row("gputel stream → JetStream (file, R1) → collect", rates.jetstream));
    else if (o.nats) {
      out.push(skipped(scenario, "gputel over JetStream", "nats-server not on PATH"));
    }
    return out;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** The system names of the floor, direct and pipeline rows. */
export const FLOOR_SYSTEM = "floor (read, split, JSON-wrap, append; one process)";
/** See {@linkcode FLOOR_SYSTEM}. */
export const DIRECT_SYSTEM = "direct (one process, no broker)";
/** See {@linkcode FLOOR_SYSTEM}. */
export const PIPELINE_SYSTEM = "gputel stream → broker,collect";

/** What a CSV → JSONL row adds to the common fields. */
interface PipelineRow {
  /** Its median rows/s ÷ the floor's, run by run (the median of those). */
  vs_floor: number;
  /** Median CPU time per row, all its processes, µs. */
  cpu_us_per_row: number;
  /** The floor's CPU per row ÷ this one's: the ratio a busy machine moves least. */
  cpu_vs_floor: number;
}

/** The median (the lower middle value of an even count). */
function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1];
}

/** Rows/s and CPU of `bench/floor.ts` or `bench/direct.ts` over `csv`. */
async function oneProcessRate(script: string, csv: string, args: string[]): Promise<Run> {
  const proc = Proc.deno(script, `${ROOT}bench/${script}.ts`, ["--csv", csv, ...args]);
  const d = await proc.json<{ rows: number; start: number; end: number }>(600_000);
  const cpu = await proc.cpuSeconds(); // its work is done; only the close is left
  await proc.finish();
  return { rate: d.rows / ((d.end - d.start) / 1000), cpuUs: cpu * 1e6 / d.rows };
}

/**
 * Streams `csv` at `--rate 0` into a collector through a gputel broker (one
 * `broker,collect` process) or a nats-server (`collect --broker nats://…`);
 * rows/s from the stream's start until the collector stored every row.
 */
async function pipelineRate(
  csv: string,
  dir: string,
  rows: number,
  nats: boolean,
): Promise<Run> {
  const [port, admin, api] = [freePort(), freePort(), freePort()];
  const natsServer = nats ? await startNatsServer(`${dir}/nats`) : undefined;
  const broker = natsServer ? `nats://127.0.0.1:${natsServer.port}` : `127.0.0.1:${port}`;
  const common = ["--data-dir", dir, "--api-port", String(api), "--id", "bench"];
  const server = natsServer
    ? Proc.deno("collect", "main.ts", ["collect", "--broker", broker, ...common])
    : Proc.deno("broker,collect", "main.ts", [
      ...["broker,collect", "--port", String(port), "--admin-port", String(admin)],
      ...common,
    ]);
  try {
    await waitForPort(api);
    const serverIdle = await server.cpuSeconds();
    const started = performance.now();
    const stream = Proc.deno("stream", "main.ts", [
      ...["stream", "--csv", csv, "--broker", broker, "--rate", "0", "--no-loop", "--quiet"],
    ]);
    // Poll the collector's own counter: re-reading every JSONL file on each
    // poll cost this process up to a core near the end of a run, taken from
    // the two the pipeline runs on.
    // The stream's CPU is sampled as it runs: once it exits it is reaped, and
    // its /proc entry with it (the last 50 ms of it are not counted).
    let streamCpu = 0;
    const until = Date.now() + 600_000;
    while ((await storedRecords(api)) < rows && Date.now() < until) {
      streamCpu = Math.max(streamCpu, (await stream.cpuSeconds()) || 0);
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const us = (cpu: number) => round(cpu * 1e6 / rows);
    const streamUs = us(Math.max(streamCpu, (await stream.cpuSeconds()) || 0));
    const serverUs = us(await server.cpuSeconds() - serverIdle);
    const natsUs = natsServer ? us(await natsServer.proc.cpuSeconds()) : 0;
    await stream.finish();
    await server.stop(); // a clean stop writes the last checkpoint
    const lines = await storedLines(`${dir}/bench`);
    if (lines !== rows) throw new Error(`pipeline stored ${lines} lines, not ${rows}`);
    const total = round(streamUs + serverUs + natsUs);
    const nat = natsServer ? ` + nats-server ${natsUs}` : "";
    return {
      rate: rows / seconds,
      cpuUs: total,
      parts: `${total} (stream ${streamUs} + ${server.name} ${serverUs}${nat})`,
    };
  } finally {
    await server.stop();
    await natsServer?.proc.stop();
  }
}
