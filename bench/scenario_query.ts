/**
 * The query benchmark from the collector issue (bench/query_bench.ts),
 * run as a subprocess and read back as table rows.
 *
 * @module
 */
import type { BenchResult } from "./_result.ts";
import { ROOT } from "./_procs.ts";

/** Runs the query benchmark with `records` stored for one GPU and `gpus` GPUs. */
export async function benchQuery(
  records: number,
  gpus: number,
  queries: number,
): Promise<BenchResult[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      `${ROOT}bench/query_bench.ts`,
      "--records",
      String(records),
      "--gpus",
      String(gpus),
      "--queries",
      String(queries),
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`query bench failed: ${new TextDecoder().decode(out.stderr).slice(-500)}`);
  }
  const rows: BenchResult[] = [];
  for (const m of text.matchAll(/^(.+?)\s+p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms/gm)) {
    rows.push({
      scenario: "query",
      system: m[1].trim(),
      msgs_per_s: null,
      mb_per_s: null,
      p50_ms: Number(m[2]),
      p99_ms: Number(m[3]),
      persisted: true,
      acked: false,
      note: `${records} records for one GPU, ${gpus} GPUs`,
    });
  }
  return rows;
}
