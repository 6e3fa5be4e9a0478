/**
 * `deno task gpu-check`: the live sources against the real GPUs of this
 * machine. Starts `broker,collect`, runs `stream --source nvml --interval
 * 500ms` for 30 s and `stream --source nvidia-smi --interval 500ms` for 10 s,
 * then checks that every GPU (and MIG instance) `nvidia-smi -L` lists is in
 * `/api/v1/gpus` by UUID with >= 50 samples, values in range (utilization
 * 0–100, temperature 0–120 °C, memory used <= total, power > 0), and
 * `DCGM_FI_DEV_GPU_UTIL{UUID=…}` in `/metrics`. Prints what README records
 * (date, model, driver, figures) and exits 1 on the first failed check.
 * Needs an NVIDIA driver; takes about a minute.
 *
 * @module
 */
import { getJson, Gputel, startAllInOne, waitUntil } from "../e2e/_harness.ts";
import { cpuPercent, procStat } from "../../bench/_proc_stat.ts";

interface Record {
  source_timestamp?: string;
  metrics: { [name: string]: number };
}

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

const list = await run("nvidia-smi", ["-L"]);
const uuids = [...list.matchAll(/\(UUID: ((?:GPU|MIG)-[^)]+)\)/g)].map((m) => m[1]);
const [model, driver] = (await run("nvidia-smi", [
  "--query-gpu=name,driver_version",
  "--format=csv,noheader",
])).split("\n")[0].split(", ");
console.log(`date ${new Date().toISOString()}; ${uuids.length} GPUs (${model}); driver ${driver}`);
if (uuids.length === 0) throw new Error("nvidia-smi -L lists no GPU");

const dir = await Deno.makeTempDir({ prefix: "gputel-gpu-check-" });
const server = await startAllInOne(dir);
const base = `http://127.0.0.1:${server.api}`;
const broker = `127.0.0.1:${server.port}`;
const telemetry = async (id: string) =>
  (await getJson<{ data: Record[] }>(`${base}/api/v1/gpus/${id}/telemetry?limit=10000`)).data;

async function stream(source: string, seconds: number): Promise<string> {
  const started = performance.now();
  const p = new Gputel([
    ...["stream", "--source", source, "--interval", "500ms", "--duration", `${seconds}s`],
    ...["--broker", broker],
  ]);
  // The streamer's cost on this host: CPU over 5 s .. seconds-2, RSS then.
  await new Promise((r) => setTimeout(r, 5_000));
  const a = procStat(p.child.pid);
  await new Promise((r) => setTimeout(r, (seconds - 7) * 1000));
  const b = procStat(p.child.pid);
  console.log(
    `${source}: stream process ${cpuPercent(a, b, seconds - 7).toFixed(2)} % of a core, ` +
      `RSS ${(b.rssKb / 1024).toFixed(0)} MB (peak ${(b.hwmKb / 1024).toFixed(0)} MB)`,
  );
  const { code, output } = await p.wait();
  const finished = output.split("\n").find((l) => l.includes("stream finished")) ?? "(no summary)";
  console.log(
    `${source}: exit ${code} after ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s: ${finished}`,
  );
  check(code === 0, `stream --source ${source} exits 0`);
  if (code !== 0) console.log(output);
  return finished;
}

try {
  const nvml = await stream("nvml", 30);
  const confirmed = Number(/confirmed=(\d+)/.exec(nvml)?.[1] ?? 0);
  await waitUntil("the collector to store the nvml samples", async () => {
    const counts = await Promise.all(
      uuids.map(async (u) => (await telemetry(u).catch(() => [])).length),
    );
    return counts.reduce((a, b) => a + b, 0) >= confirmed;
  }, 60_000).catch(() => {});
  const { gpus } = await getJson<{ gpus: { id: string }[] }>(`${base}/api/v1/gpus`);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  for (const uuid of uuids) {
    check(gpus.some((g) => g.id === uuid), `${uuid} is in /api/v1/gpus`);
    const data = await telemetry(uuid).catch(() => []);
    check(data.length >= 50, `${uuid} has ${data.length} samples (>= 50)`);
    const bad = data.filter((r) => {
      const m = r.metrics;
      const inRange = (v: number | undefined, lo: number, hi: number) =>
        v === undefined || (v >= lo && v <= hi);
      return !inRange(m.DCGM_FI_DEV_GPU_UTIL, 0, 100) || !inRange(m.DCGM_FI_DEV_GPU_TEMP, 0, 120) ||
        (m.DCGM_FI_DEV_FB_USED !== undefined && m.DCGM_FI_DEV_FB_TOTAL !== undefined &&
          m.DCGM_FI_DEV_FB_USED > m.DCGM_FI_DEV_FB_TOTAL) ||
        (m.DCGM_FI_DEV_POWER_USAGE !== undefined && !(m.DCGM_FI_DEV_POWER_USAGE > 0));
    });
    check(bad.length === 0, `${uuid}: every value in range (${bad.length} out of range)`);
    if (bad.length > 0) console.log(JSON.stringify(bad[0]));
    const physical = uuid.startsWith("GPU-");
    if (physical) {
      check(
        new RegExp(`^DCGM_FI_DEV_GPU_UTIL\\{[^}]*UUID="${uuid}"[^}]*\\} \\d+`, "m").test(metrics),
        `DCGM_FI_DEV_GPU_UTIL{UUID="${uuid}"} is in /metrics`,
      );
      const last = data.at(-1)?.metrics ?? {};
      console.log(
        `  ${uuid}: util ${last.DCGM_FI_DEV_GPU_UTIL}% temp ${last.DCGM_FI_DEV_GPU_TEMP} C ` +
          `fb ${last.DCGM_FI_DEV_FB_USED}/${last.DCGM_FI_DEV_FB_TOTAL} MiB power ${last.DCGM_FI_DEV_POWER_USAGE} W`,
      );
    }
  }

  const before = new Map(
    await Promise.all(uuids.map(async (u) => [u, (await telemetry(u)).length] as const)),
  );
  await stream("nvidia-smi", 10);
  await new Promise((r) => setTimeout(r, 3000));
  for (const uuid of uuids.filter((u) => u.startsWith("GPU-"))) {
    const data = await telemetry(uuid);
    const fromSmi = data.filter((r) => r.source_timestamp !== undefined).length;
    check(
      fromSmi >= 15,
      `${uuid}: ${fromSmi} nvidia-smi samples in 10 s at 500ms (>= 15); ${
        data.length - before.get(uuid)!
      } new records`,
    );
  }
} finally {
  await server.proc[Symbol.asyncDispose]();
  await Deno.remove(dir, { recursive: true });
}
console.log(
  failures.length === 0 ? "gpu-check passed" : `gpu-check FAILED: ${failures.length} checks`,
);
Deno.exit(failures.length === 0 ? 0 : 1);
