/**
 * Finds the GPUs NVML reports: every physical GPU and, after each one in MIG
 * mode, its MIG instances, each with the identity its samples are labelled with.
 *
 * @module
 */
import type { Logger } from "../../obs/log.ts";
import type { NvmlDevice, NvmlLibrary } from "./nvml_ffi.ts";
import type { GpuIdentity } from "./source.ts";

/** A GPU (or MIG instance) being read. */
export interface Gpu {
  /** NVML handle of the device. */
  handle: NvmlDevice;
  /** Identity labels of the device. */
  id: GpuIdentity;
  /** Whether the last reading found the device lost (it is tried again at the next). */
  lost: boolean;
}

/** What {@linkcode enumerate} labels and logs with. */
export interface EnumerateOptions {
  /** The `Hostname` label. */
  hostname: string;
  /** Where enumeration logs. */
  logger: Logger;
}

/** Every physical GPU, and after each one in MIG mode its MIG instances. */
export function enumerate(lib: NvmlLibrary, o: EnumerateOptions): Gpu[] {
  const count = lib.deviceCount();
  if (!count.ok) return [];
  const driver = lib.driverVersion();
  const common: Record<string, string> = driver.ok ? { DCGM_FI_DRIVER_VERSION: driver.value } : {};
  const gpus: Gpu[] = [];
  for (let index = 0; index < count.value; index++) {
    const handle = lib.deviceByIndex(index);
    if (!handle.ok) {
      o.logger.warn(`GPU ${index}: no handle (NVML: ${lib.errorString(handle.code)}); skipping it`);
      continue;
    }
    const id = identify(lib, handle.value, index, o.hostname, common);
    if (id === undefined) {
      o.logger.warn(`GPU ${index}: no UUID; skipping it`);
      continue;
    }
    gpus.push({ handle: handle.value, id, lost: false });
    if (!lib.migEnabled(handle.value)) continue;
    for (const mig of lib.migDevices(handle.value)) {
      const instance = lib.gpuInstanceId(mig);
      const extra = instance.ok ? { ...common, GPU_I_ID: String(instance.value) } : common;
      const migId = identify(lib, mig, index, o.hostname, extra);
      if (migId === undefined) continue;
      gpus.push({
        handle: mig,
        id: { ...migId, pciBusId: migId.pciBusId ?? id.pciBusId },
        lost: false,
      });
    }
  }
  return gpus;
}

function identify(
  lib: NvmlLibrary,
  d: NvmlDevice,
  index: number,
  hostname: string,
  extra: Record<string, string>,
): GpuIdentity | undefined {
  const uuid = lib.uuid(d);
  if (!uuid.ok || uuid.value === "") return undefined;
  const name = lib.name(d);
  const pci = lib.pciBusId(d);
  return {
    index,
    uuid: uuid.value,
    model: name.ok ? name.value : undefined,
    pciBusId: pci.ok ? pci.value : undefined,
    hostname,
    extra,
  };
}
