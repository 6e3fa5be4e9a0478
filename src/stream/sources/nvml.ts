/**
 * `--source nvml`: reads every GPU (and MIG instance) of this host through
 * NVML, no subprocess. One {@linkcode NvmlSource.read} is one reading of
 * every GPU; a field NVML answers NOT_SUPPORTED for is left out (counted and
 * logged once per GPU and field), a GPU that answers GPU_IS_LOST is marked
 * lost (logged, counted) and tried again at the next reading.
 *
 * @module
 */
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../obs/log.ts";
import { abortableSleep, type Sleep } from "../workers.ts";
import { DCGM, MIB } from "./dcgm_fields.ts";
import { FieldIssues } from "./field_issues.ts";
import {
  DEFAULT_NVML_LIB,
  type NvmlDevice,
  NvmlLibrary,
  type NvmlResult,
  NvmlReturn,
} from "./nvml_ffi.ts";
import { enumerate, type Gpu } from "./nvml_devices.ts";
import { pollEvery } from "./poll.ts";
import {
  type GpuIdentity,
  gpuSample,
  type LiveSample,
  type LiveSource,
  SourceUnavailableError,
} from "./source.ts";

/** Options of {@linkcode NvmlSource.open}. */
export interface NvmlSourceOptions {
  /** Library to load. @default {DEFAULT_NVML_LIB} */
  lib?: string;
  /** The `Hostname` label. */
  hostname: string;
  /** Time between readings, ms. */
  intervalMs: number;
  /** Time source. */
  clock: Clock;
  /** Waits between polls. @default {abortableSleep} */
  sleep?: Sleep;
  /** Where the source logs. */
  logger: Logger;
  /** Opens the library; tests inject a failing one. @default `NvmlLibrary.open` */
  load?: (path: string) => NvmlLibrary;
}

type Reader = (lib: NvmlLibrary, d: NvmlDevice) => NvmlResult<Record<string, number>>;

const one = (name: string, r: NvmlResult<number>, scale = 1): NvmlResult<Record<string, number>> =>
  r.ok ? { ok: true, value: { [name]: r.value / scale } } : r;

// What one reading asks of each GPU, in order. Utilization comes first: it is
// NVML's cheapest call and the one that notices a lost GPU.
const READERS: readonly [string, Reader][] = [
  [`${DCGM.GPU_UTIL},${DCGM.MEM_COPY_UTIL}`, (lib, d) => {
    const r = lib.utilization(d);
    return r.ok
      ? { ok: true, value: { [DCGM.GPU_UTIL]: r.value.gpu, [DCGM.MEM_COPY_UTIL]: r.value.memory } }
      : r;
  }],
  [`${DCGM.FB_USED},${DCGM.FB_FREE},${DCGM.FB_TOTAL}`, (lib, d) => {
    const r = lib.memory(d);
    return r.ok
      ? {
        ok: true,
        value: {
          [DCGM.FB_USED]: Math.floor(r.value.used / MIB),
          [DCGM.FB_FREE]: Math.floor(r.value.free / MIB),
          [DCGM.FB_TOTAL]: Math.floor(r.value.total / MIB),
        },
      }
      : r;
  }],
  [DCGM.GPU_TEMP, (lib, d) => one(DCGM.GPU_TEMP, lib.temperature(d))],
  [DCGM.MEMORY_TEMP, (lib, d) => one(DCGM.MEMORY_TEMP, lib.memoryTemperature(d))],
  [DCGM.POWER_USAGE, (lib, d) => one(DCGM.POWER_USAGE, lib.powerMilliwatts(d), 1000)],
  [DCGM.TOTAL_ENERGY, (lib, d) => one(DCGM.TOTAL_ENERGY, lib.energyMillijoules(d))],
  [DCGM.SM_CLOCK, (lib, d) => one(DCGM.SM_CLOCK, lib.clockMhz(d, 1))],
  [DCGM.MEM_CLOCK, (lib, d) => one(DCGM.MEM_CLOCK, lib.clockMhz(d, 2))],
  [DCGM.PCIE_TX, (lib, d) => one(DCGM.PCIE_TX, lib.pcieKbPerSecond(d, 0))],
  [DCGM.PCIE_RX, (lib, d) => one(DCGM.PCIE_RX, lib.pcieKbPerSecond(d, 1))],
  [DCGM.THROTTLE_REASONS, (lib, d) => one(DCGM.THROTTLE_REASONS, lib.throttleReasons(d))],
  [DCGM.ECC_SBE_VOL, (lib, d) => one(DCGM.ECC_SBE_VOL, lib.eccErrors(d, 0, 0))],
  [DCGM.ECC_DBE_VOL, (lib, d) => one(DCGM.ECC_DBE_VOL, lib.eccErrors(d, 1, 0))],
  [DCGM.ECC_SBE_AGG, (lib, d) => one(DCGM.ECC_SBE_AGG, lib.eccErrors(d, 0, 1))],
  [DCGM.ECC_DBE_AGG, (lib, d) => one(DCGM.ECC_DBE_AGG, lib.eccErrors(d, 1, 1))],
  [DCGM.FAN_SPEED, (lib, d) => one(DCGM.FAN_SPEED, lib.fanSpeed(d))],
];

/** Reads this host's GPUs through NVML. */
export class NvmlSource implements LiveSource {
  readonly name = "nvml";
  readonly #lib: NvmlLibrary;
  readonly #gpus: Gpu[];
  readonly #o: NvmlSourceOptions;
  readonly #issues: FieldIssues;
  #lostEvents = 0;
  #late = 0;
  #closed = false;

