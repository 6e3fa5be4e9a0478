// deno-lint-ignore-file size/max-file-lines -- over the limit until issue 15 splits it
/**
 * Publisher: batches messages per partition by size and linger time, sends
 * them with a bounded window of unconfirmed batches, and on broker loss
 * reconnects with backoff and resends everything unconfirmed, in order
 * (at-least-once from publisher to broker).
 *
 * @module
 */
import { encodeFrame, encodeHead, ErrorCode, type Frame, FrameType } from "../protocol/mod.ts";
import { backoffDelay } from "./backoff.ts";
import { BrokerRefusedError, BrokerRequestError, BrokerUnavailableError } from "./errors.ts";
import { formatAddress, type Link, openLink } from "./link.ts";
import { PartitionBatches } from "./partition_batches.ts";
import { brokerProducerId, randomBrokerProducerId, startNumbering } from "./producer_numbering.ts";
import { StorageBackoff } from "./storage_backoff.ts";
import {
  DEFAULT_BUFFER_BYTES,
  type Pending,
  type PublisherCounters,
  type PublisherOptions,
  type ResolvedPublisherOptions,
  resolvePublisherOptions,
  STORAGE_RETRY_MAX_MS,
  STORAGE_RETRY_MS,
} from "./publisher_options.ts";
import type { ProducerState, ResumableSink } from "./sink.ts";
import { Waiters } from "./waiters.ts";

export {
  DEFAULT_BUFFER_BYTES,
  type PublisherCounters,
  type PublisherOptions,
  STORAGE_RETRY_MAX_MS,
  STORAGE_RETRY_MS,
};

/**
 * Publishes keyed messages to one topic.
 *
 * @example
 * ```ts
 * const pub = await Publisher.connect({ broker: { host: "127.0.0.1", port: 9000 }, topic: "telemetry" });
 * await pub.publish("GPU-1", new TextEncoder().encode("{}"));
 * await pub.flush(); // every message so far is confirmed
 * await pub.close();
 * ```
 */
export class Publisher implements ResumableSink, AsyncDisposable {
  /** Publish counters. */
  readonly counters: PublisherCounters = {
    refusals: 0,
    storageBackoffMs: 0,
    published: 0,
    confirmed: 0,
    retried: 0,
    batches: 0,
    reconnects: 0,
  };
  #o: ResolvedPublisherOptions;
  #batches: PartitionBatches | null = null;
  #sequences: number[] = [];
  #producerId = 0;
  #pending = new Map<number, Pending>(); // insertion order = send order
  #inflight = 0;
  #nextId = 1;
  #link: Link | null = null;
  #linger: ReturnType<typeof setTimeout> | undefined;
  #backoff: StorageBackoff;
  #waiters = new Waiters();
  #fatal: Error | null = null;
  #closed = false;
  #metadata: ((partitions: number) => void) | null = null;
  #loop: Promise<void> = Promise.resolve();

  private constructor(options: PublisherOptions) {
    this.#o = resolvePublisherOptions(options);
    this.#backoff = new StorageBackoff(this.counters, this.#o.logger, () => this.#sendMore());
    if (options.producer !== undefined) brokerProducerId(options.producer.id); // fails early
  }

  /**
   * The id that makes resends idempotent (the broker stores a batch once):
   * random, or the one of `options.producer`; known once connected.
   */
  get producerId(): number {
    return this.#producerId;
  }

  /**
   * Connects (retrying with backoff within `giveUpAfterMs`) and learns the topic's partitions.
   *
   * @throws {BrokerUnavailableError} when the broker cannot be reached in time
   */
  static async connect(options: PublisherOptions): Promise<Publisher> {
    const p = new Publisher(options);
    await p.#connectOnce(true);
    p.#loop = p.#maintain();
    return p;
  }

  /** Messages not yet confirmed. */
  get unconfirmed(): number {
    return this.counters.published - this.counters.confirmed;
  }

  /** Bytes of batch buffers under sealed batches not confirmed yet: about `bufferBytes` at most. */
  get bufferedBytes(): number {
    return this.#batches?.heldBytes ?? 0;
  }

