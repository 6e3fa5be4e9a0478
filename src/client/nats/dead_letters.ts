/**
 * Dead letters of one consumer group on JetStream. Two ways in:
 * - a batch JetStream gave up redelivering (`max_deliver` reached, announced
 *   by the server's MAX_DELIVERIES advisory) is copied whole from the stream;
 * - messages the collector rejected (undecodable) are copied out of their
 *   batch before the batch is acked.
 * Both go to `<topic>.dlq` (stream `GPUTEL_<topic>_dlq`) with a message id,
 * so every member that hears the same advisory stores it once.
 *
 * @module
 */
import { headers, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "../../obs/log.ts";
import { COUNT_HEADER, DEAD_LETTER_HEADER } from "./headers.ts";
import { consumerName, partitionOf, streamName } from "./topology.ts";

/** Where dead letters of a group come from and go. */
export interface DeadLetterOptions {
  /** Topic whose dead letters these are. */
  topic: string;
  /** Consumer group that gave up on them. */
  group: string;
  /** The stream's identity, written into each dead letter. */
  origin: string;
  /** Where the dead-letter reader logs. */
  logger: Logger;
}

/** Copies a group's dead letters to `<topic>.dlq`. */
export class DeadLetters {
  /** Batches and rejected subsets copied (duplicates of another member's copy included). */
  count = 0;
  #js: JetStreamClient;
  #jsm: JetStreamManager;
  #o: DeadLetterOptions;
  #sub: Subscription;
  #pending = new Set<Promise<void>>();
  #listening: Promise<void>;

  /** Subscribes to the group's MAX_DELIVERIES advisories. */
  constructor(
    nc: NatsConnection,
    js: JetStreamClient,
    jsm: JetStreamManager,
    o: DeadLetterOptions,
  ) {
    this.#js = js;
    this.#jsm = jsm;
    this.#o = o;
    const stream = streamName(o.topic);
    const sub = nc.subscribe(
      `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${consumerName(o.group)}`,
    );
    this.#sub = sub;
    this.#listening = (async () => {
      for await (const m of sub) {
        const seq = Number((m.json() as { stream_seq?: unknown }).stream_seq);
        if (Number.isSafeInteger(seq) && seq > 0) this.#track(this.#copyStored(seq));
      }
    })();
  }

  /** Copies rejected messages (`blob` of `count`) of batch `seq` of `partition`. */
  rejected(partition: number, seq: number, blob: Uint8Array, count: number): Promise<void> {
    return this.#track(this.#publish(blob, count, partition, seq, `${seq}:rejected`));
  }

  /** Stops listening; waits for copies under way. */
  async close(): Promise<void> {
    this.#sub.unsubscribe();
    await this.#listening;
    await Promise.all(this.#pending);
  }

  #track(p: Promise<void>): Promise<void> {
    const t = p.catch((err) =>
      this.#o.logger.error("could not copy a dead letter to the dead-letter stream", {
        error: String(err),
      })
    ).finally(() => this.#pending.delete(t));
    this.#pending.add(t);
    return t;
  }

  async #copyStored(seq: number): Promise<void> {
    const m = await this.#jsm.streams.getMessage(streamName(this.#o.topic), { seq });
    if (m === null) return; // aged out meanwhile
    const count = Number(m.header.get(COUNT_HEADER) || 0);
    await this.#publish(m.data, count, partitionOf(this.#o.topic, m.subject), seq, String(seq));
    this.#o.logger.warn("batch dead-lettered after its delivery limit", { seq, messages: count });
  }

  async #publish(
    blob: Uint8Array,
    count: number,
    partition: number,
    seq: number,
    id: string,
  ): Promise<void> {
    const h = headers();
    h.set(COUNT_HEADER, String(count));
    h.set(DEAD_LETTER_HEADER, `${this.#o.origin}/${partition}/${seq}/${this.#o.group}`);
    await this.#js.publish(`${this.#o.topic}.dlq`, blob, {
      msgID: `${this.#o.group}:${id}`,
      headers: h,
    });
    this.count++;
  }
}
