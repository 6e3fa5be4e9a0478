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
