/**
 * The simulated GPUs behind `dcgmLines` (`dcgm_generator.ts`):
 * H100s that switch between busy and idle, their state from one scrape round
 * to the next, and the value each DCGM metric reports. Pure: every draw
 * comes from the `random` the caller passes.
 *
 * @module
 */

/** Total frame buffer of an H100 80GB HBM3, MiB. */
export const H100_FB_TOTAL_MIB = 81_559;
/** Frame buffer the driver reserves; FB_USED + FB_FREE = total − reserved (81,007 in the real export). */
export const H100_FB_RESERVED_MIB = 552;
/** Highest SM clock of an H100 SXM, MHz. */
export const H100_SM_CLOCK_MAX_MHZ = 1_980;
/** Memory clock of an H100 80GB HBM3, MHz (constant in the export). */
export const H100_MEM_CLOCK_MHZ = 2_619;

/** One simulated GPU: where it is, its UUID, and the state a round moves on from. */
export interface SimGpu {
  /** Host name. */
  host: string;
  /** GPU index on its host. */
  index: number;
  /** `GPU-…` UUID. */
  uuid: string;
  /** Busy (high utilization, power, clocks) or idle. */
  busy: boolean;
  /** Core temperature, °C, unrounded. */
  temp: number;
  /** Frame buffer used, MiB. */
  fbUsed: number;
}

/** What one GPU reports in one round, per metric. */
export interface SimSample {
  /** GPU utilization, %. */
  util: number;
  /** Memory copy utilization, %. */
  memCopy: number;
  /** Power draw, W. */
  power: number;
  /** Core temperature, °C. */
  temp: number;
  /** Frame buffer used, MiB. */
  fbUsed: number;
  /** Decoder utilization, %. */
  dec: number;
  /** Encoder utilization, %. */
  enc: number;
  /** SM clock, MHz. */
  smClock: number;
}

/** The fleet {@linkcode makeGpus} lays out. */
export interface SimFleet {
  /** Number of hosts. */
  hosts: number;
  /** GPUs per host. */
  gpusPerHost: number;
  /** GPUs in all, filled host by host. */
  gpus: number;
  /** Host names are this prefix plus a 3-digit number. */
  hostPrefix: string;
}

/**
 * Places the fleet's GPUs host by host, each with a unique UUID and a busy
 * or idle start, drawing from `random`.
 */
export function makeGpus(o: SimFleet, random: () => number): SimGpu[] {
  const seen = new Set<string>();
  const gpus: SimGpu[] = [];
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
export function stepGpu(g: SimGpu, random: () => number): SimSample {
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

/** The text of `metric` (one of `DCGM_METRICS`) in a sample, as the export writes it. */
export function metricValue(metric: string, s: SimSample): string {
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
