// deno-lint-ignore-file size/max-file-lines -- over the limit until issue 15 splits it
/**
 * Synthetic telemetry in the DCGM exporter's long CSV shape: one metric per
 * row, every field double-quoted, `labels_raw` in Prometheus label syntax.
 * Pure and deterministic: the same options give the same lines.
 *
 * @module
 */

import { mulberry32 } from "./prng.ts";

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
/** Total frame buffer of an H100 80GB HBM3, MiB. */
export const H100_FB_TOTAL_MIB = 81_559;
/** Frame buffer the driver reserves; FB_USED + FB_FREE = total − reserved (81,007 in the real export). */
export const H100_FB_RESERVED_MIB = 552;
/** Highest SM clock of an H100 SXM, MHz. */
export const H100_SM_CLOCK_MAX_MHZ = 1_980;
/** Memory clock of an H100 80GB HBM3, MHz (constant in the export). */
export const H100_MEM_CLOCK_MHZ = 2_619;

/** Options of {@linkcode dcgmLines}. */
export interface DcgmGeneratorOptions {
  /** Number of hosts. @default 4 */
  hosts?: number;
  /** GPUs per host. @default 8 */
  gpusPerHost?: number;
  /**
   * GPUs in all, filled host by host, so the last host may have fewer (the
   * reference export: 247 on 31 hosts). @default hosts × gpusPerHost
   */
  gpus?: number;
  /**
   * Metrics scraped per second of a round: within a round the timestamp
   * advances one second after every this many metrics (the reference export:
   * 3, so one round spans 4 timestamps). @default 10 (one timestamp per round)
   */
  metricsPerSecond?: number;
  /** PRNG seed; the same seed gives the same file. @default 1 */
  seed?: number;
  /** Time of the first scrape round, epoch ms. @default Date.parse("2025-07-18T20:42:34Z") */
  startMs?: number;
  /** Time between scrape rounds, ms. @default 1000 */
  intervalMs?: number;
  /** Host names are this prefix plus a 3-digit number. @default "sim-dgx1-hgpu-" */
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

interface Gpu {
  host: string;
  index: number;
  uuid: string;
  busy: boolean;
  temp: number;
  fbUsed: number;
}

interface Sample {
  util: number;
  memCopy: number;
  power: number;
  temp: number;
  fbUsed: number;
  dec: number;
  enc: number;
  smClock: number;
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
    const samples = gpus.map((g) => step(g, random));
    for (const [m, metric] of DCGM_METRICS.entries()) {
      const second = Math.floor(m / o.metricsPerSecond) * 1000;
      const ts = quoteCsvField(formatTimestamp(o.startMs + round * o.intervalMs + second));
      for (let i = 0; i < gpus.length; i++) {
        const f = fixed[i];
        const labels = `${f.labelsHead},__name__="${metric}",${f.labelsTail}`;
        yield `${ts},"${metric}",${f.prefix},"${valueOf(metric, samples[i])}",${
          quoteCsvField(labels)
        }`;
      }
    }
  }
}

function makeGpus(o: Required<DcgmGeneratorOptions>, random: () => number): Gpu[] {
  const seen = new Set<string>();
  const gpus: Gpu[] = [];
  for (let h = 1; h <= o.hosts; h++) {
    const host = `${o.hostPrefix}${String(h).padStart(3, "0")}`;
    for (let index = 0; index < o.gpusPerHost && gpus.length < o.gpus; index++) {
      let uuid = makeUuid(random);
      while (seen.has(uuid)) uuid = makeUuid(random);
      seen.add(uuid);
      const busy = random() < 0.45;
      gpus.push({
        host,
        index,
        uuid,
        busy,
        temp: busy ? 45 + random() * 30 : 26 + random() * 10,
        fbUsed: busy ? between(random, 40_000, 77_400) : between(random, 4, 8),
      });
    }
  }
  return gpus;
}

/** `GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower-case hex. */
function makeUuid(random: () => number): string {
  let hex = "";
  for (let i = 0; i < 32; i++) hex += Math.floor(random() * 16).toString(16);
  return `GPU-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/** Integer in [lo, hi]. */
function between(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** Advances one GPU by one round and returns what it reports. */
function step(g: Gpu, random: () => number): Sample {
  if (random() < 0.03) {
    g.busy = !g.busy;
    g.fbUsed = g.busy ? between(random, 40_000, 77_400) : between(random, 4, 8);
  }
  const target = g.busy ? 72 : 30;
  g.temp = Math.min(90, Math.max(25, g.temp + (target - g.temp) * 0.1 + (random() - 0.5) * 2));
  if (g.busy) {
    g.fbUsed = Math.min(80_400, Math.max(2_000, g.fbUsed + between(random, -200, 200)));
  }
  const fbUsed = Math.min(g.fbUsed, H100_FB_TOTAL_MIB - H100_FB_RESERVED_MIB);
  const util = g.busy ? (random() < 0.8 ? between(random, 95, 100) : between(random, 60, 94)) : 0;
  const rare = (max: number) => (random() < 0.02 ? between(random, 1, max) : 0);
  return {
    util,
    memCopy: g.busy ? between(random, 20, 80) : rare(5),
    power: g.busy ? 250 + (util / 100) * 400 + random() * 50 : 60 + random() * 70,
    temp: Math.round(g.temp),
    fbUsed,
    dec: rare(15),
    enc: rare(10),
    smClock: g.busy
      ? (random() < 0.9 ? H100_SM_CLOCK_MAX_MHZ : between(random, 1_965, 1_980))
      : (random() < 0.75 ? 345 : H100_SM_CLOCK_MAX_MHZ),
  };
}

function valueOf(metric: string, s: Sample): string {
  switch (metric) {
    case "DCGM_FI_DEV_GPU_UTIL":
      return String(s.util);
    case "DCGM_FI_DEV_MEM_COPY_UTIL":
      return String(s.memCopy);
    case "DCGM_FI_DEV_POWER_USAGE":
      return String(Number(s.power.toFixed(3)));
    case "DCGM_FI_DEV_GPU_TEMP":
      return String(s.temp);
    case "DCGM_FI_DEV_FB_USED":
      return String(s.fbUsed);
    case "DCGM_FI_DEV_FB_FREE":
      return String(H100_FB_TOTAL_MIB - H100_FB_RESERVED_MIB - s.fbUsed);
    case "DCGM_FI_DEV_DEC_UTIL":
      return String(s.dec);
    case "DCGM_FI_DEV_ENC_UTIL":
      return String(s.enc);
    case "DCGM_FI_DEV_SM_CLOCK":
      return String(s.smClock);
    default:
      return String(H100_MEM_CLOCK_MHZ);
  }
}

/** RFC 3339 in UTC like the export: whole seconds without a fraction. */
function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}
