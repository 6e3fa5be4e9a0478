/**
 * The benchmark's result rows and how a set of client reports becomes one.
 *
 * @module
 */
import { type ClientReport, percentile } from "./_stats.ts";

/** One row of the benchmark table (and of the JSON output). */
export interface BenchResult {
  scenario: string;
  system: string;
  msgs_per_s: number | null;
  mb_per_s: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  persisted: boolean;
  acked: boolean;
  /** Why a row has no figures, or what else to know. */
  note?: string;
  /** Where a latency row's time goes: each stage's percentiles, ms (see {@linkcode stageFigures}). */
  stages?: Record<string, StageFigures>;
}

/** A latency stage's p50, p99, max and sample count. */
export interface StageFigures {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

/** The figures of each stage's samples (ms); a stage without samples is left out. */
export function stageFigures(stages: Record<string, number[]>): Record<string, StageFigures> {
  const out: Record<string, StageFigures> = {};
  for (const [name, values] of Object.entries(stages)) {
    if (values.length === 0) continue; // a stage this variant does not have (no fdatasync)
    out[name] = {
      p50: round(percentile(values, 50)),
      p99: round(percentile(values, 99)),
      max: round(percentile(values, 100)),
      n: values.length,
    };
  }
  return out;
}

/** A stage line for a note: `name p50/p99/max` for each. */
export function stageNote(stages: Record<string, StageFigures>): string {
  return Object.entries(stages).map(([k, v]) => `${k} ${v.p50}/${v.p99}/${v.max}`).join(", ");
}

/**
 * Throughput from the first publish to the last delivery over all clients,
 * latency percentiles from the subscribers' samples.
 */
export function fromReports(
  base: Omit<BenchResult, "msgs_per_s" | "mb_per_s" | "p50_ms" | "p99_ms">,
  reports: ClientReport[],
  payloadBytes: number,
): BenchResult {
  const pubs = reports.filter((r) => r.role === "pub");
  const subs = reports.filter((r) => r.role === "sub");
  const messages = subs.reduce((n, r) => n + r.messages, 0);
  const start = Math.min(...pubs.map((r) => r.start));
  const end = Math.max(...subs.map((r) => r.end), ...pubs.map((r) => r.end));
  const seconds = (end - start) / 1000;
  const latencies = subs.flatMap((r) => r.latencies ?? []);
  const rate = messages / seconds;
  return {
    ...base,
    msgs_per_s: Math.round(rate),
    mb_per_s: round(rate * payloadBytes / 1e6),
    p50_ms: latencies.length ? round(percentile(latencies, 50)) : null,
    p99_ms: latencies.length ? round(percentile(latencies, 99)) : null,
  };
}

/** Rounds to 2 significant decimals for the table. */
export function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** A row for a system that could not run here. */
export function skipped(scenario: string, system: string, note: string): BenchResult {
  return {
    scenario,
    system,
    msgs_per_s: null,
    mb_per_s: null,
    p50_ms: null,
    p99_ms: null,
    persisted: false,
    acked: false,
    note,
  };
}
