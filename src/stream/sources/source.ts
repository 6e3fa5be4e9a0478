/**
 * What a live telemetry source is (`--source nvml`, `nvidia-smi`, `scrape`):
 * something that yields, per GPU and per reading, a message in dcgm-exporter's
 * names and labels, keyed by the GPU's UUID. Pure: building a message does no
 * I/O and reads no clock.
 *
 * @module
 */
import type { FieldValue, TelemetryMessage } from "../../record/message.ts";

/** Default time between readings of a live source, ms (`--interval`). */
export const DEFAULT_LIVE_INTERVAL_MS = 1000;
/** Shortest time between readings of a live source, ms. */
export const MIN_LIVE_INTERVAL_MS = 100;

/** One GPU's reading, ready to publish: the key is the GPU's UUID. */
export interface LiveSample {
  /** The GPU key: its UUID (`GPU-…`, or `MIG-…` for a MIG instance). */
  key: string;
  /** The payload. */
  message: TelemetryMessage;
}

/** Who a reading is about; becomes dcgm-exporter's labels. */
export interface GpuIdentity {
  /** Index of the (parent) GPU on its host: label `gpu`, and `device` = `nvidia<index>`. */
  index: number;
  /** Label `UUID`, and the message key. */
  uuid: string;
  /** Label `modelName`. */
  model?: string;
  /** Label `pci_bus_id`. */
  pciBusId?: string;
  /** Label `Hostname`. */
  hostname: string;
  /** More string labels: `GPU_I_ID`, `DCGM_FI_DRIVER_VERSION`, `pod`, `namespace`, `container`, … */
  extra?: Readonly<Record<string, string>>;
}

/** A live source as the stream role drives it. */
export interface LiveSource {
  /** The `--source` value, for logs. */
  readonly name: string;
  /**
   * Yields each reading's samples (one per GPU) until `signal` aborts or the
   * source ends (`--once`). A reading that fails is retried by the source
   * itself, counted in {@linkcode LiveSource.counters}, never thrown.
   */
  samples(signal: AbortSignal): AsyncIterable<LiveSample[]>;
  /** The source's counters, for progress lines (`gpus`, `lost`, `unsupported`, `errors`, `restarts`…). */
  counters(): Record<string, number>;
  /** Releases what the source holds (library, process). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * A source that could not start: no NVML library, no `nvidia-smi`, a bad
 * `--url`. The message names the flag and what to do; the CLI makes it a
 * usage error (exit 2).
 */
export class SourceUnavailableError extends Error {
  /**
   * Creates the error with its reason.
   * @param message names the flag and what to do
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SourceUnavailableError";
  }
}

/**
 * Builds one GPU's message: dcgm-exporter's labels (`gpu`, `UUID`, `device`,
 * `modelName`, `pci_bus_id`, `Hostname`, then `extra`) as strings and the
 * metrics as numbers, so the collector stores labels as labels and numbers
 * as metrics.
 *
 * @param id who the reading is about
 * @param metrics metric name → value (non-finite values are left out)
 * @param timestamp RFC 3339 time of the reading
 * @param sourceTimestamp the source's own time of the reading, RFC 3339
 *
 * @example
 * ```ts
 * gpuSample({ index: 0, uuid: "GPU-1", hostname: "h" }, { DCGM_FI_DEV_GPU_UTIL: 87 }, "2026-01-01T00:00:00.000Z");
 * // { key: "GPU-1", message: { timestamp: "2026-…", fields: { gpu: "0", UUID: "GPU-1",
 * //   device: "nvidia0", Hostname: "h", DCGM_FI_DEV_GPU_UTIL: 87 } } }
 * ```
 */
export function gpuSample(
  id: GpuIdentity,
  metrics: Readonly<Record<string, number>>,
  timestamp: string,
  sourceTimestamp?: string,
): LiveSample {
  const fields: Record<string, FieldValue> = {
    gpu: String(id.index),
    UUID: id.uuid,
    device: `nvidia${id.index}`,
  };
  if (id.model) fields.modelName = id.model;
  if (id.pciBusId) fields.pci_bus_id = id.pciBusId;
  fields.Hostname = id.hostname;
  for (const [k, v] of Object.entries(id.extra ?? {})) if (v !== "") fields[k] = v;
  for (const [k, v] of Object.entries(metrics)) if (Number.isFinite(v)) fields[k] = v;
  const message: TelemetryMessage = sourceTimestamp === undefined
    ? { timestamp, fields }
    : { timestamp, source_timestamp: sourceTimestamp, fields };
  return { key: id.uuid, message };
}
