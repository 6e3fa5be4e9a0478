/**
 * The stream role's sink over NATS JetStream: batches messages per partition
 * (FNV-1a of the key, like the built-in broker's publisher), publishes each
 * batch as one JetStream message on `<topic>.<partition>` with the message id
 * `<producer>-<partition>-<sequence>`, and counts it confirmed only on the
 * server's publish ack. A batch whose ack does not come is resent with the
 * same id, and the server stores it once (within the stream's duplicate
 * window). One batch per partition is in flight at a time, so each
 * partition's (each GPU's) messages stay in order across resends.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { type Logger, silentLogger } from "../../obs/log.ts";
import { backoffDelay } from "../backoff.ts";
import { BrokerUnavailableError } from "../errors.ts";
import { PartitionBatches } from "../partition_batches.ts";
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_BUFFER_BYTES,
  DEFAULT_LINGER_MS,
  DEFAULT_PUBLISH_BUFFER_MESSAGES,
} from "../publisher_options.ts";
import { startNumbering } from "../producer_numbering.ts";
import type { ProducerState, ResumableSink, ResumableSinkOptions } from "../sink.ts";
import {
  connectNats,
  ensureTopic,
  jetstreamManager,
  type NatsServerOptions,
} from "./connection.ts";
import { batchHeaders } from "./headers.ts";
import { type JetStreamTopic, OFFSET_STRIDE, partitionSubject, streamName } from "./topology.ts";
import { Waiters } from "../waiters.ts";

/** Default {@linkcode JetStreamSinkOptions.ackTimeoutMs}, ms. */
export const DEFAULT_SINK_ACK_TIMEOUT_MS = 5_000;

/** Options of {@linkcode JetStreamSink}. */
export interface JetStreamSinkOptions extends ResumableSinkOptions {
  /** NATS server to connect to. */
  nats: NatsServerOptions;
  /** The topic's stream layout: created when missing, checked when present. */
  topic: JetStreamTopic;
  /** Messages per batch, at most 1,048,576. @default {DEFAULT_BATCH_SIZE} */
  batchSize?: number;
  /** Longest a partial batch waits before it is sent, ms. @default {DEFAULT_LINGER_MS} */
  lingerMs?: number;
  /** Most messages held unconfirmed; publish() waits above it. @default {DEFAULT_PUBLISH_BUFFER_MESSAGES} */
  bufferMessages?: number;
  /** Wait this long for a publish ack before resending, ms. @default {DEFAULT_SINK_ACK_TIMEOUT_MS} */
  ackTimeoutMs?: number;
  /** Where the sink logs. */
  logger?: Logger;
}

/** Counters of a {@linkcode JetStreamSink}. */
export interface JetStreamSinkCounters {
  /** Messages handed to the sink. */
  published: number;
  /** Messages the server acked. */
  confirmed: number;
  /** Messages sent again after an ack did not come. */
  retried: number;
  /** Batches sent. */
  batches: number;
  /** Batches the server acked as duplicates of an earlier send (a lost ack). */
  duplicates: number;
}

/** Most batch latencies kept for {@linkcode JetStreamSink.latency}. */
const MAX_LATENCY_SAMPLES = 1_000_000;

interface Sealed {
  sequence: number;
  blob: Uint8Array;
  count: number;
}

/**
 * Publishes keyed messages to a topic's JetStream stream.
 *
 * @example
 * ```ts
 * const sink = await JetStreamSink.connect({
 *   nats: { servers: ["nats://127.0.0.1:4222"], name: "gputel-stream" },
 *   topic: { topic: "telemetry", partitions: 8, replicas: 1, maxAgeMs: 0, maxBytesPerPartition: 0 },
 * });
 * await sink.publish("GPU-1", new TextEncoder().encode("{}"));
 * await sink.flush(); // every message so far is acked by JetStream
 * await sink.close();
 * ```
 */
