/**
 * The collect role's source over NATS JetStream: one member of a consumer
 * group pulling from the group's durable consumer. Every group has its own
 * consumer, so every group sees every message; inside a group JetStream
 * hands each batch to one member, and again after the ack wait (the
 * `--ack-timeout`) or a member's nak, up to `--max-deliveries` times, then
 * the batch is dead-lettered. A batch is acked only when the collector says
 * its delivery is stored.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { type ConsumerMessages, jetstream, type JsMsg } from "@nats-io/jetstream";
import { type Logger, silentLogger } from "../../obs/log.ts";
import { backoffDelay } from "../backoff.ts";
import { decodeBatch, sliceBatch, validateBatch } from "../../protocol/mod.ts";
import type { Source, SourceDelivery, SourceMessage } from "../source.ts";
import {
  connectNats,
  ensureGroup,
  ensureTopic,
  jetstreamManager,
  type NatsServerOptions,
} from "./connection.ts";
import { DeadLetters } from "./dead_letters.ts";
import { batchCount } from "./headers.ts";
import { PositionKeys } from "./position_keys.ts";
import {
  consumerName,
  type JetStreamGroup,
  type JetStreamTopic,
  OFFSET_STRIDE,
  partitionOf,
  streamName,
} from "./topology.ts";

/** Options of {@linkcode JetStreamSource}. */
export interface JetStreamSourceOptions {
  /** NATS server to connect to. */
  nats: NatsServerOptions;
  /** The topic's stream layout: created when missing, checked when present. */
  topic: JetStreamTopic;
  /** The group's consumer: created when missing, checked when present. */
  group: JetStreamGroup;
  /** Batches pulled ahead of the collector (their ack wait runs meanwhile). @default {DEFAULT_PULL_BATCHES} */
  pullBatches?: number;
  /** Where the source logs. */
  logger?: Logger;
}

/** Counters of a {@linkcode JetStreamSource}. */
export type JetStreamSourceCounters = {
  deliveries: number;
  messages: number;
  redelivered: number;
  acks: number;
  nacks: number;
  /** Batches that were not gputel batches (bad subject, count or bytes): dead-lettered. */
  malformed: number;
  /** Store-position keys started: one per partition, one more per redelivery out of order. */
  position_keys: number;
  dead_lettered: number;
  /** Pulls started again after one ended with an error. */
  repulls: number;
};

/**
 * How long one pull request waits on the server, ms: missed heartbeats
 * (every half of it) reveal a pull lost in a failover after two of them.
 */
const PULL_EXPIRES_MS = 5_000;
/** Default {@linkcode JetStreamSourceOptions.pullBatches}. */
export const DEFAULT_PULL_BATCHES = 8;

interface Held {
  m: JsMsg;
  count: number;
  /** Indexes of the messages the collector rejected. */
  rejected: number[];
}

/**
 * One member of a consumer group on JetStream.
 *
 * @example
 * ```ts
 * const src = await JetStreamSource.connect({ nats, topic, group });
 * for await (const d of src.deliveries()) {
 *   await store(d.messages);
 *   src.ackDelivery(d);
 * }
 * ```
 */
export class JetStreamSource implements Source, AsyncDisposable {
  readonly counters: JetStreamSourceCounters = {
    deliveries: 0,
    messages: 0,
    redelivered: 0,
    acks: 0,
    nacks: 0,
    malformed: 0,
    position_keys: 0,
    dead_lettered: 0,
    repulls: 0,
  };
  /** JetStream has no partition ownership: any member may get any partition. */
  readonly assigned: readonly number[] = [];
  #nc: NatsConnection;
  #pull: () => Promise<ConsumerMessages>;
  #messages: ConsumerMessages;
  #dead: DeadLetters;
  #topic: string;
  #origin: string;
  #keys: PositionKeys;
  #held = new Map<SourceDelivery, Held>();
  #log: Logger;
  #closing: Promise<void> | null = null;

  private constructor(
    nc: NatsConnection,
    pull: () => Promise<ConsumerMessages>,
    messages: ConsumerMessages,
    dead: DeadLetters,
    topic: string,
    origin: string,
    log: Logger,
  ) {
    this.#nc = nc;
    this.#pull = pull;
    this.#messages = messages;
    this.#dead = dead;
    this.#topic = topic;
    this.#origin = origin;
    this.#keys = new PositionKeys(`${origin}:${crypto.randomUUID().slice(0, 13)}`);
    this.#log = log;
  }

