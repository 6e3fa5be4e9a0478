/**
 * Synthetic telemetry in the DCGM exporter's long CSV shape: one metric per
 * row, every field double-quoted, `labels_raw` in Prometheus label syntax.
 * Pure and deterministic: the same options give the same lines.
 *
 * @module
 */

import { mulberry32 } from "./prng.ts";
import { makeGpus, metricValue, stepGpu } from "./sim_gpu.ts";

/** The DCGM export's columns, in order. */
export const DCGM_COLUMNS: readonly string[] = [
  "timestamp",
  "metric_name",
  "gpu_id",
  "device",
  "uuid",
  "modelName",
  "Hostname",
  "container",
  "pod",
  "namespace",
  "value",
  "labels_raw",
];

/** The ten metrics of the reference export, in its order. */
export const DCGM_METRICS: readonly string[] = [
  "DCGM_FI_DEV_GPU_UTIL",
  "DCGM_FI_DEV_MEM_COPY_UTIL",
  "DCGM_FI_DEV_POWER_USAGE",
  "DCGM_FI_DEV_GPU_TEMP",
  "DCGM_FI_DEV_FB_USED",
  "DCGM_FI_DEV_FB_FREE",
  "DCGM_FI_DEV_DEC_UTIL",
  "DCGM_FI_DEV_ENC_UTIL",
  "DCGM_FI_DEV_SM_CLOCK",
  "DCGM_FI_DEV_MEM_CLOCK",
];

/** GPU model written to every row. */
export const DCGM_MODEL = "NVIDIA H100 80GB HBM3";

/** Options of {@linkcode dcgmLines}. */
export interface DcgmGeneratorOptions {
  /** Number of hosts. @default {DEFAULT_DCGM_GENERATOR_OPTIONS.hosts} */
  hosts?: number;
  /** GPUs per host. @default {DEFAULT_DCGM_GENERATOR_OPTIONS.gpusPerHost} */
  gpusPerHost?: number;
  /**
   * GPUs in all, filled host by host, so the last host may have fewer (the
   * reference export: 247 on 31 hosts). @default hosts × gpusPerHost
   */
  gpus?: number;
  /**
   * Metrics scraped per second of a round: within a round the timestamp
   * advances one second after every this many metrics (the reference export:
   * 3, so one round spans 4 timestamps). @default {DEFAULT_DCGM_GENERATOR_OPTIONS.metricsPerSecond} (one timestamp per round)
   */
  metricsPerSecond?: number;
  /** PRNG seed; the same seed gives the same file. @default {DEFAULT_DCGM_GENERATOR_OPTIONS.seed} */
  seed?: number;
  /** Time of the first scrape round, epoch ms. @default Date.parse("2025-07-18T20:42:34Z") */
  startMs?: number;
  /** Time between scrape rounds, ms. @default {DEFAULT_DCGM_GENERATOR_OPTIONS.intervalMs} */
  intervalMs?: number;
  /** Host names are this prefix plus a 3-digit number. @default {DEFAULT_DCGM_GENERATOR_OPTIONS.hostPrefix} */
  hostPrefix?: string;
}

/** Defaults of {@linkcode DcgmGeneratorOptions} (`gpus` defaults to all of the hosts' GPUs). */
export const DEFAULT_DCGM_GENERATOR_OPTIONS: Readonly<
  Required<Omit<DcgmGeneratorOptions, "gpus">>
> = {
  hosts: 4,
  gpusPerHost: 8,
  metricsPerSecond: 10,
  seed: 1,
  startMs: Date.parse("2025-07-18T20:42:34Z"),
  intervalMs: 1000,
  hostPrefix: "sim-dgx1-hgpu-",
};

/**
 * The reference export's shape: 247 GPUs on 31 hosts, 10 metrics scraped
 * over 4 seconds; one round of it is {@linkcode EXPORT_ROWS} rows.
 */
export const EXPORT_SHAPE: Readonly<DcgmGeneratorOptions> = {
  hosts: 31,
  gpusPerHost: 8,
  gpus: 247,
  metricsPerSecond: 3,
};
/** Rows of the reference export: 247 GPUs × 10 metrics. */
export const EXPORT_ROWS = 2470;

/**
 * Fills defaults and validates.
 *
 * @throws {RangeError} naming the first bad field
 */
