/**
 * The NVML C API as gputel binds it through `Deno.dlopen`: the symbol table,
 * the return codes it reacts to, and typed wrappers that decode NVML's
 * out-parameters and structs. The only module that touches FFI.
 *
 * The structs' layouts, those of `nvml.h` (x86-64 and aarch64 Linux, LP64),
 * are in `nvml_structs.ts`. The fake library in `tests/fixtures/fake_nvml.c`
 * exports the same symbols with the same layouts.
 *
 * @module
 */

import {
  cString,
  FI_DEV_MEMORY_TEMP,
  FIELD_VALUE_BYTES,
  fieldValue,
  NAME_BYTES,
  PCI_BUS_ID_OFFSET,
  PCI_INFO_BYTES,
} from "./nvml_structs.ts";

/** NVML return codes gputel treats specially (`nvmlReturn_t`). */
export const NvmlReturn = {
  SUCCESS: 0,
  NOT_SUPPORTED: 3,
  NOT_FOUND: 6,
  GPU_IS_LOST: 15,
} as const;

/** The library `--source nvml` loads when `--nvml-lib` is not given. */
export const DEFAULT_NVML_LIB = "libnvidia-ml.so.1";

const DEVICE = "pointer" as const;
const BUF = "buffer" as const;
const I32 = "i32" as const;
const U32 = "u32" as const;

// Symbols every NVML since driver 450 has; dlopen fails without them.
const REQUIRED = {
  nvmlInit_v2: { parameters: [], result: I32 },
  nvmlShutdown: { parameters: [], result: I32 },
  nvmlErrorString: { parameters: [I32], result: "pointer" },
  nvmlDeviceGetCount_v2: { parameters: [BUF], result: I32 },
  nvmlDeviceGetHandleByIndex_v2: { parameters: [U32, BUF], result: I32 },
  nvmlDeviceGetUUID: { parameters: [DEVICE, BUF, U32], result: I32 },
  nvmlDeviceGetName: { parameters: [DEVICE, BUF, U32], result: I32 },
  nvmlDeviceGetPciInfo_v3: { parameters: [DEVICE, BUF], result: I32 },
  nvmlDeviceGetUtilizationRates: { parameters: [DEVICE, BUF], result: I32 },
  nvmlDeviceGetMemoryInfo: { parameters: [DEVICE, BUF], result: I32 },
  nvmlDeviceGetTemperature: { parameters: [DEVICE, I32, BUF], result: I32 },
  nvmlDeviceGetPowerUsage: { parameters: [DEVICE, BUF], result: I32 },
  nvmlDeviceGetClockInfo: { parameters: [DEVICE, I32, BUF], result: I32 },
} as const;

// Symbols of newer drivers or optional features: null when absent.
const OPTIONAL = {
  nvmlSystemGetDriverVersion: { parameters: [BUF, U32], result: I32, optional: true },
  nvmlDeviceGetFieldValues: { parameters: [DEVICE, I32, BUF], result: I32, optional: true },
  nvmlDeviceGetTotalEnergyConsumption: { parameters: [DEVICE, BUF], result: I32, optional: true },
  nvmlDeviceGetPcieThroughput: { parameters: [DEVICE, I32, BUF], result: I32, optional: true },
  nvmlDeviceGetCurrentClocksThrottleReasons: {
    parameters: [DEVICE, BUF],
    result: I32,
    optional: true,
  },
  nvmlDeviceGetTotalEccErrors: { parameters: [DEVICE, I32, I32, BUF], result: I32, optional: true },
  nvmlDeviceGetFanSpeed: { parameters: [DEVICE, BUF], result: I32, optional: true },
  nvmlDeviceGetMigMode: { parameters: [DEVICE, BUF, BUF], result: I32, optional: true },
  nvmlDeviceGetMaxMigDeviceCount: { parameters: [DEVICE, BUF], result: I32, optional: true },
  nvmlDeviceGetMigDeviceHandleByIndex: {
    parameters: [DEVICE, U32, BUF],
    result: I32,
    optional: true,
  },
  nvmlDeviceGetGpuInstanceId: { parameters: [DEVICE, BUF], result: I32, optional: true },
} as const;

const SYMBOLS = { ...REQUIRED, ...OPTIONAL } as const;
type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** An opaque `nvmlDevice_t`. */
export type NvmlDevice = Deno.PointerObject;

/** A call's outcome: its value, or the NVML return code it failed with. */
export type NvmlResult<T> = { ok: true; value: T } | { ok: false; code: number };

/**
 * An open NVML library. Every method is one NVML call, synchronous (NVML
 * calls take microseconds); each answers its value or the failing code.
 */