export class JetStreamSink implements ResumableSink, AsyncDisposable {
  readonly counters: JetStreamSinkCounters = {
    published: 0,
    confirmed: 0,
    retried: 0,
    batches: 0,
    duplicates: 0,
  };
  /** The id that makes resends idempotent: random, or the one of `options.producer`. */
  readonly producerId: string;
  #nc: NatsConnection;
  #js: JetStreamClient;
  #o: Required<Omit<JetStreamSinkOptions, "nats" | "topic" | "producer">> & {
    topic: JetStreamTopic;
  };
  #stream: string;
  #batches: PartitionBatches;
  #queues: Sealed[][];
  #sequences: number[];
  #pumps: (Promise<void> | null)[];
  #maxBatchBytes: number;
  #linger: ReturnType<typeof setTimeout> | undefined;
  #waiters = new Waiters();
  #fatal: Error | null = null;
  #closed = false;
  /** Publish-to-ack time of each confirmed batch, ms (from its first send, resends included). */
  #latencies: number[] = [];

  private constructor(nc: NatsConnection, o: JetStreamSinkOptions, partitions: number) {
    this.#nc = nc;
    this.#js = jetstream(nc);
    this.#o = {
      batchSize: DEFAULT_BATCH_SIZE,
      lingerMs: DEFAULT_LINGER_MS,
      bufferMessages: DEFAULT_PUBLISH_BUFFER_MESSAGES,
      ackTimeoutMs: DEFAULT_SINK_ACK_TIMEOUT_MS,
      logger: silentLogger,
      autoSeal: true,
      ...o,
    };
    if (!(Number.isInteger(this.#o.batchSize) && this.#o.batchSize <= OFFSET_STRIDE)) {
      throw new RangeError(`batchSize must be an integer <= ${OFFSET_STRIDE}`);
    }
    this.#stream = streamName(o.topic.topic);
    this.#batches = new PartitionBatches(partitions, DEFAULT_BUFFER_BYTES);
    this.#queues = Array.from({ length: partitions }, () => []);
    if (o.producer !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(o.producer.id)) {
      throw new RangeError(`producer id must be 1 to 64 letters, digits, - or _`);
    }
    const start = startNumbering(o.producer, partitions, () => crypto.randomUUID().slice(0, 13));
    if (start.discarded) {
      this.#o.logger.warn(`${start.discarded}: publishing as a fresh producer`);
    }
    this.producerId = start.id;
    this.#sequences = start.sequences;
    this.#pumps = new Array(partitions).fill(null);
    // Half the server's payload limit: a batch is sealed past it, one message later.
    this.#maxBatchBytes = Math.max(1024, Math.floor((nc.info?.max_payload ?? 1 << 20) / 2));
  }

  /**
   * Connects and makes sure the topic's stream is there as wanted.
   *
   * @throws {BrokerUnavailableError} when no server answers
   * @throws {RangeError} when the stream exists with other settings
   */
  static async connect(o: JetStreamSinkOptions): Promise<JetStreamSink> {
    const nc = await connectNats(o.nats);
    try {
      const layout = await ensureTopic(nc, await jetstreamManager(nc), o.topic);
      return new JetStreamSink(nc, o, layout.partitions);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /** Messages not yet confirmed. */
  get unconfirmed(): number {
    return this.counters.published - this.counters.confirmed;
  }

  /** The producer id and the last sequence sealed per partition. */
  producer(): ProducerState {
    return { id: this.producerId, sequences: [...this.#sequences] };
  }

  /** Queues one message; waits while the buffer is full. */
  async publish(key: string, payload: Uint8Array): Promise<void> {
    while (this.#fatal === null && this.unconfirmed >= this.#o.bufferMessages) {
      await this.#waiters.wait();
    }
    if (this.#fatal) throw this.#fatal;
    const p = this.#batches.add(key, payload);
    this.counters.published++;
    if (
      this.#batches.count(p) >= this.#o.batchSize || this.#batches.bytes(p) >= this.#maxBatchBytes
    ) {
      this.#seal(p);
    } else if (this.#o.autoSeal) {
      this.#linger ??= setTimeout(() => this.#sealAll(), this.#o.lingerMs);
    }
  }

  /** Sends partial batches now; resolves once every message so far is acked. */
  async flush(): Promise<void> {
    this.#sealAll();
    while (this.#fatal === null && this.unconfirmed > 0) await this.#waiters.wait();
    if (this.#fatal) throw this.#fatal;
  }

  /**
   * Publish-to-ack time of confirmed batches so far, ms (a resent batch
   * counts from its first send): what a failover costs a publisher.
   */
  latency(): { batches: number; p50: number; p99: number; max: number } {
    const sorted = this.#latencies.toSorted((a, b) => a - b);
    const at = (q: number) => Math.round(sorted[Math.floor(q * (sorted.length - 1))] ?? 0);
    return { batches: sorted.length, p50: at(0.5), p99: at(0.99), max: at(1) };
  }

  /** Stops without waiting for acks (flush first to wait); logs the ack latency. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#o.logger.info("JetStream publish acks", {
      ...this.latency(),
      retried: this.counters.retried,
      duplicates: this.counters.duplicates,
    });
    clearTimeout(this.#linger);
    this.#fatal ??= new BrokerUnavailableError("JetStream sink closed");
    this.#waiters.wakeAll();
    await this.#nc.close();
    await Promise.all(this.#pumps);
  }

  /** Closes the sink, as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #sealAll(): void {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    for (let p = 0; p < this.#batches.partitions; p++) {
      if (this.#batches.count(p) > 0) this.#seal(p);
    }
  }

  #seal(p: number): void {
    const count = this.#batches.count(p);
    this.#queues[p].push({ sequence: ++this.#sequences[p], blob: this.#batches.take(p), count });
    this.counters.batches++;
    this.#pumps[p] ??= this.#pump(p).finally(() => (this.#pumps[p] = null));
  }

  /** Sends partition `p`'s sealed batches one at a time, each until acked. */
  async #pump(p: number): Promise<void> {
    const queue = this.#queues[p];
    const subject = partitionSubject(this.#o.topic.topic, p);
    let sentAt = performance.now();
    for (let attempt = 0; queue.length > 0 && !this.#closed;) {
      const b = queue[0];
      if (attempt === 0) sentAt = performance.now();
      try {
        const ack = await this.#js.publish(subject, b.blob, {
          msgID: `${this.producerId}-${p}-${b.sequence}`,
          timeout: this.#o.ackTimeoutMs,
          headers: batchHeaders(b.count),
          expect: { streamName: this.#stream },
        });
        queue.shift();
        this.#batches.done(b.blob, false); // not reused: the NATS client may still hold it
        attempt = 0;
        if (this.#latencies.length < MAX_LATENCY_SAMPLES) {
          this.#latencies.push(performance.now() - sentAt);
        }
        if (ack.duplicate) this.counters.duplicates++;
        this.counters.confirmed += b.count;
        this.#waiters.wakeAll();
      } catch (err) {
        if (this.#closed) return;
        this.counters.retried += b.count;
        const delay = backoffDelay(attempt++, { initialMs: 50, maxMs: 2_000 });
        this.#o.logger.warn(
          `JetStream publish to ${subject} not acked (${
            (err as Error).message
          }); resending in ${delay} ms`,
        );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
