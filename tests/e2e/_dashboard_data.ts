/**
 * Input for the dashboard tests: a generated DCGM fleet and one GPU with a
 * day of per-second samples in nvidia-smi's wide shape, streamed by the real
 * `gputel stream` into a running `broker,collect`.
 *
 * @module
 */
import { writeDcgmCsv } from "../../src/cli/gen_data.ts";
import { Gputel } from "./_harness.ts";

/** The one-GPU day's UUID and host. */
export const DAY_GPU = { id: "GPU-0da70000-0000-4000-8000-000000086400", host: "day-host-01" };
/** Samples of the day GPU: 24 h at 1 s. */
export const DAY_SAMPLES = 86_400;
/** The day GPU's utilization column (a metric name). */
export const DAY_UTIL = "utilization.gpu [%]";

/** Writes `rounds` scrape rounds of `hosts` × 8 GPUs × 10 DCGM metrics to `path`. */
export async function writeFleetCsv(path: string, hosts: number, rounds: number): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  await writeDcgmCsv(
    { rows: hosts * 8 * 10 * rounds, out: path, hosts, seed: 1, intervalMs: 1000 },
    writer,
  );
  await writer.close();
}

/** Writes the day GPU: one row per second, a daily load curve with deterministic jitter. */
export async function writeDayCsv(path: string): Promise<void> {
  const lines = [
    "timestamp,hostname,gpu_index,uuid,gpu_name,utilization.gpu [%],temperature.gpu,power.draw [W],memory.used [MiB],memory.total [MiB]",
  ];
  const start = Date.UTC(2026, 0, 1);
  let seed = 7;
  const jitter = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) - 0.5;
  for (let i = 0; i < DAY_SAMPLES; i++) {
    const load = 0.5 + 0.4 * Math.sin((2 * Math.PI * i) / 28_800) + 0.15 * jitter();
    const util = Math.round(100 * Math.min(1, Math.max(0, load)));
    const ts = new Date(start + i * 1000).toISOString();
    lines.push(
      `${ts},${DAY_GPU.host},0,${DAY_GPU.id},NVIDIA H100 80GB HBM3,${util},${
        30 + Math.round(util * 0.5)
      },${(70 + util * 6.2).toFixed(1)},${Math.round(800 + util * 700)},81559`,
    );
  }
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
}

/** Streams `csv` once into the broker at `port` with `token`; throws with its output on failure. */
export async function streamOnce(csv: string, port: number, token: string): Promise<void> {
  const stream = new Gputel([
    ...["stream", "--csv", csv, "--rate", "0", "--no-loop", "--quiet"],
    ...["--broker", `127.0.0.1:${port}`, "--token", token],
  ]);
  const { code, output } = await stream.wait();
  if (code !== 0) throw new Error(`gputel stream ${csv} exited ${code}:\n${output}`);
}

/** GETs JSON with a bearer token. */
export async function getJsonWith<T>(url: string, token: string): Promise<T> {
  const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!r.ok) throw new Error(`GET ${url} → ${r.status}: ${await r.text()}`);
  return await r.json() as T;
}

/** Counts the records the API returns for a window, following every cursor. */
export async function countRecords(
  base: string,
  token: string,
  gpu: string,
  q: { start: string; end: string; metric: string },
): Promise<number> {
  const params = new URLSearchParams({
    start_time: q.start,
    end_time: q.end,
    metric: q.metric,
    limit: "10000",
  });
  const url = `${base}/api/v1/gpus/${encodeURIComponent(gpu)}/telemetry?${params}`;
  let count = 0;
  for (let cursor: string | null = null;;) {
    const page: { data: unknown[]; next_cursor: string | null } = await getJsonWith(
      cursor ? `${url}&cursor=${encodeURIComponent(cursor)}` : url,
      token,
    );
    count += page.data.length;
    cursor = page.next_cursor;
    if (cursor === null) return count;
  }
}

/** The GPU UUIDs of a DCGM long CSV, by host. */
export async function uuidsByHost(path: string): Promise<Map<string, Set<string>>> {
  const hosts = new Map<string, Set<string>>();
  for (const line of (await Deno.readTextFile(path)).split("\n").slice(1)) {
    if (line === "") continue;
    const fields = line.split('","');
    const [uuid, host] = [fields[4], fields[6]];
    if (!hosts.has(host)) hosts.set(host, new Set());
    hosts.get(host)!.add(uuid);
  }
  return hosts;
}
