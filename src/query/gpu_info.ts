/**
 * Merging and ordering of {@linkcode GpuInfo} for GPU listings. Pure.
 *
 * @module
 */

import type { GpuInfo } from "./memory_window.ts";

/**
 * Merges what two sources know about one GPU: labels and latest values from
 * the one seen last, `first_seen` from the one seen first.
 */
export function mergeGpuInfo(a: GpuInfo, b: GpuInfo): GpuInfo {
  const [old, recent] = Date.parse(a.last_seen) <= Date.parse(b.last_seen) ? [a, b] : [b, a];
  const first = Date.parse(a.first_seen) <= Date.parse(b.first_seen) ? a : b;
  return {
    ...recent,
    hostname: recent.hostname ?? old.hostname,
    gpu_index: recent.gpu_index ?? old.gpu_index,
    model: recent.model ?? old.model,
    first_seen: first.first_seen,
    latest: { ...old.latest, ...recent.latest },
  };
}

/** Orders GPUs by hostname (none last), numeric gpu_index (none last), then id. */
export function compareGpus(a: GpuInfo, b: GpuInfo): number {
  if (a.hostname !== b.hostname) {
    if (a.hostname === null) return 1;
    if (b.hostname === null) return -1;
    return a.hostname < b.hostname ? -1 : 1;
  }
  const ai = Number(a.gpu_index ?? NaN);
  const bi = Number(b.gpu_index ?? NaN);
  if (ai !== bi && !(Number.isNaN(ai) && Number.isNaN(bi))) {
    if (Number.isNaN(ai)) return 1;
    if (Number.isNaN(bi)) return -1;
    return ai - bi;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
