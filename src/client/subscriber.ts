/**
 * Subscriber: joins a consumer group with a credit, yields deliveries, sends
 * cumulative acks and nacks, heartbeats, and after broker loss reconnects and
 * rejoins by itself (the broker redelivers whatever was unacked).
 *
 * @module
 */
import { systemClock } from "../clock.ts";
import { type Logger, silentLogger } from "../obs/log.ts";
import { encodeFrame, type Frame, FrameType, validateBatch } from "../protocol/mod.ts";
import { type DeliveredMessage, Delivery, type PayloadVisit } from "./delivery.ts";
import { backoffDelay } from "./backoff.ts";
import { BrokerRefusedError, BrokerRequestError } from "./errors.ts";
import { heartbeatFor } from "./lease.ts";
import { DEFAULT_HEARTBEAT_MS, formatAddress, type Link, openLink } from "./link.ts";
import type { Source, SourceDelivery } from "./source.ts";
import {
  DEFAULT_CREDIT_BYTES,
  DEFAULT_CREDIT_MESSAGES,
  type SubscriberCounters,
  type SubscriberOptions,
} from "./subscriber_options.ts";

export { type DeliveredMessage, Delivery, type PayloadVisit };

/** Least time between the PINGs sent after acks, ms (they keep leases fresh). */
const ACK_PING_MS = 50;

const SUBSCRIPTION_ID = 1;

/**
 * Consumes a topic as a member of a group.
 *
 * @example
 * ```ts
 * const sub = await Subscriber.connect({ broker, topic: "telemetry", group: "collectors" });
 * for await (const d of sub.deliveries()) {
 *   await store(d.messages);
 *   sub.ack(d.partition, d.end);
 * }
 * ```
 */
export class Subscriber implements Source, AsyncDisposable {
  readonly counters: SubscriberCounters = {
    deliveries: 0,
    messages: 0,
    redelivered: 0,
    acks: 0,
    nacks: 0,
    reconnects: 0,
  };
  #generation = new Map<number, number>();
  #pingedAt = 0;
  #o: SubscriberOptions & { logger: Logger };
  #link: Link | null = null;
  #queue: Delivery[] = [];
  #waiter: (() => void) | null = null;
  #closed = false;
  #fatal: Error | null = null;
  #assigned: number[] = [];
  #loop: Promise<void> = Promise.resolve();
  #subscribed: ((memberId: string) => void) | null = null;
  readonly #stop = new AbortController();
  readonly #onAbort = () => void this.close();

  private constructor(options: SubscriberOptions) {
    this.#o = { logger: silentLogger, ...options };
  }