  /**
   * Connects, makes sure the streams and the group's consumer are there as
   * wanted, and starts pulling.
   *
   * @throws {BrokerUnavailableError} when no server answers
   * @throws {RangeError} when a stream or the consumer exists with other settings
   */
  static async connect(o: JetStreamSourceOptions): Promise<JetStreamSource> {
    const nc = await connectNats(o.nats);
    try {
      const jsm = await jetstreamManager(nc);
      const layout = await ensureTopic(nc, jsm, o.topic);
      const stream = streamName(o.topic.topic);
      await ensureGroup(jsm, stream, o.group);
      const js = jetstream(nc);
      const consumer = await js.consumers.get(stream, consumerName(o.group.group));
      const pull = () =>
        consumer.consume({
          max_messages: o.pullBatches ?? DEFAULT_PULL_BATCHES,
          expires: PULL_EXPIRES_MS,
        });
      const log = o.logger ?? silentLogger;
      const dead = new DeadLetters(nc, js, jsm, {
        topic: o.topic.topic,
        group: o.group.group,
        origin: layout.origin,
        logger: log,
      });
      return new JetStreamSource(nc, pull, await pull(), dead, o.topic.topic, layout.origin, log);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /**
   * Yields one delivery per batch until {@linkcode close}. When the pull
   * ends with an error (its server went away, the consumer's leader moved
   * and was not found in time), it pulls again.
   */
  async *deliveries(): AsyncGenerator<SourceDelivery> {
    for (let attempt = 0; this.#closing === null;) {
      try {
        void this.#watch(this.#messages);
        for await (const m of this.#messages) {
          attempt = 0;
          const d = this.#toDelivery(m);
          if (d) yield d;
        }
      } catch (err) {
        this.#log.warn("JetStream pull ended; pulling again", { error: String(err) });
      }
      if (this.#closing !== null) return;
      this.counters.repulls++;
      await new Promise((r) => setTimeout(r, backoffDelay(attempt++)));
      try {
        const next = await this.#pull();
        this.#messages = next;
        if (this.#closing !== null) await next.close();
      } catch (err) {
        this.#log.warn("JetStream pull could not start", { error: String(err) });
      }
    }
  }

  /** Logs what the client library reports about a pull (missed heartbeats, leader moves). */
  async #watch(messages: ConsumerMessages): Promise<void> {
    for await (const s of messages.status()) {
      if (s.type === "heartbeats_missed" || s.type === "consumer_not_found") {
        this.#log.warn(`JetStream pull: ${s.type}`, { ...s });
      } else this.#log.debug(`JetStream pull: ${s.type}`);
    }
  }

  /** Acks the batch of `d`, after copying its rejected messages to the dead-letter stream. */
  ackDelivery(d: SourceDelivery): void {
    const held = this.#held.get(d);
    if (held === undefined) return;
    this.#held.delete(d);
    this.counters.acks++;
    if (held.rejected.length === 0) {
      held.m.ack();
      return;
    }
    const parts = held.rejected.map((i) => sliceBatch(held.m.data, held.count, i, i + 1));
    const blob = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
    parts.reduce((at, b) => (blob.set(b, at), at + b.length), 0);
    this.counters.dead_lettered++;
    // Acked only once the copy is stored: else the batch comes back and is copied again.
    void this.#dead.rejected(d.partition, held.m.seq, blob, parts.length).then(() => held.m.ack());
  }

  /** Marks message `offset` of `d` rejected: it is dead-lettered when `d` is acked. */
  nackMessage(d: SourceDelivery, offset: number): void {
    this.counters.nacks++;
    this.#held.get(d)?.rejected.push(offset - d.first);
  }

  /** Stops pulling, sends the acks given so far, disconnects. Safe to call twice. */
  close(): Promise<void> {
    return this.#closing ??= (async () => {
      await this.#messages.close();
      await this.#dead.close();
      await this.#nc.drain().catch(() => {});
    })();
  }

  /** Closes the source, as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #toDelivery(m: JsMsg): SourceDelivery | null {
    const partition = partitionOf(this.#topic, m.subject);
    const count = batchCount(m.headers);
    let messages: SourceMessage[];
    try {
      if (partition < 0 || count < 0 || count > OFFSET_STRIDE) {
        throw new RangeError(`subject ${m.subject}, count ${count}`);
      }
      validateBatch(m.data, count);
      const base = m.seq * OFFSET_STRIDE;
      messages = decodeBatch(m.data, count).map((x, i) => ({
        offset: base + i,
        key: x.key,
        payload: x.payload,
      }));
    } catch (err) {
      this.counters.malformed++;
      this.#log.warn("not a gputel batch; dead-lettering it", {
        seq: m.seq,
        error: (err as Error).message,
      });
      void this.#dead.rejected(Math.max(partition, 0), m.seq, m.data, Math.max(count, 0))
        .then(() => m.ack());
      return null;
    }
    const d: SourceDelivery = {
      partition,
      attempt: m.info.deliveryCount,
      first: messages[0].offset,
      end: messages[0].offset + count,
      source: this.#keys.keyFor(partition, m.seq),
      origin: this.#origin,
      messages,
    };
    this.counters.position_keys = this.#keys.started;
    this.counters.deliveries++;
    this.counters.messages += count;
    if (m.info.redelivered) this.counters.redelivered += count;
    this.#held.set(d, { m, count, rejected: [] });
    return d;
  }
}