export class NvmlLibrary {
  readonly #lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  readonly #s: Symbols;
  readonly #u32 = new Uint32Array(2);
  readonly #u64 = new BigUint64Array(3);
  #closed = false;

  private constructor(lib: Deno.DynamicLibrary<typeof SYMBOLS>) {
    this.#lib = lib;
    this.#s = lib.symbols;
  }

  /**
   * Loads the library at `path` (a name searched like the dynamic linker does, or a path).
   *
   * @throws {Error} from `Deno.dlopen` when it cannot be loaded or lacks a required symbol
   */
  static open(path: string): NvmlLibrary {
    return new NvmlLibrary(Deno.dlopen(path, SYMBOLS));
  }

  /** `nvmlInit_v2`: the return code. */
  init(): number {
    return this.#s.nvmlInit_v2();
  }

  /** NVML's text for a return code (`nvmlErrorString`). */
  errorString(code: number): string {
    const p = this.#s.nvmlErrorString(code);
    return p === null ? `NVML error ${code}` : Deno.UnsafePointerView.getCString(p);
  }

  /** The driver version, when the library has the call. */
  driverVersion(): NvmlResult<string> {
    const f = this.#s.nvmlSystemGetDriverVersion;
    if (f === null) return { ok: false, code: NvmlReturn.NOT_SUPPORTED };
    const buf = new Uint8Array(NAME_BYTES);
    return this.#done(f(buf, buf.length), () => cString(buf));
  }

  /** Number of physical GPUs. */
  deviceCount(): NvmlResult<number> {
    return this.#done(this.#s.nvmlDeviceGetCount_v2(this.#u32), () => this.#u32[0]);
  }

  /** The handle of physical GPU `index`. */
  deviceByIndex(index: number): NvmlResult<NvmlDevice> {
    return this.#done(this.#s.nvmlDeviceGetHandleByIndex_v2(index, this.#u64), () => this.#ptr());
  }

  /** `GPU-…` (or `MIG-…`) UUID. */
  uuid(d: NvmlDevice): NvmlResult<string> {
    const buf = new Uint8Array(NAME_BYTES);
    return this.#done(this.#s.nvmlDeviceGetUUID(d, buf, buf.length), () => cString(buf));
  }

  /** Product name, e.g. `NVIDIA H100 80GB HBM3`. */
  name(d: NvmlDevice): NvmlResult<string> {
    const buf = new Uint8Array(NAME_BYTES);
    return this.#done(this.#s.nvmlDeviceGetName(d, buf, buf.length), () => cString(buf));
  }

