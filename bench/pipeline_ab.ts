/**
 * Before/after of the CSV → JSONL scenario in one script run: two checkouts
 * of gputel (say `git archive main | tar -x -C /tmp/before`) alternate, one
 * round of floor, direct and pipeline each, `--pairs` times, on one
 * generated file; prints each round's rows/s and CPU µs per row, and writes
 * them as JSON with `--json FILE`.
 *
 * ```sh
 * deno run -A bench/pipeline_ab.ts --before /tmp/before --after . --rows 500000 --hosts 64 --pairs 2
 * ```
 *
 * Each checkout runs its own `bench/scenario_e2e.ts` (copy this one's into
 * the older checkout when it has none), so each side's processes are its
 * own code.
 *
 * @module
 */
import { resolve } from "node:path";
import { arg } from "./_stats.ts";
import type { BenchResult } from "./_result.ts";

const trees = {
  before: resolve(arg(Deno.args, "before")),
  after: resolve(arg(Deno.args, "after")),
};
const rows = Number(arg(Deno.args, "rows", "500000"));
const hosts = Number(arg(Deno.args, "hosts", "64"));
const pairs = Number(arg(Deno.args, "pairs", "2"));
const jsonFile = Deno.args.includes("--json") ? arg(Deno.args, "json") : undefined;

const rounds: { tree: string; pair: number; results: BenchResult[] }[] = [];
for (let pair = 1; pair <= pairs; pair++) {
  for (const [tree, root] of Object.entries(trees)) {
    const { benchPipeline } = await import(`file://${root}/bench/scenario_e2e.ts`);
    const results: BenchResult[] = await benchPipeline({ rows, hosts, reps: 1, nats: false });
    rounds.push({ tree, pair, results });
    for (const r of results) {
      const cpu = /CPU µs\/row: (.*)$/.exec(r.note ?? "")?.[1];
      console.log(`${tree} ${pair}: ${r.system}: ${r.msgs_per_s} rows/s; CPU µs/row ${cpu}`);
    }
  }
}
if (jsonFile) {
  const date = new Date().toISOString();
  await Deno.writeTextFile(
    jsonFile,
    JSON.stringify({ date, rows, hosts, trees, rounds }, null, 2) + "\n",
  );
}