export function resolveDcgmGeneratorOptions(
  options: DcgmGeneratorOptions = {},
): Required<DcgmGeneratorOptions> {
  const given = stripUndefined(options);
  const o = { ...DEFAULT_DCGM_GENERATOR_OPTIONS, ...given };
  const positiveInt = (name: keyof DcgmGeneratorOptions, value: number, max: number) => {
    if (!Number.isSafeInteger(value) || value < 1 || value > max) {
      throw new RangeError(`${name} must be an integer in 1..${max}, got ${value}`);
    }
  };
  positiveInt("hosts", o.hosts, 999);
  positiveInt("gpusPerHost", o.gpusPerHost, 64);
  const gpus = given.gpus ?? o.hosts * o.gpusPerHost;
  positiveInt("gpus", gpus, o.hosts * o.gpusPerHost);
  positiveInt("metricsPerSecond", o.metricsPerSecond, 1000);
  if (!Number.isSafeInteger(o.seed)) throw new RangeError(`seed must be an integer, got ${o.seed}`);
  if (!Number.isFinite(o.startMs) || Number.isNaN(new Date(o.startMs).getTime())) {
    throw new RangeError(`startMs must be a valid epoch time in ms, got ${o.startMs}`);
  }
  positiveInt("intervalMs", o.intervalMs, 86_400_000);
  return { ...o, gpus };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The header line (no newline), exactly as the DCGM export writes it. */
export function dcgmHeaderLine(): string {
  return DCGM_COLUMNS.join(",");
}

/** Quotes one CSV field the way the export does: always, doubling inner quotes. */
export function quoteCsvField(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/**
 * Generates data lines (no header, no newline) forever: scrape round after
 * scrape round, each round one row per metric per GPU, ordered metric, then
 * host, then GPU, all sharing the round's timestamp. Values follow busy/idle
 * states per GPU: utilization 0–100, temperature 25–90 °C, FB used + free =
 * 81,007 MiB, power 60–700 W, SM clock up to 1,980 MHz, memory clock 2,619,
 * encoder/decoder utilization mostly 0. UUIDs are unique and derived from
 * the seed.
 *
 * @param options hosts, GPUs per host, seed, timing
 * @throws {RangeError} on a bad option (when iteration starts)
 *
 * @example
 * ```ts
 * const lines = dcgmLines({ hosts: 1, seed: 7 });
 * lines.next().value; // '"2025-07-18T20:42:34Z","DCGM_FI_DEV_GPU_UTIL","0",…'
 * ```
 */
export function* dcgmLines(options: DcgmGeneratorOptions = {}): Generator<string, never> {
  const o = resolveDcgmGeneratorOptions(options);
  const random = mulberry32(o.seed);
  const gpus = makeGpus(o, random);
  // Label text that does not change between rounds, split around __name__.
  const fixed = gpus.map((g) => {
    const device = `nvidia${g.index}`;
    const prefix = [g.index, device, g.uuid, DCGM_MODEL, g.host, "", "", ""]
      .map((v) => quoteCsvField(String(v))).join(",");
    const labelsHead = `DCGM_FI_DRIVER_VERSION="535.129.03",Hostname="${g.host}",UUID="${g.uuid}"`;
    const labelsTail = `device="${device}",gpu="${g.index}",instance="${g.host}:9400",` +
      `job="dgx_dcgm_exporter",modelName="${DCGM_MODEL}"`;
    return { prefix, labelsHead, labelsTail };
  });
  for (let round = 0;; round++) {
    const samples = gpus.map((g) => stepGpu(g, random));
    for (const [m, metric] of DCGM_METRICS.entries()) {
      const second = Math.floor(m / o.metricsPerSecond) * 1000;
      const ts = quoteCsvField(formatTimestamp(o.startMs + round * o.intervalMs + second));
      for (let i = 0; i < gpus.length; i++) {
        const f = fixed[i];
        const labels = `${f.labelsHead},__name__="${metric}",${f.labelsTail}`;
        yield `${ts},"${metric}",${f.prefix},"${metricValue(metric, samples[i])}",${
          quoteCsvField(labels)
        }`;
      }
    }
  }
}

/** RFC 3339 in UTC like the export: whole seconds without a fraction. */
function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}
