/**
 * Publisher: batches messages per partition by size and linger time, sends
 * them with a bounded window of unconfirmed batches, and on broker loss
 * reconnects with backoff and resends everything unconfirmed, in order
 * (at-least-once from publisher to broker).
 *
 * @module
 */
import { encodeHead, ErrorCode, type Frame, FrameType } from "../protocol/mod.ts";
import { backoffDelay } from "./backoff.ts";
import { BrokerRefusedError, BrokerRequestError, BrokerUnavailableError } from "./errors.ts";
import { Linger } from "./linger.ts";
import { formatAddress, type Link } from "./link.ts";
import { PartitionBatches } from "./partition_batches.ts";
import { brokerProducerId, randomBrokerProducerId, startNumbering } from "./producer_numbering.ts";
import { StorageBackoff } from "./storage_backoff.ts";
import {
  type PublisherCounters,
  type PublisherOptions,
  type ResolvedPublisherOptions,
  resolvePublisherOptions,
} from "./publisher_options.ts";
import { SendWindow } from "./send_window.ts";
import type { ProducerState, ResumableSink } from "./sink.ts";
import { openTopicLink } from "./topic_link.ts";
import { Waiters } from "./waiters.ts";

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
  #window: SendWindow;
  #link: Link | null = null;
  #linger: Linger;
  #backoff: StorageBackoff;
  #waiters = new Waiters();
  #fatal: Error | null = null;
  #closed = false;
  #loop: Promise<void> = Promise.resolve();

  private constructor(options: PublisherOptions) {
    this.#o = resolvePublisherOptions(options);
    this.#window = new SendWindow(this.#o.window);
    this.#linger = new Linger(this.#o.lingerMs, () => {
      this.#sealLingered();
      this.#sendMore();
    });
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
    if (batches.count(p) >= this.#o.batchSize || batches.bytes(p) >= 1 << 20) {
      this.#seal(p);
      this.#sendMore();
    } else if (this.#o.autoSeal) this.#linger.arm();
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
    this.#linger.cancel();
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
    this.#linger.cancel();
    const batches = this.#batches!;
    for (let p = 0; p < batches.partitions; p++) if (batches.count(p) > 0) this.#seal(p);
    this.#sendMore();
  }

  /** Seals the partial batches whose linger passed, as many as the window can send now (linger.ts). */
  #sealLingered(): void {
    this.#linger.sealDue(this.#batches!, () => !this.#window.full, (p) => this.#seal(p));
  }

  #seal(p: number): void {
    const count = this.#batches!.count(p);
    const sequence = ++this.#sequences[p];
    this.#window.add(p, sequence, this.#batches!.take(p), count);
    this.counters.batches++;
  }

  #sendMore(): void {
    const link = this.#link;
    if (!link || link.fc.closed || this.#backoff.paused) return;
    this.#window.fill((b) => {
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
    });
  }

  #onFrame(f: Frame): void {
    if (f.type === FrameType.PUBLISH_OK) {
      const b = this.#window.confirm(f.correlationId);
      if (!b) return;
      this.counters.confirmed += b.count;
      this.#backoff.confirmed();
      // The broker has every byte, so the write is done with the blob.
      this.#batches!.done(b.blob, !b.resent);
      this.#sealLingered();
      this.#sendMore();
      this.#waiters.wakeAll();
      return;
    }
    if (f.type === FrameType.ERROR) {
      // The broker could not store it now: resend after a pause, on this connection.
      const b = f.code === ErrorCode.STORAGE ? this.#window.refuse(f.correlationId) : undefined;
      if (b) {
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
        const { link, partitions } = await openTopicLink(this.#o.broker, this.#o.topic, {
          clientId: this.#o.clientId,
          token: this.#o.token,
          tls: this.#o.tls,
          onFrame: (f) => this.#onFrame(f),
        });
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
        this.counters.retried += this.#window.restart();
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
