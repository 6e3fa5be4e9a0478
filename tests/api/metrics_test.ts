import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createApiApp } from "../../src/api/app.ts";
import { gpuMetricName, renderMetrics } from "../../src/api/metrics.ts";
import { TelemetryQuery } from "../../src/query/query.ts";
import { CollectorStore } from "../../src/collect/store.ts";
import { checkExposition } from "../obs/_prom_check.ts";

const encoder = new TextEncoder();
const UUID = "GPU-5fd4f087-86f3-7a43-b711-4771313afc50";

function dcgm(offset: number, fields: Record<string, unknown>, key = UUID) {
  return {
    offset,
    key,
    payload: encoder.encode(JSON.stringify({
      timestamp: new Date(Date.UTC(2026, 10, 27, 17, 0, offset)).toISOString(),
      fields: {
        gpu_id: "0",
        device: "nvidia0",
        uuid: key,
        modelName: 'NVIDIA "H100"',
        Hostname: "mtv5-dgx1-hgpu-031",
        ...fields,
      },
    })),
  };
}

async function withStore(fn: (store: CollectorStore) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "gputel-metrics-" });
  try {
    await using store = await CollectorStore.open({ dir, fsync: false });
    await store.write({
      topic: "t",
      group: "g",
      partition: 0,
      messages: [
        dcgm(0, { metric_name: "DCGM_FI_DEV_GPU_UTIL", value: 10 }),
        dcgm(1, { metric_name: "DCGM_FI_DEV_GPU_UTIL", value: 87 }),
        dcgm(2, { metric_name: "power.draw [W]", value: 301.5 }),
        dcgm(3, { metric_name: "pstate", value: "P0" }),
        dcgm(
          4,
          { metric_name: "DCGM_FI_DEV_GPU_UTIL", value: 5, gpu_id: "1", device: "nvidia1" },
          "GPU-b",
        ),
      ],
    });
    await fn(store);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("gpuMetricName keeps DCGM_FI_ names and prefixes and sanitises the others", () => {
  assertEquals(
    ["DCGM_FI_DEV_GPU_UTIL", "power.draw [W]", "temperature", "DCGM_FI_bad-name", "9lives"].map(
      gpuMetricName,
    ),
    [
      "DCGM_FI_DEV_GPU_UTIL",
      "gputel_gpu_power_draw__W_",
      "gputel_gpu_temperature",
      "gputel_gpu_DCGM_FI_bad_name",
      "gputel_gpu_9lives",
    ],
  );
});

Deno.test("renderMetrics writes the latest value of every GPU metric in dcgm-exporter's scheme", () =>
  withStore((store) => {
    const text = renderMetrics({
      reader: new TelemetryQuery([store.reads]),
      counters: { nacked: 2 },
    });
    const samples = checkExposition(text);
    const gpu = samples.filter((s) => !s.name.startsWith("gputel_collector_"));
    assertEquals(gpu.map((s) => `${s.name}${s.labels} ${s.value}`), [
      `DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="${UUID}",device="nvidia0",modelName="NVIDIA \\"H100\\"",Hostname="mtv5-dgx1-hgpu-031",hostname="mtv5-dgx1-hgpu-031",instance="mtv5-dgx1-hgpu-031"} 87`,
      `DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-b",device="nvidia1",modelName="NVIDIA \\"H100\\"",Hostname="mtv5-dgx1-hgpu-031",hostname="mtv5-dgx1-hgpu-031",instance="mtv5-dgx1-hgpu-031"} 5`,
      `gputel_gpu_power_draw__W_{gpu="0",UUID="${UUID}",device="nvidia0",modelName="NVIDIA \\"H100\\"",Hostname="mtv5-dgx1-hgpu-031",hostname="mtv5-dgx1-hgpu-031",instance="mtv5-dgx1-hgpu-031"} 301.5`,
    ]);
    assertEquals(text.includes("# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n"), true);
    const self = new Map(samples.map((s) => [s.name, s.value]));
    assertEquals(self.get("gputel_collector_records_total"), 5);
    assertEquals(self.get("gputel_collector_memory_records"), 5);
    assertEquals(self.get("gputel_collector_nacked_total"), 2);
    assertEquals(self.get("gputel_collector_metrics_skipped"), 1, "the string pstate");
    assertEquals(text.includes("# TYPE gputel_collector_duplicates_skipped_total counter\n"), true);
    // Levels, not totals: a gauge without _total.
    assertEquals(text.includes("# TYPE gputel_collector_unflushed_bytes gauge\n"), true);
    assertEquals(text.includes("# TYPE gputel_collector_journal_bytes gauge\n"), true);
  }));

Deno.test("GET /metrics serves the exposition with Prometheus' content type", () =>
  withStore(async (store) => {
    const query = new TelemetryQuery([store.reads]);
    const app = createApiApp({ reader: () => query, counters: () => ({ deliveries: 3 }) });
    const res = await app.request("/metrics");
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const samples = checkExposition(await res.text());
    assertEquals(samples.filter((s) => s.name === "DCGM_FI_DEV_GPU_UTIL").length, 2);
    assertEquals(samples.find((s) => s.name === "gputel_collector_deliveries_total")?.value, 3);
  }));

Deno.test("every metric and label NVIDIA's DCGM dashboard (Grafana 12239) queries is produced from a DCGM export", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel-metrics-12239-" });
  try {
    await using store = await CollectorStore.open({ dir, fsync: false });
    // What 12239 charts, in its revisions: temperature, power, SM clock, utilization, FB
    // used/free, tensor and graphics engine activity.
    const metrics = [
      "DCGM_FI_DEV_GPU_TEMP",
      "DCGM_FI_DEV_POWER_USAGE",
      "DCGM_FI_DEV_SM_CLOCK",
      "DCGM_FI_DEV_GPU_UTIL",
      "DCGM_FI_DEV_FB_USED",
      "DCGM_FI_DEV_FB_FREE",
      "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
      "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
    ];
    await store.write({
      topic: "t",
      group: "g",
      partition: 0,
      messages: metrics.map((metric_name, i) =>
        dcgm(i, {
          metric_name,
          value: i + 0.5,
          labels_raw: `Hostname="mtv5-dgx1-hgpu-031",UUID="${UUID}",__name__="${metric_name}",` +
            `device="nvidia0",gpu="0",instance="mtv5-dgx1-hgpu-031:9400",job="dcgm"`,
        })
      ),
    });
    const samples = checkExposition(renderMetrics({ reader: new TelemetryQuery([store.reads]) }));
    for (const metric of metrics) {
      const found = samples.filter((s) => s.name === metric);
      assertEquals(found.length, 1, metric);
      const labels = Object.fromEntries(
        [...found[0].labels.matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
      );
      // Grouped by instance and gpu (first revisions), by Hostname/hostname, gpu and UUID (later).
      assertEquals(labels.instance, "mtv5-dgx1-hgpu-031:9400", metric);
      assertEquals(labels.gpu, "0", metric);
      assertEquals(labels.Hostname, "mtv5-dgx1-hgpu-031", metric);
      assertEquals(labels.hostname, "mtv5-dgx1-hgpu-031", metric);
      assertEquals(labels.UUID, UUID, metric);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