  private constructor(lib: NvmlLibrary, gpus: Gpu[], o: NvmlSourceOptions, issues: FieldIssues) {
    this.#lib = lib;
    this.#gpus = gpus;
    this.#o = o;
    this.#issues = issues;
  }

  /**
   * Loads NVML, initialises it and finds every GPU and MIG instance.
   *
   * @throws {SourceUnavailableError} naming `--nvml-lib`/`--source nvml` when
   *   the library cannot be loaded, NVML does not initialise, or finds no GPU
   */
  static open(o: NvmlSourceOptions): NvmlSource {
    const path = o.lib ?? DEFAULT_NVML_LIB;
    let lib: NvmlLibrary;
    try {
      lib = (o.load ?? NvmlLibrary.open)(path);
    } catch (cause) {
      throw new SourceUnavailableError(notLoaded(o.lib, cause as Error), { cause });
    }
    const code = lib.init();
    if (code !== NvmlReturn.SUCCESS) {
      const why = lib.errorString(code);
      lib.close();
      throw new SourceUnavailableError(
        `--source nvml: NVML did not start (nvmlInit: ${why}); is the NVIDIA driver loaded? ` +
          "use --source nvidia-smi or --csv",
      );
    }
    const issues = new FieldIssues(o.logger);
    const gpus = enumerate(lib, { hostname: o.hostname, logger: o.logger });
    if (gpus.length === 0) {
      lib.close();
      throw new SourceUnavailableError(
        "--source nvml: NVML found no GPU on this host; use --csv to replay a file instead",
      );
    }
    o.logger.info(`NVML: ${gpus.length} GPUs`, {
      gpus: gpus.map((g) => `${g.id.index}:${g.id.uuid}`).join(","),
    });
    return new NvmlSource(lib, gpus, o, issues);
  }

  /** The GPUs found at open, as labelled. */
  get gpus(): readonly GpuIdentity[] {
    return this.#gpus.map((g) => g.id);
  }

  /** One reading of every GPU per interval, until `signal` aborts. */
  samples(signal: AbortSignal): AsyncIterable<LiveSample[]> {
    return pollEvery(() => this.read(), {
      intervalMs: this.#o.intervalMs,
      clock: this.#o.clock,
      sleep: this.#o.sleep ?? abortableSleep,
      onLate: (n) => this.#late += n,
    }, signal);
  }

  /** Reads every GPU once; a lost GPU gives no sample (and is retried next time). */
  read(): LiveSample[] {
    const out: LiveSample[] = [];
    for (const gpu of this.#gpus) {
      const metrics = this.#readGpu(gpu);
      if (metrics === undefined) continue;
      const timestamp = new Date(this.#o.clock.now()).toISOString();
      out.push(gpuSample(gpu.id, metrics, timestamp));
    }
    return out;
  }

  /**
   * `gpus`, `lost` (now), `lost_events`, `unsupported` and `errors` (GPU-and-field
   * pairs), `late` (readings skipped because one ran past its interval).
   */
  counters(): Record<string, number> {
    return {
      gpus: this.#gpus.length,
      lost: this.#gpus.filter((g) => g.lost).length,
      lost_events: this.#lostEvents,
      unsupported: this.#issues.unsupported,
      errors: this.#issues.failing,
      late: this.#late,
    };
  }

  /** Shuts NVML down and unloads it. Safe to call twice. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#lib.close();
    }
    return Promise.resolve();
  }

  #readGpu(gpu: Gpu): Record<string, number> | undefined {
    const metrics: Record<string, number> = {};
    const uuid = gpu.id.uuid;
    for (const [field, read] of READERS) {
      const r = read(this.#lib, gpu.handle);
      if (r.ok) {
        Object.assign(metrics, r.value);
      } else if (r.code === NvmlReturn.GPU_IS_LOST) {
        if (!gpu.lost) {
          gpu.lost = true;
          this.#lostEvents++;
          this.#o.logger.error(
            `GPU ${gpu.id.index} (${uuid}) is lost (NVML: ${this.#lib.errorString(r.code)}); ` +
              "trying it again at every reading",
          );
        }
        this.#issues.flush(uuid);
        return undefined;
      } else {
        const why = `NVML: ${this.#lib.errorString(r.code)}`;
        this.#issues.note(
          uuid,
          field,
          why,
          r.code === NvmlReturn.NOT_SUPPORTED ? "unsupported" : "error",
        );
      }
    }
    this.#issues.flush(uuid);
    if (gpu.lost) {
      gpu.lost = false;
      this.#o.logger.info(`GPU ${gpu.id.index} (${uuid}) answers again`);
    }
    return metrics;
  }
}

function notLoaded(lib: string | undefined, cause: Error): string {
  if (lib !== undefined) {
    return `--nvml-lib ${lib}: cannot load it (${loadError(cause)}); ` +
      "give the path of libnvidia-ml.so.1, or use --source nvidia-smi or --csv";
  }
  return `--source nvml: ${DEFAULT_NVML_LIB} not found: is the NVIDIA driver installed? ` +
    "use --source nvidia-smi or --csv";
}

// Deno's dlopen error repeats its prefix; keep the dynamic linker's words.
function loadError(cause: Error): string {
  return cause.message.split("\n")[0].replace(/^(Could not open library: )+/, "");
}
