/**
 * Helpers of the live-source end-to-end tests: the stream's summary line and
 * the samples of one series in a `/metrics` document.
 *
 * @module
 */
import assert from "node:assert/strict";

/** The numeric fields of the stream's "stream finished k=v …" line. */
export function summary(output: string): Record<string, number> {
  const line = output.split("\n").find((l) => l.includes("stream finished"));
  assert.ok(line, output);
  return Object.fromEntries([...line.matchAll(/ (\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
}

/**
 * The values of `metric`'s samples in Prometheus text whose labels include
 * every pair of `labels` (other labels may be there too, in any order).
 */
export function seriesValues(
  text: string,
  metric: string,
  labels: Record<string, string>,
): number[] {
  const out: number[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)\{(.*)\} (\S+)$/.exec(line);
    if (m === null || m[1] !== metric) continue;
    const have = Object.fromEntries(
      [...m[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((p) => [p[1], p[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) out.push(Number(m[3]));
  }
  return out;
}
