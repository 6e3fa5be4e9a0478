/**
 * Paced publish → stored latency, gputel beside NATS JetStream, in one
 * script run: each round runs every variant once, in turn, so all see the
 * same stretch of a shared machine. Variants: `gputel` (fsync always, the
 * default), `gputel-nofsync` (broker `--fsync never`, store without
 * fdatasync), `jetstream` (nats-server's default lazy sync), `jetstream-sync`
 * (`sync_interval: always`; needs nats-server 2.10+, `--nats-server PATH`).
 * With `--before DIR` (a checkout of older gputel, say `git worktree add
 * /tmp/before main`) the gputel variants also run that tree's broker and
 * store, alternating with this one's; copy this checkout's bench/ into it
 * when it has an older one, so that only src/ differs.
 *
 * ```sh
 * deno run -A bench/latency_ab.ts --rounds 3 --nats-server /opt/nats-server-2.10/bin/nats-server \
 *   --json bench/results/latency.json
 * ```
 *
 * Prints each run's p50/p99 and stages, then each variant's median, and
 * writes every run (with its stages) as JSON with `--json FILE`.
 *
 * @module
 */
import { resolve } from "node:path";
import { arg, percentile } from "./_stats.ts";
import { type BenchResult, round, skipped } from "./_result.ts";
import { benchJetStreamLatency } from "./scenario_latency.ts";

const VARIANTS = ["gputel", "gputel-nofsync", "jetstream", "jetstream-sync"];
const args = Deno.args;
const rounds = Number(arg(args, "rounds", "3"));
const rate = Number(arg(args, "rate", "10000"));
const seconds = Number(arg(args, "secs", "10"));
const variants = arg(args, "variants", VARIANTS.join(",")).split(",");
for (const v of variants) {
  if (!VARIANTS.includes(v)) {
    console.error(`latency_ab: unknown variant ${v} in --variants; use ${VARIANTS.join(",")}`);
    Deno.exit(2);
  }
}
const binary = arg(args, "nats-server", "nats-server");
const trees: Record<string, string> = { after: resolve(".") };
if (args.includes("--before")) trees.before = resolve(arg(args, "before"));
const jsonFile = args.includes("--json") ? arg(args, "json") : undefined;

interface Run {
  round: number;
  tree: string;
  variant: string;
  result: BenchResult;
}
const runs: Run[] = [];
const uptime = async () => (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3);

async function once(variant: string, tree: string): Promise<BenchResult> {
  if (variant.startsWith("jetstream")) {
    return await benchJetStreamLatency({
      rate,
      seconds,
      binary,
      syncAlways: variant === "jetstream-sync",
    });
  }
  const { benchStoredLatency } = await import(`file://${trees[tree]}/bench/scenario_pipeline.ts`);
  return await benchStoredLatency({ rate, seconds, fsync: variant === "gputel" });
}

for (let r = 1; r <= rounds; r++) {
  for (const variant of variants) {
    const names = variant.startsWith("jetstream") ? ["after"] : Object.keys(trees).reverse();
    for (const tree of names) {
      const load = await uptime();
      const result = await once(variant, tree).catch((e) =>
        skipped(variant, variant, `failed: ${(e as Error).message.slice(0, 300)}`)
      );
      runs.push({ round: r, tree, variant, result });
      const label = variant.startsWith("jetstream") ? variant : `${variant} (${tree})`;
      console.log(
        `round ${r} ${label}: p50 ${result.p50_ms} p99 ${result.p99_ms} ms, ` +
          `${result.msgs_per_s} msgs/s, load ${load.join(" ")}\n  ${result.note}`,
      );
    }
  }
}

console.log("\nmedian of the rounds' p50 / p99, ms (each round's in brackets):");
const groups = new Map<string, Run[]>();
for (const run of runs) {
  const k = run.variant.startsWith("jetstream") ? run.variant : `${run.variant} (${run.tree})`;
  groups.set(k, [...(groups.get(k) ?? []), run]);
}
const fig = (xs: (number | null)[]) => {
  const ok = xs.filter((x): x is number => x !== null);
  return `${ok.length ? round(percentile(ok, 50)) : "—"} [${xs.join(", ")}]`;
};
for (const [k, rs] of groups) {
  console.log(
    `${k}: p50 ${fig(rs.map((r) => r.result.p50_ms))}, p99 ${fig(rs.map((r) => r.result.p99_ms))}`,
  );
}
if (jsonFile) {
  const host = {
    load: await uptime(),
    cpus: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
  };
  const out = { date: new Date().toISOString(), host, rate, seconds, trees, runs };
  await Deno.writeTextFile(jsonFile, JSON.stringify(out, null, 2) + "\n");
}