  /**
   * Connects and joins the group, retrying with backoff until it succeeds,
   * or until `options.signal` aborts: the subscriber is then returned closed.
   *
   * @throws {BrokerUnavailableError} when the broker refuses the connection (bad token, version)
   */
  static async connect(options: SubscriberOptions): Promise<Subscriber> {
    const s = new Subscriber(options);
    if (options.signal?.aborted) await s.close();
    else options.signal?.addEventListener("abort", s.#onAbort, { once: true });
    await s.#connect();
    if (s.#fatal) throw s.#fatal;
    s.#loop = s.#maintain();
    return s;
  }

  /** Partitions this member currently owns. */
  get assigned(): readonly number[] {
    return this.#assigned;
  }

  /** The PING interval of the current connection, ms (0 while not connected). */
  get heartbeatMs(): number {
    return this.#link?.heartbeatMs ?? 0;
  }

  /** Yields deliveries until {@linkcode close}. */
  async *deliveries(): AsyncGenerator<Delivery> {
    for (;;) {
      const d = this.#queue.shift();
      if (d) {
        yield d;
        continue;
      }
      if (this.#closed) return;
      if (this.#fatal) throw this.#fatal;
      await new Promise<void>((r) => (this.#waiter = r));
    }
  }

  /**
   * Acks every delivered message of `partition` with offset < `upTo`, for
   * `generation` (default: that of the partition's latest delivery; pass the
   * delivery's own so an ack of an older assignment is not taken as current).
   */
  ack(partition: number, upTo: number, generation = this.#generation.get(partition) ?? 0): void {
    this.counters.acks++;
    const link = this.#link;
    if (!link) return;
    link.fc.send(
      encodeFrame({
        type: FrameType.ACK,
        subscriptionId: SUBSCRIPTION_ID,
        partition,
        generation,
        upTo,
      }),
    );
    const now = performance.now();
    if (now - this.#pingedAt >= ACK_PING_MS) {
      this.#pingedAt = now;
      link.ping();
    }
  }

  /** Fails one message: the broker redelivers it, or dead-letters it after its delivery limit. */
  nack(partition: number, offset: number, generation = this.#generation.get(partition) ?? 0): void {
    this.counters.nacks++;
    this.#link?.fc.send(
      encodeFrame({
        type: FrameType.NACK,
        subscriptionId: SUBSCRIPTION_ID,
        partition,
        generation,
        offset,
      }),
    );
  }

  /** Acks `d` and every earlier delivered message of its partition (acks are cumulative). */
  ackDelivery(d: SourceDelivery): void {
    this.ack(d.partition, d.end, d instanceof Delivery ? d.generation : undefined);
  }

  /** {@linkcode nack} of message `offset` of `d`. */
  nackMessage(d: SourceDelivery, offset: number): void {
    this.nack(d.partition, offset, d instanceof Delivery ? d.generation : undefined);
  }

  /** Leaves the group. Unacked deliveries go to other members. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    this.#o.signal?.removeEventListener("abort", this.#onAbort);
    if (this.#link) await this.#link.fc.drain().catch(() => {});
    this.#link?.close();
    this.#wake();
    await this.#loop;
  }

  /** Closes the subscriber, as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  #onFrame(f: Frame): void {
    switch (f.type) {
      case FrameType.DELIVER: {
        validateBatch(f.batch, f.count);
        const link = this.#link;
        if (!link) return;
        const d = new Delivery(f, link.serverId, link.lease.lease(f.leaseAnchor));
        this.#generation.set(f.partition, f.generation);
        this.counters.deliveries++;
        this.counters.messages += d.count;
        if (f.attempt > 1) this.counters.redelivered += d.count;
        this.#queue.push(d);
        this.#wake();
        return;
      }
      case FrameType.ASSIGN:
        this.#assigned = f.partitions;
        this.#o.logger.debug("partitions assigned", {
          partitions: f.partitions.join(",") || "none",
        });
        return;
      case FrameType.SUBSCRIBE_OK:
        if (this.#link) {
          this.#link.lease.ackTimeoutMs = f.ackTimeoutMs;
          this.#link.lease.sessionTimeoutMs = f.sessionTimeoutMs;
          this.#link.setHeartbeat(heartbeatFor(f.sessionTimeoutMs, DEFAULT_HEARTBEAT_MS));
        }
        this.#subscribed?.(f.memberId);
        return;
      case FrameType.ERROR:
        this.#fatal = new BrokerRequestError(
          f.code,
          `Broker ${formatAddress(this.#o.broker)} refused the subscription: ${f.message}`,
        );
        this.#link?.close();
        this.#wake();
        return;
    }
  }

  async #connect(): Promise<void> {
    for (let attempt = 0; !this.#closed && !this.#fatal; attempt++) {
      try {
        const link = await openLink(this.#o.broker, {
          clientId: this.#o.clientId ?? "subscriber",
          token: this.#o.token,
          tls: this.#o.tls,
          onFrame: (f) => this.#onFrame(f),
        });
        const joined = new Promise<string>((resolve, reject) => {
          this.#subscribed = resolve;
          link.done.then(reject);
        });
        link.fc.send(encodeFrame({
          type: FrameType.SUBSCRIBE,
          subscriptionId: SUBSCRIPTION_ID,
          topic: this.#o.topic,
          group: this.#o.group,
          creditMessages: this.#o.creditMessages ?? DEFAULT_CREDIT_MESSAGES,
          creditBytes: this.#o.creditBytes ?? DEFAULT_CREDIT_BYTES,
          memberKey: this.#o.memberKey ?? "",
        }));
        this.#link = link;
        await joined;
        return;
      } catch (err) {
        if (this.#fatal || this.#closed) return;
        if (err instanceof BrokerRefusedError) {
          this.#fatal = err;
          return;
        }
        const delay = backoffDelay(attempt);
        this.#o.logger.warn(`${(err as Error).message}; retrying in ${delay} ms`);
        await systemClock.sleep(delay, this.#stop.signal).catch(() => {});
      }
    }
  }

  async #maintain(): Promise<void> {
    while (!this.#closed && !this.#fatal && this.#link) {
      const why = await this.#link.done;
      if (this.#closed || this.#fatal) break;
      this.#o.logger.warn(`${why.message}; rejoining`);
      this.counters.reconnects++;
      this.#link = null;
      this.#assigned = [];
      await this.#connect();
    }
    this.#wake();
  }
}
