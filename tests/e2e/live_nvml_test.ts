import assert from "node:assert/strict";
import {
  getJson,
  Gputel,
  jsonlLines,
  startAllInOne,
  startBrokerAndCollector,
  waitUntil,
} from "./_harness.ts";
import { seriesValues, summary } from "./_live.ts";
import { buildFakeNvml, CC, NO_CC_REASON } from "../stream/sources/_fake_nvml.ts";

const GPU = (i: number) => `GPU-5fd4a0b1-1111-2222-3333-00000000000${i}`;
const MIG = "MIG-7c1d7f2e-0000-5a5a-9c9c-000000000000";

interface Gpus {
  total: number;
  gpus: { id: string; hostname: string; gpu_index: string; model: string }[];
}
interface Telemetry {
  data: { metrics: Record<string, number>; labels: Record<string, string> }[];
}

Deno.test({
  name:
    `stream --source nvml on a fake NVML (2 GPUs + a MIG device, one GPU lost for 3 readings) ` +
    `reaches /api/v1/gpus by UUID and /metrics in dcgm-exporter's names${NO_CC_REASON}`,
  ignore: CC === undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-nvml-" });
    try {
      const lib = await buildFakeNvml(dir);
      const server = await startAllInOne(`${dir}/data`);
      await using _server = server.proc;
      const base = `http://127.0.0.1:${server.api}`;
      await using stream = new Gputel([
        ...["stream", "--source", "nvml", "--nvml-lib", lib, "--interval", "100ms"],
        ...["--broker", `127.0.0.1:${server.port}`, "--hostname", "node-a"],
      ], { FAKE_NVML_GPUS: "2", FAKE_NVML_MIG: "1", FAKE_NVML_LOST: "1:3:6" });
      // 10 readings of GPU 1 (reads 1..10; 3..5 were lost) are stored once each are there.
      const telemetry = (id: string) =>
        getJson<Telemetry>(`${base}/api/v1/gpus/${id}/telemetry?limit=10000`);
      await waitUntil("7 readings of GPU 1", async () => {
        try {
          return (await telemetry(GPU(1))).data.length >= 7;
        } catch {
          return false;
        }
      }, 60_000);
      stream.kill("SIGTERM");
      const { code, output } = await stream.wait();
      assert.equal(code, 0, output);
      const s = summary(output);
      assert.equal(s.gpus, 3, output);
      assert.equal(s.lost_events, 1, output);
      assert.equal(s.lost, 0, output);
      // GPU 0: memory temperature, fan; GPU 1: 4 ECC counters, fan; MIG: 15 of 16 readers.
      assert.equal(s.unsupported, 22, output);
      assert.equal(s.dropped, 0, output);
      assert.equal(s.unconfirmed, undefined); // only printed when not 0
      assert.equal(s.confirmed, s.read, output);
      assert.match(output, /GPU 1 \(GPU-\S+01\) is lost \(NVML: GPU is lost\); trying it again/);
      assert.match(output, /GPU 1 \(GPU-\S+01\) answers again/);
      assert.equal(output.match(/\) is lost \(/g)?.length, 1, "one line per lost episode");
      assert.equal(output.match(/DCGM_FI_DEV_FAN_SPEED/g)?.length, 3, "fan logged once per GPU");

      await waitUntil(
        `${s.confirmed} stored`,
        async () => (await jsonlLines(`${dir}/data`)).length >= s.confirmed,
      );
      assert.equal((await jsonlLines(`${dir}/data`)).length, s.confirmed);
      const { gpus } = await getJson<Gpus>(`${base}/api/v1/gpus`);
      assert.deepEqual(
        gpus.map((g) => [g.id, g.hostname, g.gpu_index, g.model]).sort(),
        [
          [GPU(0), "node-a", "0", "NVIDIA H100 80GB HBM3"],
          [GPU(1), "node-a", "1", "NVIDIA H100 80GB HBM3"],
          [MIG, "node-a", "0", "NVIDIA H100 80GB HBM3 MIG 1g.10gb"],
        ],
      );
      // The lost readings (3, 4, 5) are missing, every other one is there once.
      const energies = (await telemetry(GPU(1))).data
        .map((r) => r.metrics.DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION / 1e6);
      const readings = Math.max(...energies);
      const expected = Array.from({ length: readings }, (_, i) => i + 1).filter((r) =>
        r < 3 || r > 5
      );
      assert.deepEqual(energies.sort((a, b) => a - b), expected);
      const gpu1 = (await telemetry(GPU(1))).data[0];
      assert.equal(gpu1.metrics.DCGM_FI_DEV_POWER_USAGE, 301);
      assert.equal(gpu1.metrics.DCGM_FI_DEV_FB_TOTAL, 81920);
      assert.equal(gpu1.labels.pci_bus_id, "00000000:0A:00.0");
      assert.equal(gpu1.labels.driver_version, "550.54.15");
      assert.ok(!("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL" in gpu1.metrics));
      const mig = (await telemetry(MIG)).data[0];
      assert.deepEqual(Object.keys(mig.metrics).sort(), [
        "DCGM_FI_DEV_FB_FREE",
        "DCGM_FI_DEV_FB_TOTAL",
        "DCGM_FI_DEV_FB_USED",
      ]);
      assert.equal(mig.labels.GPU_I_ID, "1");

      const metrics = await (await fetch(`${base}/metrics`)).text();
      const gpu0 = {
        gpu: "0",
        UUID: GPU(0),
        device: "nvidia0",
        modelName: "NVIDIA H100 80GB HBM3",
        Hostname: "node-a",
      };
      assert.equal(seriesValues(metrics, "DCGM_FI_DEV_GPU_UTIL", gpu0).length, 1, metrics);
      assert.deepEqual(seriesValues(metrics, "DCGM_FI_DEV_FB_USED", { gpu: "0", UUID: MIG }), [
        512,
      ]);
      assert.doesNotMatch(metrics, /DCGM_FI_DEV_FAN_SPEED/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    `stream --source nvml with the broker away keeps the newest --buffer samples, drops the oldest ` +
    `(counted, logged once), and stores the kept ones once the broker is back${NO_CC_REASON}`,
  ignore: CC === undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-nvml-away-" });
    try {
      const lib = await buildFakeNvml(dir);
      const bc = await startBrokerAndCollector(`${dir}/data`);
      await using _collector = bc.collector;
      let broker = bc.broker;
      broker.kill("SIGKILL");
      await broker.wait();
      await using stream = new Gputel([
        ...["stream", "--source", "nvml", "--nvml-lib", lib, "--interval", "100ms"],
        ...["--broker", `127.0.0.1:${bc.port}`, "--buffer", "20"],
      ], { FAKE_NVML_GPUS: "3" });
      await waitUntil(
        "the buffer full",
        () => /buffer full \(20 samples, --buffer\)/.test(stream.output),
      );
      broker = await bc.startBroker();
      await using _broker = broker;
      await waitUntil(
        "room again",
        () => /buffer has room again after dropping \d+ samples/.test(stream.output),
      );
      stream.kill("SIGTERM");
      const { code, output } = await stream.wait();
      assert.equal(code, 0, output);
      const s = summary(output);
      // Each episode is logged once when it starts and once when it ends, with its count.
      const episodes = [...output.matchAll(/after dropping (\d+) samples/g)].map((m) =>
        Number(m[1])
      );
      assert.ok(episodes.length >= 1 && s.dropped > 0, output);
      const started = output.match(/buffer full/g)?.length ?? 0;
      const ended = episodes.reduce((a, b) => a + b, 0);
      if (started === episodes.length) {
        assert.equal(s.dropped, ended, "drops = the episodes' counts");
      } else assert.ok(started === episodes.length + 1 && s.dropped > ended, output);
      assert.equal(s.confirmed + s.dropped, s.read, output);
      await waitUntil(
        `${s.confirmed} stored`,
        async () => (await jsonlLines(`${dir}/data/c`)).length >= s.confirmed,
      );
      assert.equal((await jsonlLines(`${dir}/data/c`)).length, s.confirmed);
      // Oldest first: each GPU's first readings are gone, its newest are there, none twice.
      const base = `http://127.0.0.1:${bc.api}`;
      for (const i of [0, 1, 2]) {
        const { data } = await getJson<Telemetry>(
          `${base}/api/v1/gpus/${GPU(i)}/telemetry?limit=10000`,
        );
        const readings = data.map((r) => r.metrics.DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION / 1e6).sort(
          (a, b) => a - b,
        );
        assert.ok(readings[0] > 1, `GPU ${i}: the oldest readings were dropped`);
        assert.equal(new Set(readings).size, readings.length, `GPU ${i}: each reading once`);
        const last = readings.at(-1)!;
        assert.deepEqual(readings.slice(-3), [last - 2, last - 1, last]);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    `stream --source nvml --once prints one JSON line per GPU and exits 0 without a broker${NO_CC_REASON}`,
  ignore: CC === undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "gputel-e2e-nvml-once-" });
    try {
      const lib = await buildFakeNvml(dir);
      const p = new Gputel(["stream", "--source", "nvml", "--nvml-lib", lib, "--once"], {
        FAKE_NVML_GPUS: "4",
        NODE_NAME: "k8s-node-3",
      });
      const { code, output } = await p.wait();
      assert.equal(code, 0, output);
      const lines = output.split("\n").filter((l) => l.startsWith("{"));
      assert.deepEqual(
        lines.map((l) => JSON.parse(l).fields).map((
          f,
        ) => [f.UUID, f.Hostname, f.DCGM_FI_DEV_GPU_UTIL]),
        [0, 1, 2, 3].map((i) => [GPU(i), "k8s-node-3", (7 + 13 * i) % 101]),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
