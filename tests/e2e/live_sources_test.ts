import assert from "node:assert/strict";
import { Hono } from "hono";
import { getJson, Gputel, jsonlLines, ROOT, startAllInOne, waitUntil } from "./_harness.ts";
import { seriesValues, summary } from "./_live.ts";

const FAKE_SMI = `${ROOT}tests/fixtures/fake_nvidia_smi.sh`;
const DCGM_TEXT = await Deno.readTextFile(`${ROOT}tests/fixtures/dcgm_exporter.txt`);

interface Gpus {
  gpus: { id: string; hostname: string; gpu_index: string; model: string }[];
}

/** A `broker,collect` in a temp dir, removed on dispose. */
async function server() {
  const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-live-" });
  const s = await startAllInOne(dir);
  return {
    ...s,
    dir,
    base: `http://127.0.0.1:${s.api}`,
    async [Symbol.asyncDispose]() {
      await s.proc[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function storedCount(dir: string, n: number): Promise<void> {
  await waitUntil(`${n} stored`, async () => (await jsonlLines(dir)).length >= n);
  assert.equal((await jsonlLines(dir)).length, n);
}

Deno.test("stream --source nvidia-smi restarts a dying nvidia-smi and stores both GPUs by UUID, [N/A] fields left out", async () => {
  await using s = await server();
  const state = `${s.dir}/smi-starts`;
  await using stream = new Gputel([
    ...["stream", "--source", "nvidia-smi", "--nvidia-smi", FAKE_SMI, "--interval", "100ms"],
    ...["--broker", `127.0.0.1:${s.port}`, "--hostname", "node-s"],
  ], { FAKE_SMI_SCRIPT: "die:3 ok", FAKE_SMI_STATE: state });
  await waitUntil("a second nvidia-smi", async () => {
    try {
      return (await Deno.readTextFile(state)).split("start").length > 2 &&
        /restarting it in/.test(stream.output);
    } catch {
      return false;
    }
  });
  stream.kill("SIGTERM");
  const { code, output } = await stream.wait();
  assert.equal(code, 0, output);
  const sum = summary(output);
  assert.equal(sum.restarts, 1, output);
  assert.equal(sum.gpus, 2, output);
  assert.equal(sum.confirmed, sum.read, output);
  await storedCount(s.dir, sum.confirmed);
  const { gpus } = await getJson<Gpus>(`${s.base}/api/v1/gpus`);
  assert.deepEqual(gpus.map((g) => [g.id, g.hostname, g.gpu_index]).sort(), [
    ["GPU-0a1b2c3d-0000-1111-2222-333333333330", "node-s", "0"],
    ["GPU-0a1b2c3d-0000-1111-2222-333333333331", "node-s", "1"],
  ]);
  const metrics = await (await fetch(`${s.base}/metrics`)).text();
  const gpu = (i: number) => ({
    gpu: String(i),
    UUID: `GPU-0a1b2c3d-0000-1111-2222-33333333333${i}`,
    device: `nvidia${i}`,
    modelName: "NVIDIA H100 80GB HBM3",
    Hostname: "node-s",
  });
  assert.deepEqual(seriesValues(metrics, "DCGM_FI_DEV_POWER_USAGE", gpu(0)), [631.95]);
  assert.deepEqual(seriesValues(metrics, "DCGM_FI_DEV_POWER_USAGE", gpu(1)), [], "[N/A] left out");
  assert.deepEqual(seriesValues(metrics, "DCGM_FI_DEV_GPU_TEMP", gpu(1)), [31]);
});

Deno.test("stream --source scrape reads a dcgm-exporter that goes down and up, keeps its pod labels, and leaves out its sentinel", async () => {
  await using s = await server();
  const state = { up: true, hits: 0 };
  const app = new Hono().get("/metrics", (c) => {
    state.hits++;
    return state.up ? c.text(DCGM_TEXT) : c.text("exporter restarting\n", 503);
  });
  await using exporter = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  await using stream = new Gputel([
    ...["stream", "--source", "scrape", "--url", `http://127.0.0.1:${exporter.addr.port}/metrics`],
    ...["--interval", "100ms", "--broker", `127.0.0.1:${s.port}`],
  ]);
  await waitUntil("3 scrapes", () => state.hits >= 3);
  state.up = false;
  await waitUntil(
    "a failed scrape logged",
    () => /scraping \S+ failed: HTTP 503/.test(stream.output),
  );
  state.up = true;
  await waitUntil(
    "the exporter back",
    () => /answers again after \d+ failed scrapes/.test(stream.output),
  );
  stream.kill("SIGTERM");
  const { code, output } = await stream.wait();
  assert.equal(code, 0, output);
  const sum = summary(output);
  assert.ok(sum.scrape_errors >= 1, output);
  assert.equal(sum.gpus, 3, output);
  assert.equal(sum.unsupported, 1, output);
  assert.equal(sum.confirmed, sum.read, output);
  await storedCount(s.dir, sum.confirmed);
  const metrics = await (await fetch(`${s.base}/metrics`)).text();
  const uuid = (i: number) => `GPU-7a5c1e2d-3f4b-4c6d-8e9f-0a1b2c3d4e5${i}`;
  const withPod = {
    gpu: "0",
    UUID: uuid(0),
    device: "nvidia0",
    modelName: "NVIDIA H100 80GB HBM3",
    Hostname: "dgx-07",
    container: "trainer",
    pod: "llama-0",
    namespace: "ml",
  };
  assert.deepEqual(seriesValues(metrics, "DCGM_FI_DEV_GPU_UTIL", withPod), [100]);
  assert.deepEqual(seriesValues(metrics, "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", { UUID: uuid(1) }), []);
  assert.deepEqual(seriesValues(metrics, "DCGM_FI_DEV_POWER_USAGE", { UUID: uuid(1) }), [71.154]);
  // The MIG instance: its GPU's UUID, told apart by GPU_I_ID as dcgm-exporter does.
  assert.deepEqual(seriesValues(metrics, "DCGM_FI_DEV_FB_USED", { UUID: uuid(0) }).sort(), [
    4864,
    79102,
  ]);
  assert.deepEqual(
    seriesValues(metrics, "DCGM_FI_DEV_FB_USED", {
      UUID: uuid(0),
      GPU_I_ID: "9",
      GPU_I_PROFILE: "1g.10gb",
    }),
    [4864],
  );
});

Deno.test("a live source that cannot start is a usage error naming its flag (exit 2)", async () => {
  const cases: [string[], string][] = [
    [
      ["--nvml-lib", "/nonexistent/libnvidia-ml.so.1"],
      "gputel: --nvml-lib /nonexistent/libnvidia-ml.so.1: cannot load it (",
    ],
    [
      ["--source", "nvidia-smi", "--nvidia-smi", "/nonexistent/nvidia-smi"],
      "gputel: --source nvidia-smi: /nonexistent/nvidia-smi not found (is the NVIDIA driver " +
      "installed? give its path with --nvidia-smi PATH); or use --source nvml or --csv\n",
    ],
    [
      ["--source", "scrape", "--url", "127.0.0.1:9400/metrics"],
      'gputel: --url must be an http(s) URL like http://127.0.0.1:9400/metrics, got "127.0.0.1:9400/metrics"\n',
    ],
  ];
  for (const [flags, message] of cases) {
    const { code, output } = await new Gputel(["stream", ...flags]).wait();
    assert.equal(code, 2, output);
    assert.ok(output.startsWith(message), output);
  }
});
