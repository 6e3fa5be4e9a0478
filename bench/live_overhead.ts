/**
 * `deno task bench-live`: what `gputel stream --source nvml` costs the GPU
 * host. Builds the fake NVML library (tests/fixtures/fake_nvml.c), starts
 * `broker,collect`, and for 8 GPUs at 1 s and at 100 ms measures the stream
 * process's CPU (utime + stime from /proc over a window after a warm-up) and
 * RSS (VmRSS at the end, VmHWM peak). Then times one NVML reading of one GPU
 * in-process. The fake library answers in nanoseconds, so these figures are
 * gputel's own cost (FFI calls, message building, publishing); a real driver
 * adds its per-call time on top (see README: not yet measured on a GPU).
 *
 * Usage: deno task bench-live [--window 60]
 *
 * @module
 */
import { buildFakeNvml } from "../tests/stream/sources/_fake_nvml.ts";
import { Gputel, startAllInOne } from "../tests/e2e/_harness.ts";
import { NvmlSource } from "../src/stream/sources/nvml.ts";
import { silentLogger } from "../src/obs/log.ts";
import { systemClock } from "../src/clock.ts";
import { cpuPercent, procStat } from "./_proc_stat.ts";

const windowS = Number(Deno.args[Deno.args.indexOf("--window") + 1]) || 60;
const dir = await Deno.makeTempDir({ prefix: "gputel-bench-live-" });
const lib = await buildFakeNvml(dir);
const server = await startAllInOne(`${dir}/data`);
const rows: string[] = [];
try {
  for (const interval of ["1s", "100ms"]) {
    const stream = new Gputel([
      ...["stream", "--source", "nvml", "--nvml-lib", lib, "--interval", interval],
      ...["--broker", `127.0.0.1:${server.port}`],
    ], { FAKE_NVML_GPUS: "8" });
    await new Promise((r) => setTimeout(r, 5_000)); // start-up and JIT warm-up
    const a = procStat(stream.child.pid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const b = procStat(stream.child.pid);
    const wall = (performance.now() - t0) / 1000;
    stream.kill("SIGTERM");
    const { output } = await stream.wait();
    const cpu = cpuPercent(a, b, wall);
    const samples = /stream finished .*? confirmed=(\d+)/.exec(output)?.[1] ?? "?";
    rows.push(
      `| 8 GPUs, --interval ${interval} | ${cpu.toFixed(2)} % | ${
        (b.rssKb / 1024).toFixed(0)
      } MB | ` +
        `${(b.hwmKb / 1024).toFixed(0)} MB | ${samples} |`,
    );
  }
} finally {
  await server.proc[Symbol.asyncDispose]();
}

Deno.env.set("FAKE_NVML_GPUS", "1");
const source = NvmlSource.open({
  lib,
  hostname: "h",
  intervalMs: 100,
  clock: systemClock,
  logger: silentLogger,
});
for (let i = 0; i < 2_000; i++) source.read();
const n = 20_000;
const t0 = performance.now();
for (let i = 0; i < n; i++) source.read();
const perRead = (performance.now() - t0) / n * 1000;
await source.close();
await Deno.remove(dir, { recursive: true });

console.log(
  `stream --source nvml on the fake NVML, ${windowS} s window after 5 s warm-up, ${
    new Date().toISOString()
  }`,
);
console.log("| run | CPU (one core = 100 %) | RSS at end | peak RSS | samples confirmed |");
console.log("| --- | --- | --- | --- | --- |");
for (const r of rows) console.log(r);
console.log(
  `one NVML reading of one GPU (16 readers, ~20 calls, message built): ${perRead.toFixed(1)} µs`,
);
