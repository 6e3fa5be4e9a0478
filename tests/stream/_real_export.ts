/**
 * Where the real DCGM export lives (beside the repo, in `../shared/data/`;
 * never copied into it) and whether this machine has it. Tests that need it
 * are ignored when it is absent.
 *
 * @module
 */

/** The real export: 2,470 rows, 247 GPUs on 31 hosts, 10 metrics. */
export const REAL_EXPORT = new URL(
  "../../../shared/data/dcgm_metrics_sample.csv",
  import.meta.url,
);

function exists(url: URL): boolean {
  try {
    return Deno.statSync(url).isFile;
  } catch {
    return false;
  }
}

/** True when the real export can be read here. */
export const HAS_REAL_EXPORT: boolean = exists(REAL_EXPORT);
