/**
 * dcgm-exporter's metric and label names, which every live source uses so
 * that the collector, the query API, `/metrics` and dashboards written for
 * dcgm-exporter see the same series whichever source read them.
 *
 * @module
 */

/** Metric names (dcgm-exporter's `DCGM_FI_*` fields) and their units. */
export const DCGM = {
  /** GPU utilization, %. */
  GPU_UTIL: "DCGM_FI_DEV_GPU_UTIL",
  /** Memory copy (memory controller) utilization, %. */
  MEM_COPY_UTIL: "DCGM_FI_DEV_MEM_COPY_UTIL",
  /** Frame buffer used, MiB. */
  FB_USED: "DCGM_FI_DEV_FB_USED",
  /** Frame buffer free, MiB. */
  FB_FREE: "DCGM_FI_DEV_FB_FREE",
  /** Frame buffer total, MiB. */
  FB_TOTAL: "DCGM_FI_DEV_FB_TOTAL",
  /** GPU temperature, °C. */
  GPU_TEMP: "DCGM_FI_DEV_GPU_TEMP",
  /** Memory (HBM) temperature, °C. */
  MEMORY_TEMP: "DCGM_FI_DEV_MEMORY_TEMP",
  /** Power draw, W. */
  POWER_USAGE: "DCGM_FI_DEV_POWER_USAGE",
  /** Energy since the driver loaded, mJ. */
  TOTAL_ENERGY: "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
  /** SM clock, MHz. */
  SM_CLOCK: "DCGM_FI_DEV_SM_CLOCK",
  /** Memory clock, MHz. */
  MEM_CLOCK: "DCGM_FI_DEV_MEM_CLOCK",
  /** PCIe transmit throughput, KB/s. */
  PCIE_TX: "DCGM_FI_DEV_PCIE_TX_THROUGHPUT",
  /** PCIe receive throughput, KB/s. */
  PCIE_RX: "DCGM_FI_DEV_PCIE_RX_THROUGHPUT",
  /** Active clock throttle reasons, a bit mask. */
  THROTTLE_REASONS: "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS",
  /** Corrected (single-bit) ECC errors since the driver loaded. */
  ECC_SBE_VOL: "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL",
  /** Uncorrected (double-bit) ECC errors since the driver loaded. */
  ECC_DBE_VOL: "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL",
  /** Corrected ECC errors over the GPU's life. */
  ECC_SBE_AGG: "DCGM_FI_DEV_ECC_SBE_AGG_TOTAL",
  /** Uncorrected ECC errors over the GPU's life. */
  ECC_DBE_AGG: "DCGM_FI_DEV_ECC_DBE_AGG_TOTAL",
  /** Fan speed, % of maximum. */
  FAN_SPEED: "DCGM_FI_DEV_FAN_SPEED",
} as const;

/** Bytes in a MiB: NVML reports bytes, dcgm-exporter MiB. */
export const MIB = 1024 * 1024;

/**
 * DCGM's "blank" sentinels: a value that means "no data" (not found, not
 * supported, no permission), never a reading. dcgm-exporter prints them as
 * they are (e.g. `9223372036854775794` = `DCGM_INT64_NOT_SUPPORTED`). Every
 * int64 sentinel rounds to 2^63 as a double.
 */
export function isDcgmBlank(value: number): boolean {
  // DCGM_INT64_BLANK .. +3 (no counter of a GPU gets near 2^62)
  if (value >= 2 ** 62) return true;
  if (value >= 2147483632 && value <= 2147483635) return true; // DCGM_INT32_BLANK .. +3
  return value >= 140737488355328 && value <= 140737488355331; // DCGM_FP64_BLANK .. +3
}
