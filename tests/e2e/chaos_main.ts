/**
 * `deno task chaos [--minutes N] [--seed S] [--rate R]`: the chaos scenario
 * of `chaos_test.ts`, longer and at full scale (4 streamers, collectors
 * scaled 1 → 10 → 3 → 7), printing a summary table. Exits 1 when any row
 * was lost or returned twice.
 *
 * @module
 */
import { runChaos } from "./_chaos.ts";

function flag(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(Deno.args[i + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`chaos: --${name} needs a positive number, got ${Deno.args[i + 1]}`);
    Deno.exit(2);
  }
  return value;
}

const minutes = flag("minutes", 2);
const seed = flag("seed", 0x13c4a05);
const rate = flag("rate", 50);
const started = Date.now();
const r = await runChaos({
  seed,
  streamers: 4,
  rowsPerStreamer: Math.round(rate * minutes * 60),
  rate,
  scale: [1, 10, 3, 7],
  log: (line) => console.error(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`),
});
const f = r.faults;
const rows: [string, string | number][] = [
  ["minutes of chaos (seed)", `${minutes} (${seed})`],
  [
    "broker SIGKILL / SIGTERM / SIGSTOP",
    `${f.brokerSigkill} / ${f.brokerSigterm} / ${f.brokerSigstop}`,
  ],
  [
    "collector SIGKILL / SIGTERM / SIGSTOP",
    `${f.collectorSigkill} / ${f.collectorSigterm} / ${f.collectorSigstop}`,
  ],
  ["rows confirmed", r.confirmed],
  ["records stored (copies included)", r.stored],
  ["returned twice by gputel api", r.apiDuplicates],
  ["lost (gputel api)", r.apiLost],
  ["most copies from one collector's API", r.perDirMaxCopies],
  ["lost (union of collectors' APIs)", r.perDirLost],
  ["removed by gputel compact", r.compacted],
  ["duplicate origins after compact", r.duplicateOriginsAfterCompact],
  ["lost after compact", r.lostAfterCompact],
];
console.log(
  `| what | value |\n| --- | --- |\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join("\n")}`,
);
const bad = r.apiDuplicates + r.apiLost + r.perDirLost + r.duplicateOriginsAfterCompact +
  r.lostAfterCompact + (r.perDirMaxCopies > 1 ? 1 : 0);
Deno.exit(bad === 0 ? 0 : 1);
