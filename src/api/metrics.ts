/**
 * `GET /metrics`: the server's own health counters, and the latest value of
 * every GPU metric in dcgm-exporter's scheme, so Prometheus scrape configs
 * and dashboards written for dcgm-exporter work against gputel:
 *
 * ```
 * DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-…",device="nvidia0",modelName="…",Hostname="h",hostname="h",instance="h:9400"} 87
 * ```
 *
 * Metrics not named `DCGM_FI_*` appear as `gputel_gpu_<sanitised name>` with
 * the same labels. Pure: it reads a {@linkcode TelemetryReader}.
 *
 * @module
 */

import type { GpuInfo } from "../query/memory_window.ts";
import type { TelemetryReader } from "../query/query.ts";
import type { MetricValue } from "../record/telemetry_record.ts";
import { type Labels, type MetricType, PromText } from "../obs/prometheus.ts";

/** Prefix of GPU metrics whose name is not a `DCGM_FI_*` field. */
export const GPU_METRIC_PREFIX = "gputel_gpu_";
/** Prefix of the server's own counters. */
export const SELF_METRIC_PREFIX = "gputel_collector_";

const PROM_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

// Counters that are levels, not totals.
const GAUGES = new Set([
  "sources",
  "collector_dirs",
  "records_total",
  "files",
  "bytes",
  "journal_bytes",
  "unflushed_bytes",
  "last_write_ms",
  "max_entries_per_gpu",
  "max_records",
  "records",
  "gpus",
  "gpus_in_memory",
  "metrics_skipped",
]);

/**
 * The exposition name of a GPU metric: a valid `DCGM_FI_*` name as is,
 * anything else `gputel_gpu_` + the name with every character outside
 * `[a-zA-Z0-9_]` replaced by `_`.
 *
 * @example
 * ```ts
 * gpuMetricName("DCGM_FI_DEV_GPU_UTIL"); // "DCGM_FI_DEV_GPU_UTIL"
 * gpuMetricName("power.draw [W]"); // "gputel_gpu_power_draw__W_"
 * ```
 */
export function gpuMetricName(metric: string): string {
  if (metric.startsWith("DCGM_FI_") && PROM_NAME.test(metric)) return metric;
  return GPU_METRIC_PREFIX + metric.replace(/[^a-zA-Z0-9_]/g, "_");
}

/** A metric value as a sample value: numbers as is, booleans 1/0, strings none. */
function sampleValue(value: MetricValue): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  return undefined;
}

/** What {@linkcode renderMetrics} exposes besides the GPUs. */
export interface MetricsInput {
  /** The read side: GPUs, their latest values, store counters, memory window. */
  reader: TelemetryReader;
  /** More counters of the role (deliveries, nacks, refreshes, …). */
  counters?: Record<string, number>;
}

/**
 * Renders the exposition document.
 *
 * - `gputel_collector_<counter>`: the read side's counters (`/stats`), the
 *   memory window (`/memory-stats`, as `gputel_collector_memory_<field>`) and
 *   the role's counters; totals as counters with `_total`, levels as gauges.
 * - one gauge sample per GPU and numeric (or boolean) metric of its latest
 *   values, labelled `gpu`, `UUID`, `device`, `modelName`, `Hostname` and
 *   `hostname` (dcgm-exporter's old and new spelling), `instance` (the
 *   input's `instance` label, else the host) (and `GPU_I_PROFILE`,
 *   `GPU_I_ID` of a MIG instance, `container`, `pod`, `namespace` where known; `device` and those come from
 *   the GPU's newest record in memory, so a GPU whose records all left memory
 *   lacks them); string values (and a second
 *   metric whose name sanitises like one already written) are left out and
 *   counted in the gauge `gputel_collector_metrics_skipped`.
 *
 * @returns the text, newline-terminated; families are contiguous
 */
export function renderMetrics(input: MetricsInput): string {
  const text = new PromText();
  const self = (key: string, value: number, help: string) => {
    const base = SELF_METRIC_PREFIX + key.replace(/[^a-zA-Z0-9_]/g, "_");
    const type: MetricType = GAUGES.has(key) || key.startsWith("memory_") ? "gauge" : "counter";
    const name = type === "counter" && !base.endsWith("_total") ? `${base}_total` : base;
    text.sample(name, type, help, value);
  };
  const seen = new Set<string>();
  const counters: [string, number][] = [
    ...Object.entries(input.reader.stats()),
    ...Object.entries(input.reader.memoryStats()).map(([k, v]): [string, number] => [
      `memory_${k}`,
      v,
    ]),
    ...Object.entries(input.counters ?? {}),
  ];
  for (const [key, value] of counters) {
    if (typeof value !== "number" || seen.has(key)) continue;
    seen.add(key);
    self(key, value, `gputel ${key.replaceAll("_", " ")}`);
  }

  const { gpus } = input.reader.listGpus();
  const families = new Map<string, { metric: string; samples: [Labels, number][] }>();
  let skipped = 0;
  for (const gpu of gpus) {
    const newest = input.reader.newest(gpu.id, 1)[0];
    const labels = gpuLabels(gpu, newest?.labels ?? {});
    const names = new Set<string>();
    for (const [metric, raw] of Object.entries(gpu.latest)) {
      const value = sampleValue(raw);
      const name = gpuMetricName(metric);
      // Two metrics whose names sanitise alike would make duplicate series.
      if (value === undefined || names.has(name)) {
        skipped++;
        continue;
      }
      names.add(name);
      let family = families.get(name);
      if (family === undefined) families.set(name, family = { metric, samples: [] });
      family.samples.push([labels, value]);
    }
  }
  self("metrics_skipped", skipped, "GPU metric values left out: not numbers, or a name clash");
  for (const [name, family] of [...families].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const help = `Latest ${family.metric} of each GPU, as stored by gputel`;
    for (const [labels, value] of family.samples) text.sample(name, "gauge", help, value, labels);
  }
  return text.toString();
}

// dcgm-exporter's label names, from the GPU's listing and the labels of its
// newest record in memory (`device`, `uuid`, Kubernetes labels).
function gpuLabels(gpu: GpuInfo, recordLabels: Record<string, string>): Labels {
  const labels: Labels = {};
  if (gpu.gpu_index !== null) labels.gpu = gpu.gpu_index;
  labels.UUID = recordLabels.uuid ?? gpu.id;
  if (recordLabels.device !== undefined) labels.device = recordLabels.device;
  if (gpu.model !== null) labels.modelName = gpu.model;
  if (gpu.hostname !== null) {
    // dcgm-exporter wrote `Hostname` until its 4.x releases and `hostname`
    // since; dashboards query one or the other, so both are written.
    labels.Hostname = gpu.hostname;
    labels.hostname = gpu.hostname;
  }
  // The exporter's scrape target as the input recorded it, else the host:
  // dashboards written for one exporter per host (Grafana 12239's first
  // revisions) group by `instance` (keep it with `honor_labels: true`).
  const instance = recordLabels.instance ?? gpu.hostname;
  if (instance) labels.instance = instance;
  // A MIG instance as dcgm-exporter labels it (same UUID as its GPU, told
  // apart by GPU_I_ID), then Kubernetes attribution.
  for (const key of ["GPU_I_PROFILE", "GPU_I_ID", "container", "pod", "namespace"]) {
    const value = recordLabels[key];
    if (value !== undefined && value !== "") labels[key] = value;
  }
  return labels;
}