  /** PCI bus id, e.g. `00000000:09:00.0`. */
  pciBusId(d: NvmlDevice): NvmlResult<string> {
    const buf = new Uint8Array(PCI_INFO_BYTES);
    return this.#done(
      this.#s.nvmlDeviceGetPciInfo_v3(d, buf),
      () => cString(buf.subarray(PCI_BUS_ID_OFFSET, PCI_BUS_ID_OFFSET + 32)),
    );
  }

  /** GPU and memory utilization, %. */
  utilization(d: NvmlDevice): NvmlResult<{ gpu: number; memory: number }> {
    return this.#done(
      this.#s.nvmlDeviceGetUtilizationRates(d, this.#u32),
      () => ({ gpu: this.#u32[0], memory: this.#u32[1] }),
    );
  }

  /** Frame buffer total, free and used, bytes. */
  memory(d: NvmlDevice): NvmlResult<{ total: number; free: number; used: number }> {
    return this.#done(this.#s.nvmlDeviceGetMemoryInfo(d, this.#u64), () => ({
      total: Number(this.#u64[0]),
      free: Number(this.#u64[1]),
      used: Number(this.#u64[2]),
    }));
  }

  /** GPU core temperature, °C. */
  temperature(d: NvmlDevice): NvmlResult<number> {
    return this.#u32Call(this.#s.nvmlDeviceGetTemperature(d, 0, this.#u32));
  }

  /** Memory (HBM) temperature, °C, through `nvmlDeviceGetFieldValues`. */
  memoryTemperature(d: NvmlDevice): NvmlResult<number> {
    const f = this.#s.nvmlDeviceGetFieldValues;
    if (f === null) return { ok: false, code: NvmlReturn.NOT_SUPPORTED };
    const buf = new Uint8Array(FIELD_VALUE_BYTES);
    const view = new DataView(buf.buffer);
    view.setUint32(0, FI_DEV_MEMORY_TEMP, true);
    const code = f(d, 1, buf);
    if (code !== NvmlReturn.SUCCESS) return { ok: false, code };
    const fieldCode = view.getUint32(28, true);
    if (fieldCode !== NvmlReturn.SUCCESS) return { ok: false, code: fieldCode };
    return { ok: true, value: fieldValue(view, view.getUint32(24, true)) };
  }

  /** Power draw, milliwatts. */
  powerMilliwatts(d: NvmlDevice): NvmlResult<number> {
    return this.#u32Call(this.#s.nvmlDeviceGetPowerUsage(d, this.#u32));
  }

  /** Energy since the driver loaded, millijoules. */
  energyMillijoules(d: NvmlDevice): NvmlResult<number> {
    const f = this.#s.nvmlDeviceGetTotalEnergyConsumption;
    if (f === null) return { ok: false, code: NvmlReturn.NOT_SUPPORTED };
    return this.#done(f(d, this.#u64), () => Number(this.#u64[0]));
  }

  /** A clock, MHz: `type` 1 = SM, 2 = memory. */
  clockMhz(d: NvmlDevice, type: 1 | 2): NvmlResult<number> {
    return this.#u32Call(this.#s.nvmlDeviceGetClockInfo(d, type, this.#u32));
  }

  /** PCIe throughput, KB/s: `counter` 0 = TX, 1 = RX. */
  pcieKbPerSecond(d: NvmlDevice, counter: 0 | 1): NvmlResult<number> {
    const f = this.#s.nvmlDeviceGetPcieThroughput;
    if (f === null) return { ok: false, code: NvmlReturn.NOT_SUPPORTED };
    return this.#u32Call(f(d, counter, this.#u32));
  }

  /** Active clock throttle reasons, a bit mask. */
  throttleReasons(d: NvmlDevice): NvmlResult<number> {
    const f = this.#s.nvmlDeviceGetCurrentClocksThrottleReasons;
    if (f === null) return { ok: false, code: NvmlReturn.NOT_SUPPORTED };
    return this.#done(f(d, this.#u64), () => Number(this.#u64[0]));
  }

  /** ECC error count: `type` 0 = corrected, 1 = uncorrected; `counter` 0 = volatile, 1 = aggregate. */
  eccErrors(d: NvmlDevice, type: 0 | 1, counter: 0 | 1): NvmlResult<number> {
    const f = this.#s.nvmlDeviceGetTotalEccErrors;
    if (f === null) return { ok: false, code: NvmlReturn.NOT_SUPPORTED };
    return this.#done(f(d, type, counter, this.#u64), () => Number(this.#u64[0]));
  }

  /** Fan speed, % of maximum. */
  fanSpeed(d: NvmlDevice): NvmlResult<number> {
    const f = this.#s.nvmlDeviceGetFanSpeed;
    if (f === null) return { ok: false, code: NvmlReturn.NOT_SUPPORTED };
    return this.#u32Call(f(d, this.#u32));
  }

  /** Whether MIG mode is on now (false where the GPU or driver has no MIG). */
  migEnabled(d: NvmlDevice): boolean {
    const f = this.#s.nvmlDeviceGetMigMode;
    if (f === null) return false;
    const pending = new Uint32Array(1);
    return f(d, this.#u32, pending) === NvmlReturn.SUCCESS && this.#u32[0] === 1;
  }

  /** The MIG devices of a GPU in MIG mode, in index order. */
  migDevices(d: NvmlDevice): NvmlDevice[] {
    const max = this.#s.nvmlDeviceGetMaxMigDeviceCount;
    const byIndex = this.#s.nvmlDeviceGetMigDeviceHandleByIndex;
    if (max === null || byIndex === null) return [];
    if (max(d, this.#u32) !== NvmlReturn.SUCCESS) return [];
    const out: NvmlDevice[] = [];
    for (let i = 0, n = this.#u32[0]; i < n; i++) {
      if (byIndex(d, i, this.#u64) === NvmlReturn.SUCCESS) out.push(this.#ptr());
    }
    return out;
  }

  /** The GPU instance id of a MIG device. */
  gpuInstanceId(d: NvmlDevice): NvmlResult<number> {
    const f = this.#s.nvmlDeviceGetGpuInstanceId;
    if (f === null) return { ok: false, code: NvmlReturn.NOT_SUPPORTED };
    return this.#u32Call(f(d, this.#u32));
  }

  /** `nvmlShutdown`, then unloads the library. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#s.nvmlShutdown();
    this.#lib.close();
  }

  #ptr(): NvmlDevice {
    const p = Deno.UnsafePointer.create(this.#u64[0]);
    if (p === null) throw new Error("NVML returned a null device handle");
    return p;
  }

  #u32Call(code: number): NvmlResult<number> {
    return this.#done(code, () => this.#u32[0]);
  }

  #done<T>(code: number, value: () => T): NvmlResult<T> {
    return code === NvmlReturn.SUCCESS ? { ok: true, value: value() } : { ok: false, code };
  }
}
