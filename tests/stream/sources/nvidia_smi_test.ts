import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { systemClock } from "../../../src/clock.ts";
import { createLogger } from "../../../src/obs/log.ts";
import { NvidiaSmiSource } from "../../../src/stream/sources/nvidia_smi.ts";
import { SourceUnavailableError } from "../../../src/stream/sources/source.ts";
import {
  parseSmiLine,
  SMI_COLUMNS,
  smiTimestamp,
} from "../../../src/stream/sources/nvidia_smi_line.ts";
import { FieldIssues } from "../../../src/stream/sources/field_issues.ts";

const FAKE = fileURLToPath(new URL("../../fixtures/fake_nvidia_smi.sh", import.meta.url));
const H100 =
  "2026/07/14 08:12:53.353, 0, GPU-5fd4a0b1-aaaa, NVIDIA H100 80GB HBM3, 00000000:00:09.0, 100, 19818, 81559, 59, 631.95";

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ write: (l) => lines.push(l) }) };
}

Deno.test("parseSmiLine reads the recorded H100 line into dcgm-exporter's names, with its local time as source_timestamp", () => {
  const { lines, logger } = capture();
  const issues = new FieldIssues(logger);
  const rest =
    ", 37, 61741, [N/A], 1980, 2619, [Not Supported], 0x0000000000000004, 0, [GPU is lost]";
  const s = parseSmiLine(H100 + rest, {
    hostname: "h",
    timestamp: "2026-07-14T06:12:54.000Z",
    issues,
  });
  assert.ok(typeof s !== "string", String(s));
  assert.equal(s.key, "GPU-5fd4a0b1-aaaa");
  assert.equal(s.message.source_timestamp, new Date(2026, 6, 14, 8, 12, 53, 353).toISOString());
  assert.deepEqual(s.message.fields, {
    gpu: "0",
    UUID: "GPU-5fd4a0b1-aaaa",
    device: "nvidia0",
    modelName: "NVIDIA H100 80GB HBM3",
    pci_bus_id: "00000000:00:09.0",
    Hostname: "h",
    DCGM_FI_DEV_GPU_UTIL: 100,
    DCGM_FI_DEV_FB_USED: 19818,
    DCGM_FI_DEV_FB_TOTAL: 81559,
    DCGM_FI_DEV_GPU_TEMP: 59,
    DCGM_FI_DEV_POWER_USAGE: 631.95,
    DCGM_FI_DEV_MEM_COPY_UTIL: 37,
    DCGM_FI_DEV_FB_FREE: 61741,
    DCGM_FI_DEV_SM_CLOCK: 1980,
    DCGM_FI_DEV_MEM_CLOCK: 2619,
    DCGM_FI_DEV_CLOCK_THROTTLE_REASONS: 4,
    DCGM_FI_DEV_ECC_SBE_VOL_TOTAL: 0,
  });
  assert.equal(issues.unsupported, 2); // memory temperature, fan
  assert.equal(issues.failing, 1); // [GPU is lost]
  parseSmiLine(H100 + rest, { hostname: "h", timestamp: "2026-07-14T06:12:55.000Z", issues });
  assert.equal(issues.unsupported + issues.failing, 3, "counted once per GPU and field");
  assert.equal(lines.length, 3, lines.join("\n")); // one per GPU and reason
  assert.equal(
    parseSmiLine(H100, { hostname: "h", timestamp: "x", issues }),
    `expected ${SMI_COLUMNS} comma-separated values, got 10`,
  );
  assert.equal(smiTimestamp("2026/13/01 00:00:00"), new Date(2026, 12, 1).toISOString());
  assert.equal(smiTimestamp("yesterday"), undefined);
});

Deno.test("NvidiaSmiSource restarts an nvidia-smi that dies and one that hangs for 3 intervals, counting each, and keeps reading", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-smi-" });
  const state = `${dir}/starts`;
  Deno.env.set("FAKE_SMI_STATE", state);
  Deno.env.set("FAKE_SMI_SCRIPT", "die:3 hang:2 ok");
  const { lines, logger } = capture();
  const source = await NvidiaSmiSource.open({
    program: FAKE,
    intervalMs: 200,
    hostname: "node-b",
    clock: systemClock,
    logger,
  });
  const stop = new AbortController();
  const seen: number[] = [];
  try {
    for await (const batch of source.samples(stop.signal)) {
      for (const s of batch) seen.push(Number(s.message.fields.DCGM_FI_DEV_GPU_UTIL));
      // The third process prints rounds 0, 1, 2, …: reaching round 3 means both restarts happened.
      if (source.counters().restarts >= 2 && seen.filter((u) => u === 3).length >= 1) break;
    }
  } finally {
    stop.abort();
    await source.close();
    Deno.env.delete("FAKE_SMI_STATE");
    Deno.env.delete("FAKE_SMI_SCRIPT");
  }
  const c = source.counters();
  // Each start but the first is a restart (a loaded machine may add a stall of its own).
  const starts = (await Deno.readTextFile(state)).trim().split("\n").length;
  assert.equal(c.restarts, starts - 1, lines.join("\n"));
  assert.ok(starts >= 3 && c.stalls >= 1, lines.join("\n"));
  assert.equal(c.gpus, 2);
  assert.equal(c.bad_lines, 0);
  // GPU 1: power, memory temperature, fan, 2 ECC; GPU 0: fan. Once each, across 3 processes.
  assert.equal(c.unsupported, 6);
  assert.ok(
    lines.some((l) =>
      /nvidia-smi exited with code 1 \(fake nvidia-smi: Unable to determine/.test(l)
    ),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((l) => /nvidia-smi printed nothing for \d+ ms; killing it/.test(l)),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((l) => /nvidia-smi was killed by SIGKILL; restarting it in \d+ ms/.test(l)),
    lines.join("\n"),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("NvidiaSmiSource that cannot start names --nvidia-smi: not there, or exits before a reading", async () => {
  const { logger } = capture();
  const o = { intervalMs: 100, hostname: "h", clock: systemClock, logger };
  await assert.rejects(
    NvidiaSmiSource.open({ ...o, program: "/nonexistent/nvidia-smi" }),
    (e: Error) =>
      e instanceof SourceUnavailableError &&
      /^--source nvidia-smi: \/nonexistent\/nvidia-smi not found \(is the NVIDIA driver installed\? give its path with --nvidia-smi PATH\); or use --source nvml or --csv$/
        .test(e.message),
  );
  Deno.env.set("FAKE_SMI_SCRIPT", "fail");
  try {
    await assert.rejects(
      NvidiaSmiSource.open({ ...o, program: FAKE }),
      /exited before printing a reading \(NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver\.\)/,
    );
  } finally {
    Deno.env.delete("FAKE_SMI_SCRIPT");
  }
});

Deno.test("NvidiaSmiSource --once runs nvidia-smi without -lms and yields one reading of every GPU", async () => {
  const { logger } = capture();
  const source = await NvidiaSmiSource.open({
    program: FAKE,
    intervalMs: 1000,
    hostname: "h",
    clock: systemClock,
    logger,
    once: true,
  });
  const batches = [];
  for await (const b of source.samples(new AbortController().signal)) batches.push(b);
  await source.close();
  assert.deepEqual(batches.flat().map((s) => s.key), [
    "GPU-0a1b2c3d-0000-1111-2222-333333333330",
    "GPU-0a1b2c3d-0000-1111-2222-333333333331",
  ]);
});
