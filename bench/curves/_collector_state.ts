/**
 * Builds a collector's data dir quickly with the collector's own store
 * (`CollectorStore.write`, the code a running collector writes through:
 * journal, one JSONL file per GPU, Deno KV checkpoint), so that a real
 * `gputel collect` can then be started on it. Records go round-robin over
 * `gpus` GPUs, one per GPU per second, in batches of 20,000, fsync off
 * (the store's own option; it changes when bytes reach the disk, not what
 * is written).
 *
 * @module
 */
import { CollectorStore, type StoreMessage } from "../../src/collect/store.ts";

/** First record's time: 2026-11-27T00:00:00Z. */
export const STATE_T0 = Date.UTC(2026, 10, 27);
const BATCH = 20_000;
const encoder = new TextEncoder();

/** The key of GPU `i`. */
export function gpuKey(i: number): string {
  return `GPU-curve-${String(i).padStart(5, "0")}`;
}

/** A collector data dir under construction; {@linkcode growTo} appends records. */
export class CollectorState {
  /** The store's dir (`<data-dir>/<id>` of the collector started on it). */
  readonly dir: string;
  /** GPUs the records go round-robin over. */
  readonly gpus: number;
  #records = 0;
  #second = -1;
  #timestamp = "";

  /** @param dir the store's dir; @param gpus GPUs */
  constructor(dir: string, gpus: number) {
    this.dir = dir;
    this.gpus = gpus;
  }

  /** Records written so far. */
  get records(): number {
    return this.#records;
  }

  /** The time of the newest record, epoch ms. */
  get newestMs(): number {
    return STATE_T0 + Math.floor((this.#records - 1) / this.gpus) * 1000;
  }

  /** Opens the store, writes records until it holds `records`, closes it. */
  async growTo(records: number): Promise<void> {
    await using store = await CollectorStore.open({
      dir: this.dir,
      fsync: false,
      maxEntries: 1,
      maxMemory: 1,
      // Fewer, larger checkpoints: each reopens most of the GPU files.
      checkpointMs: 30_000,
      maxJournalBytes: 256 * 1024 * 1024,
    });
    while (this.#records < records) {
      const list: StoreMessage[] = [];
      const end = Math.min(records, this.#records + BATCH);
      for (let i = this.#records; i < end; i++) list.push(this.#message(i));
      await store.write({ topic: "telemetry", group: "collect", partition: 0, messages: list });
      this.#records = end;
    }
  }

  // The payload the streamer would send for record `i`, built from a
  // template (the same JSON `JSON.stringify` gave: the builder's own time
  // was an eighth of the build).
  #message(i: number): StoreMessage {
    const gpu = i % this.gpus;
    const key = gpuKey(gpu);
    const second = Math.floor(i / this.gpus);
    if (second !== this.#second) {
      this.#second = second;
      this.#timestamp = new Date(STATE_T0 + second * 1000).toISOString();
    }
    const payload = encoder.encode(
      `{"timestamp":"${this.#timestamp}","fields":{"metric_name":"DCGM_FI_DEV_GPU_UTIL",` +
        `"value":${i % 101},"gpu_id":"${gpu % 8}","uuid":"${key}","device":"nvidia${gpu % 8}",` +
        `"modelName":"NVIDIA H100 80GB HBM3","Hostname":"curve-host-${
          String(gpu >> 3).padStart(4, "0")
        }"}}`,
    );
    return { offset: i, key, payload };
  }
}
