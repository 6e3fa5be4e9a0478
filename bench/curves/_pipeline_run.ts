/**
 * Runs the CSV → broker → collector → JSONL pipeline in a chosen layout
 * (streamers, collectors, broker alone or inside the one collector's
 * process) and measures it: rows/s from the first streamer's spawn until
 * the collectors' `/stats` count every row, each role's CPU time, the
 * servers' system calls (`_syscalls.ts`), the collectors' peak RSS, and the
 * machine's CPU over the same window. Every row must be stored exactly
 * once: the collectors' counts must add up to the rows, no more.
 *
 * @module
 */
import { join } from "node:path";
import { freePort, Proc, waitForPort } from "../_procs.ts";
import { round } from "../_result.ts";
import { machineCpuWindow } from "./_machine_cpu.ts";
import { countSyscalls } from "./_syscalls.ts";

/** Which processes a run has. */
export interface PipelineLayout {
  /** One streamer per CSV, all started at once. */
  csvs: string[];
  /** Rows in all CSVs together (data rows, header excluded). */
  rows: number;
  /** Collector processes in one group; with `combined`, exactly 1. */
  collectors: number;
  /** Broker and the one collector in one `broker,collect` process (the usual small setup). */
  combined: boolean;
  /** Partitions of the topic. @default 8 */
  partitions?: number;
  /** Scratch directory (removed by the caller). */
  dir: string;
}

/** What a run measured. */
export interface PipelineMeasure {
  rows_per_s: number;
  seconds: number;
  /** CPU seconds per role (streamers summed, collectors summed). */
  cpu_s: Record<string, number>;
  /** The machine's busy CPU over the run, % of one core (all processes, not only ours). */
  machine_cpu_pct: number;
  /** System calls of the server processes (broker and collectors) during the run. */
  syscalls: Record<string, number>;
  /** Highest peak RSS of a collector (or of `broker,collect`), MiB. */
  collect_rss_mib: number;
  /** JSONL files the collectors wrote (one per GPU per collector that saw it). */
  files: number;
}

async function recordsOf(apiPort: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/stats`);
  return (await res.json() as { records_total: number }).records_total;
}

async function countJsonl(dir: string): Promise<number> {
  let n = 0;
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) n += await countJsonl(join(dir, e.name));
    else if (e.name.endsWith(".jsonl")) n++;
  }
  return n;
}

/** Starts the servers of `layout`; returns them with the broker's address and the API ports. */
async function startServers(layout: PipelineLayout) {
  const [port, admin] = [freePort(), freePort()];
  const brokerFlags = [
    ...["--port", String(port), "--admin-port", String(admin)],
    ...["--partitions", String(layout.partitions ?? 8)],
  ];
  const collect = (i: number, role: string, extra: string[]) => {
    const api = freePort();
    const flags = [
      "--data-dir",
      join(layout.dir, "data"),
      "--api-port",
      String(api),
      "--id",
      `c${i}`,
    ];
    return { api, proc: Proc.deno(`c${i}`, "main.ts", [role, ...extra, ...flags]) };
  };
  const broker = layout.combined ? undefined : Proc.deno("broker", "main.ts", [
    "broker",
    ...brokerFlags,
    ...["--data-dir", join(layout.dir, "broker")],
  ]);
  if (broker) await waitForPort(port);
  const collectors = layout.combined ? [collect(0, "broker,collect", brokerFlags)] : Array.from(
    { length: layout.collectors },
    (_, i) => collect(i, "collect", ["--broker", `127.0.0.1:${port}`]),
  );
  for (const c of collectors) await waitForPort(c.api, 60_000);
  return { broker, collectors, address: `127.0.0.1:${port}` };
}

/** Runs `layout` once; throws when a row is missing or stored twice. */
export async function runPipeline(layout: PipelineLayout): Promise<PipelineMeasure> {
  const { broker, collectors, address } = await startServers(layout);
  const servers = [...(broker ? [broker] : []), ...collectors.map((c) => c.proc)];
  const streams: Proc[] = [];
  try {
    const cpu0 = new Map(
      await Promise.all(servers.map(async (p) => [p, await p.cpuSeconds()] as const)),
    );
    const counts = servers.map((p) => countSyscalls(p.child.pid));
    const machine = machineCpuWindow();
    const started = performance.now();
    for (const [i, csv] of layout.csvs.entries()) {
      streams.push(Proc.deno(`s${i}`, "main.ts", [
        ...["stream", "--csv", csv, "--broker", address, "--rate", "0", "--no-loop", "--quiet"],
      ]));
    }
    // Each streamer's CPU as last read before it exits.
    const streamCpu = new Map<Proc, number>();
    const until = Date.now() + 900_000;
    let stored = 0;
    while (Date.now() < until) {
      for (const s of streams) {
        const c = await s.cpuSeconds();
        if (c > 0) streamCpu.set(s, c);
      }
      stored = (await Promise.all(collectors.map((c) => recordsOf(c.api)))).reduce((a, b) => a + b);
      if (stored >= layout.rows) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const machineCpu = machine.end();
    const syscalls: Record<string, number> = {};
    for (const c of await Promise.all(counts.map((c) => c.stop()))) {
      for (const [k, v] of Object.entries(c)) syscalls[k] = (syscalls[k] ?? 0) + v;
    }
    if (stored !== layout.rows) {
      throw new Error(
        `the collectors stored ${stored} rows of ${layout.rows} (exactly-once broken?)`,
      );
    }
    const cpu_s: Record<string, number> = { stream: 0, collect: 0 };
    for (const s of streams) cpu_s.stream += streamCpu.get(s) ?? 0;
    for (const c of collectors) cpu_s.collect += (await c.proc.cpuSeconds()) - cpu0.get(c.proc)!;
    if (broker) cpu_s.broker = (await broker.cpuSeconds()) - cpu0.get(broker)!;
    const rss = Math.max(...await Promise.all(collectors.map((c) => c.proc.peakRssKiB())));
    await Promise.all(streams.map((s) => s.finish()));
    for (const c of collectors) await c.proc.stop(); // a clean stop writes the last checkpoint
    return {
      rows_per_s: Math.round(layout.rows / seconds),
      seconds: round(seconds),
      cpu_s: Object.fromEntries(Object.entries(cpu_s).map(([k, v]) => [k, round(v)])),
      machine_cpu_pct: machineCpu,
      syscalls,
      collect_rss_mib: Math.round(rss / 1024),
      files: await countJsonl(join(layout.dir, "data")),
    };
  } finally {
    await Promise.all([...streams, ...servers].map((p) => p.stop()));
  }
}