  /** The producer id and the last sequence sealed per partition. */
  producer(): ProducerState {
    return { id: String(this.producerId), sequences: [...this.#sequences] };
  }

  /**
   * Queues one message; waits while the buffer is full.
   *
   * @throws {BrokerUnavailableError} once the publisher gave up or was closed
   */
  async publish(key: string, payload: Uint8Array): Promise<void> {
    while (!this.offer(key, payload)) {
      if (this.#fatal) throw this.#fatal;
      await this.#waiters.wait();
    }
  }

  /**
   * Queues one message if the buffer has room, without waiting: the fast
   * path for tight loops. Returns false (queuing nothing) when the buffer is
   * full or the publisher failed; then call {@linkcode publish} to wait.
   */
  offer(key: string, payload: Uint8Array): boolean {
    if (this.#fatal || this.unconfirmed >= this.#o.bufferMessages) return false;
    const batches = this.#batches!;
    if (batches.heldBytes >= this.#o.bufferBytes) return false;
    const p = batches.add(key, payload);
    this.counters.published++;
    if (batches.count(p) >= this.#o.batchSize || batches.bytes(p) >= 1 << 20) this.#seal(p);
    else if (this.#o.autoSeal) {
      this.#linger ??= setTimeout(() => this.#sealAll(), this.#o.lingerMs);
    }
    return true;
  }

  /**
   * Sends partial batches now and resolves once every message published so far is confirmed.
   *
   * @throws {BrokerUnavailableError} when the publisher gives up first
   */
  async flush(): Promise<void> {
    this.#sealAll();
    while (this.unconfirmed > 0) {
      if (this.#fatal) throw this.#fatal;
      await this.#waiters.wait();
    }
    if (this.#fatal) throw this.#fatal;
  }

  /** Stops without waiting for confirms (call flush first to wait). Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#linger);
    this.#backoff.cancel();
    this.#fatal ??= new BrokerUnavailableError("publisher closed");
    this.#link?.close();
    this.#waiters.wakeAll();
    await this.#loop;
  }

  /** Closes the publisher, as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #sealAll(): void {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    const batches = this.#batches!;
    for (let p = 0; p < batches.partitions; p++) if (batches.count(p) > 0) this.#seal(p);
  }

  #seal(p: number): void {
    const count = this.#batches!.count(p);
    const id = this.#nextId++;
    const sequence = ++this.#sequences[p];
    this.#pending.set(id, {
      id,
      partition: p,
      sequence,
      blob: this.#batches!.take(p),
      count,
      sent: false,
      resent: false,
    });
    this.counters.batches++;
    this.#sendMore();
  }

  #sendMore(): void {
    const link = this.#link;
    if (!link || link.fc.closed || this.#backoff.paused) return;
    for (const b of this.#pending.values()) {
      if (this.#inflight >= this.#o.window) break;
      if (b.sent) continue;
      b.sent = true;
      this.#inflight++;
      const head = encodeHead({
        type: FrameType.PUBLISH,
        correlationId: b.id,
        topic: this.#o.topic,
        partition: b.partition,
        count: b.count,
        producerId: this.producerId,
        sequence: b.sequence,
        batch: b.blob,
      });
      link.fc.send(head, b.blob);
    }
  }

  #onFrame(f: Frame): void {
    if (f.type === FrameType.METADATA_OK) {
      this.#metadata?.(f.partitions);
      return;
    }
    if (f.type === FrameType.PUBLISH_OK) {
      const b = this.#pending.get(f.correlationId);
      if (!b) return;
      this.#pending.delete(f.correlationId);
      this.#inflight--;
      this.counters.confirmed += b.count;
      this.#backoff.confirmed();
      // The broker has every byte, so the write is done with the blob.
      this.#batches!.done(b.blob, !b.resent);
      this.#sendMore();
      this.#waiters.wakeAll();
      return;
    }
    if (f.type === FrameType.ERROR) {
      const b = this.#pending.get(f.correlationId);
      if (b && f.code === ErrorCode.STORAGE) {
        // The broker could not store it now: resend after a pause, on this connection.
        b.sent = false;
        b.resent = true;
        this.#inflight--;
        this.counters.retried += b.count;
        this.counters.refusals++;
        this.#backoff.refused(f.message);
        return;
      }
      this.#fatal = new BrokerRequestError(
        f.code,
        `Broker ${formatAddress(this.#o.broker)} refused a publish: ${f.message}`,
      );
      this.#link?.close();
      this.#waiters.wakeAll();
    }
  }

  async #connectOnce(first: boolean): Promise<void> {
    const started = Date.now();
    for (let attempt = 0;; attempt++) {
      if (this.#closed || this.#fatal) return;
      try {
        const link = await openLink(this.#o.broker, {
          clientId: this.#o.clientId,
          token: this.#o.token,
          tls: this.#o.tls,
          onFrame: (f) => this.#onFrame(f),
        });
        const partitions = await new Promise<number>((resolve, reject) => {
          this.#metadata = resolve;
          link.fc.send(
            encodeFrame({ type: FrameType.METADATA, correlationId: 0, topic: this.#o.topic }),
          );
          link.done.then(reject);
        });
        this.#metadata = null;
        if (first) {
          this.#batches = new PartitionBatches(partitions, this.#o.bufferBytes);
          const start = startNumbering(this.#o.producer, partitions, randomBrokerProducerId);
          if (start.discarded) {
            this.#o.logger.warn(`${start.discarded}: publishing as a fresh producer`);
          }
          this.#producerId = brokerProducerId(start.id);
          this.#sequences = start.sequences;
        } else if (partitions !== this.#batches!.partitions) {
          this.#o.logger.warn("topic partition count changed; keeping the old count", {
            was: this.#batches!.partitions,
            now: partitions,
          });
        }
        this.#link = link;
        this.#inflight = 0;
        for (const b of this.#pending.values()) {
          if (b.sent) {
            this.counters.retried += b.count;
            b.resent = true;
          }
          b.sent = false;
        }
        this.#sendMore();
        return;
      } catch (err) {
        const e = err as Error;
        if (err instanceof BrokerRefusedError) {
          this.#fatal = err;
          if (first) throw err;
          return;
        }
        const giveUp = this.#o.giveUpAfterMs > 0 && Date.now() - started > this.#o.giveUpAfterMs;
        if (giveUp) {
          this.#fatal = e;
          if (first) throw e;
          this.#waiters.wakeAll();
          return;
        }
        const delay = backoffDelay(attempt);
        this.#o.logger.warn(`${e.message}; retrying in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async #maintain(): Promise<void> {
    while (!this.#closed && !this.#fatal) {
      const link = this.#link!;
      const why = await link.done;
      if (this.#closed || this.#fatal) return;
      this.#o.logger.warn(`${why.message}; reconnecting`);
      this.counters.reconnects++;
      this.#link = null;
      await this.#connectOnce(false);
    }
    this.#waiters.wakeAll();
  }
}
