/**
 * Builds a broker's persisted log quickly, with the broker's own storage
 * code (`BrokerStorage` and its segment writer), so that a real broker can
 * then be started on it: real batches of 1,000 × 256-byte messages over 256
 * keys, appended round-robin to a topic's partitions with `fsync: "always"` (no write waits for it: nothing asks for durability until the close)
 * and one fdatasync at the close (a clean stop, as a broker's own).
 *
 * @module
 */
import { join } from "node:path";
import { DEFAULT_PARTITIONS } from "../../src/broker/core_options.ts";
import { BrokerStorage } from "../../src/broker/store/storage.ts";
import { silentLogger } from "../../src/obs/log.ts";
import { BatchBuilder } from "../../src/protocol/mod.ts";

/** The topic a generated log holds (the broker's default topic). */
export const LOG_TOPIC = "telemetry";

/** A log under construction; {@linkcode BrokerLog.growTo} appends until it holds that many bytes. */
export class BrokerLog {
  /** The broker's data dir (its log is `<dataDir>/broker`). */
  readonly dataDir: string;
  #bytes = 0;
  #next: number[] = Array(DEFAULT_PARTITIONS).fill(0);
  #blob: Uint8Array;

  /** @param dataDir the data dir a broker will be started with */
  constructor(dataDir: string) {
    this.dataDir = dataDir;
    const b = new BatchBuilder();
    const payload = new Uint8Array(256).fill(0x61);
    for (let i = 0; i < 1000; i++) b.add(`GPU-${(i & 255).toString(16).padStart(8, "0")}`, payload);
    this.#blob = b.take();
  }

  /** Messages appended so far. */
  get messages(): number {
    return this.#next.reduce((a, b) => a + b, 0);
  }

  /** Bytes of batches appended so far (record headers not counted). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Opens the storage, appends batches until `bytes` are stored, closes it cleanly. */
  async growTo(bytes: number): Promise<void> {
    const storage = await BrokerStorage.open({
      dir: join(this.dataDir, "broker"),
      fsync: "always",
      logger: silentLogger,
    });
    try {
      const parts = await storage.topic(LOG_TOPIC, DEFAULT_PARTITIONS);
      for (let i = 0; this.#bytes < bytes; i++) {
        const p = i % parts.length;
        const h = {
          baseOffset: this.#next[p],
          count: 1000,
          appendedAt: Date.now(),
          producerId: 1,
          sequence: this.#next[p] / 1000,
        };
        await storage.append(parts[p], h, this.#blob);
        this.#next[p] += 1000;
        this.#bytes += this.#blob.length;
      }
    } finally {
      await storage.close();
    }
  }
}
