/**
 * Writes a DCGM-shaped CSV with a given number of GPUs, with the project's
 * own generator (`src/stream/dcgm_generator.ts`): hosts × GPUs per host
 * chosen so that they multiply to exactly the GPUs asked for.
 *
 * @module
 */
import { dcgmHeaderLine, dcgmLines } from "../../src/stream/dcgm_generator.ts";

/** Hosts and GPUs per host (≤ 999 × ≤ 64, the generator's limits) giving exactly `gpus`. */
export function fleetOf(gpus: number): { hosts: number; gpusPerHost: number } {
  for (const gpusPerHost of [8, 10, 16, 20, 25, 32, 40, 50, 64]) {
    if (gpus % gpusPerHost === 0 && gpus / gpusPerHost <= 999) {
      return { hosts: gpus / gpusPerHost, gpusPerHost };
    }
  }
  if (gpus < 8) return { hosts: 1, gpusPerHost: gpus };
  throw new RangeError(`no hosts × GPUs per host gives ${gpus} GPUs`);
}

/** Writes `rows` data rows over `gpus` GPUs (10 metric rows per GPU per scrape) to `path`. */
export async function writeDcgmCsv(
  path: string,
  options: { gpus: number; rows: number; seed?: number },
): Promise<void> {
  const lines = dcgmLines({ ...fleetOf(options.gpus), seed: options.seed ?? 1 });
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  let chunk = dcgmHeaderLine() + "\n";
  for (let i = 0; i < options.rows; i++) {
    chunk += lines.next().value + "\n";
    if (chunk.length > 1 << 20) {
      await file.write(encoder.encode(chunk));
      chunk = "";
    }
  }
  await file.write(encoder.encode(chunk));
}
