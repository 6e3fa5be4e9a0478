/**
 * One line of `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` →
 * one GPU's sample in dcgm-exporter's names. Pure: no I/O, no clock.
 *
 * @module
 */
import { DCGM } from "./dcgm_fields.ts";
import type { FieldIssues } from "./field_issues.ts";
import { gpuSample, type LiveSample } from "./source.ts";

/** The identity columns asked of nvidia-smi, in order, before the metrics. */
const IDENTITY = ["timestamp", "index", "uuid", "name", "pci.bus_id"] as const;

/**
 * The metric columns asked of nvidia-smi and the dcgm-exporter field each
 * becomes. The first five are those of the issue's recorded H100 line.
 */
export const SMI_METRICS: readonly (readonly [string, string])[] = [
  ["utilization.gpu", DCGM.GPU_UTIL],
  ["memory.used", DCGM.FB_USED],
  ["memory.total", DCGM.FB_TOTAL],
  ["temperature.gpu", DCGM.GPU_TEMP],
  ["power.draw", DCGM.POWER_USAGE],
  ["utilization.memory", DCGM.MEM_COPY_UTIL],
  ["memory.free", DCGM.FB_FREE],
  ["temperature.memory", DCGM.MEMORY_TEMP],
  ["clocks.sm", DCGM.SM_CLOCK],
  ["clocks.mem", DCGM.MEM_CLOCK],
  ["fan.speed", DCGM.FAN_SPEED],
  ["clocks_throttle_reasons.active", DCGM.THROTTLE_REASONS],
  ["ecc.errors.corrected.volatile.total", DCGM.ECC_SBE_VOL],
  ["ecc.errors.uncorrected.volatile.total", DCGM.ECC_DBE_VOL],
];

/** The `--query-gpu=` list, in column order. */
export const SMI_QUERY: string = [...IDENTITY, ...SMI_METRICS.map(([q]) => q)].join(",");

/** Column count of a line. */
export const SMI_COLUMNS: number = IDENTITY.length + SMI_METRICS.length;

// nvidia-smi's words for a value it does not have.
const NOT_SUPPORTED = new Set(["[N/A]", "[Not Supported]", "N/A"]);

const STAMP = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/;

/**
 * nvidia-smi's timestamp (`2026/07/14 08:12:53.353`, the host's local time,
 * no zone) as RFC 3339 UTC, or `undefined` when it is not one.
 */
export function smiTimestamp(text: string): string | undefined {
  const m = STAMP.exec(text);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const ms = Number((m[7] ?? "0").padEnd(3, "0"));
  const date = new Date(y, mo - 1, d, h, mi, s, ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** What {@linkcode parseSmiLine} needs besides the line. */
export interface SmiLineContext {
  /** The `Hostname` label. */
  hostname: string;
  /** RFC 3339 time the line was read: the message's `timestamp`. */
  timestamp: string;
  /** Notes fields a GPU does not give (once per GPU and field). */
  issues: FieldIssues;
}

/**
 * Parses one output line.
 *
 * @returns the sample, or a sentence saying why the line is not one
 *
 * @example
 * ```ts
 * parseSmiLine("2026/07/14 08:12:53.353, 0, GPU-1, NVIDIA H100 80GB HBM3, 00000000:00:09.0, 100, …", ctx);
 * ```
 */
export function parseSmiLine(line: string, ctx: SmiLineContext): LiveSample | string {
  const cols = line.split(",").map((c) => c.trim());
  if (cols.length !== SMI_COLUMNS) {
    return `expected ${SMI_COLUMNS} comma-separated values, got ${cols.length}`;
  }
  const [stamp, index, uuid, name, pci] = cols;
  if (!/^\d+$/.test(index)) return `index is not a number: ${JSON.stringify(index)}`;
  if (!/^(GPU|MIG)-[\w-]+$/.test(uuid)) return `uuid is not a GPU UUID: ${JSON.stringify(uuid)}`;
  const metrics: Record<string, number> = {};
  SMI_METRICS.forEach(([, field], i) => {
    const text = cols[IDENTITY.length + i];
    const value = /^0x[0-9a-fA-F]+$/.test(text) ? parseInt(text, 16) : Number(text);
    if (text !== "" && Number.isFinite(value)) {
      metrics[field] = value;
      return;
    }
    const kind = NOT_SUPPORTED.has(text) ? "unsupported" : "error";
    ctx.issues.note(uuid, field, `nvidia-smi: ${text || "empty"}`, kind);
  });
  ctx.issues.flush(uuid);
  const id = {
    index: Number(index),
    uuid,
    model: name.startsWith("[") ? undefined : name,
    pciBusId: pci.startsWith("[") ? undefined : pci,
    hostname: ctx.hostname,
  };
  return gpuSample(id, metrics, ctx.timestamp, smiTimestamp(stamp));
}
