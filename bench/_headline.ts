/**
 * The headline pair (gputel persisted 1 pub + 1 sub against NATS core) runs
 * several times, alternating, so both see the same machine. Each pair is
 * kept and printed with its own ratio, so a report shows every run, not only
 * the medians.
 *
 * @module
 */
import { type BenchResult, round } from "./_result.ts";

/** One alternation: gputel's run and the NATS core run right after it. */
export interface HeadlinePair {
  /** 1-based run number. */
  run: number;
  /** gputel persisted+acked msgs/s, null when the run failed. */
  gputel: number | null;
  /** NATS core msgs/s, null when it failed or was not run. */
  nats_core: number | null;
  /** gputel ÷ NATS core within this pair. */
  ratio: number | null;
}

/** Pairs the i-th gputel run with the i-th NATS core run. */
export function headlinePairs(ours: BenchResult[], core: BenchResult[]): HeadlinePair[] {
  return ours.map((o, i) => {
    const g = o.msgs_per_s;
    const c = core[i]?.msgs_per_s ?? null;
    return { run: i + 1, gputel: g, nats_core: c, ratio: g && c ? round(g / c) : null };
  });
}

/** One line per pair, for the console. */
export function formatPairs(pairs: HeadlinePair[]): string {
  const n = (v: number | null) => v === null ? "—" : v.toLocaleString("en-US");
  return pairs.map((p) =>
    `headline run ${p.run}: gputel ${n(p.gputel)} msgs/s, nats-core ${n(p.nats_core)} msgs/s, ×${
      p.ratio ?? "—"
    }`
  ).join("\n");
}

/** The run with the median throughput (the lower one of an even count), noting every run. */
export function median(rows: BenchResult[]): BenchResult {
  const ok = rows.filter((r) => r.msgs_per_s !== null)
    .sort((a, b) => a.msgs_per_s! - b.msgs_per_s!);
  if (ok.length === 0) return rows[0];
  const m = ok[(ok.length - 1) >> 1];
  if (ok.length === 1) return m;
  const all = rows.map((r) => r.msgs_per_s?.toLocaleString("en-US") ?? "—").join(", ");
  return {
    ...m,
    note: [m.note, `median of ${ok.length} runs (in run order: ${all})`].filter(Boolean).join(
      "; ",
    ),
  };
}
