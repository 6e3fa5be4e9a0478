/**
 * dcgm-exporter's Prometheus text → one sample per GPU: every sample that
 * carries a `UUID` label joins its GPU's message (a MIG instance, told apart
 * by `GPU_I_ID`, is its own GPU), labels become the message's labels
 * (`pod`, `namespace`, `container` kept), values its metrics. DCGM's blank
 * sentinels (e.g. `9223372036854775794`) mean "no value" and are left out.
 * Pure: no I/O, no clock.
 *
 * The text format is parsed by `parse-prometheus-text-format` (a port of
 * Prometheus's own text parser; see README for why this one).
 *
 * @module
 */
import parsePrometheus from "parse-prometheus-text-format";
import type { FieldValue } from "../../record/message.ts";
import { isDcgmBlank } from "./dcgm_fields.ts";
import type { FieldIssues } from "./field_issues.ts";
import type { LiveSample } from "./source.ts";

/** One family as the parser returns it. */
interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string> }[];
}

/** What {@linkcode samplesFromScrape} needs besides the text. */
export interface ScrapeContext {
  /** `Hostname` label for samples that carry none. */
  hostname: string;
  /** RFC 3339 time of the scrape: each message's `timestamp`. */
  timestamp: string;
  /** Notes blank values, once per GPU and field. */
  issues: FieldIssues;
}

/** Labels of a sample that are its GPU's identity, not a metric's. */
const GPU_LABELS = new Set(["gpu", "UUID", "device", "modelName", "pci_bus_id", "Hostname"]);

/**
 * Groups a scrape's samples per GPU.
 *
 * @returns one sample per GPU, in the order GPUs first appear; `[]` when no
 *   sample has a `UUID` label (not a dcgm-exporter page)
 * @throws {SyntaxError} when the text is not Prometheus text
 */
export function samplesFromScrape(text: string, ctx: ScrapeContext): LiveSample[] {
  let families: Family[];
  try {
    families = parsePrometheus(text) as Family[];
  } catch (cause) {
    throw new SyntaxError(`not Prometheus text: ${(cause as Error).message}`, { cause });
  }
  const gpus = new Map<
    string,
    { labels: Record<string, FieldValue>; metrics: Record<string, number> }
  >();
  for (const family of families) {
    for (const m of family.metrics) {
      const labels = m.labels ?? {};
      const uuid = labels.UUID;
      if (!uuid || m.value === undefined) continue;
      const key = labels.GPU_I_ID ? `${uuid}/gi${labels.GPU_I_ID}` : uuid;
      let gpu = gpus.get(key);
      if (gpu === undefined) {
        gpu = { labels: { gpu: "", UUID: uuid }, metrics: {} };
        gpus.set(key, gpu);
      }
      for (const [k, v] of Object.entries(labels)) {
        if (!(k in gpu.labels) || gpu.labels[k] === "") gpu.labels[k] = v;
      }
      const value = Number(m.value);
      if (!Number.isFinite(value) || isDcgmBlank(value)) {
        ctx.issues.note(key, family.name, `dcgm-exporter: ${m.value}`, "unsupported");
        continue;
      }
      gpu.metrics[family.name] = value;
    }
  }
  const out: LiveSample[] = [];
  for (const [key, gpu] of gpus) {
    ctx.issues.flush(key);
    if (Object.keys(gpu.metrics).length === 0) continue;
    const fields: Record<string, FieldValue> = {};
    for (const name of GPU_LABELS) {
      if (gpu.labels[name] !== undefined && gpu.labels[name] !== "") {
        fields[name] = gpu.labels[name];
      }
    }
    fields.Hostname ??= ctx.hostname;
    for (const [k, v] of Object.entries(gpu.labels)) {
      if (!GPU_LABELS.has(k) && v !== "") fields[k] = v;
    }
    Object.assign(fields, gpu.metrics);
    out.push({ key, message: { timestamp: ctx.timestamp, fields } });
  }
  return out;
}
