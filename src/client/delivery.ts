/**
 * A delivery: a run of messages from one partition, kept as the batch blob
 * the broker sent. Messages are decoded into objects only when asked for;
 * {@linkcode Delivery.forEachPayload} visits them without allocating.
 *
 * @module
 */
import { decodeBatch, type Deliver, walkBatch } from "../protocol/mod.ts";
import type { SourceDelivery } from "./source.ts";
import { type Lease, UNBOUNDED_LEASE } from "./lease.ts";

/** One message of a delivery, with its partition offset. */
export interface DeliveredMessage {
  /** Offset of the message in its partition. */
  offset: number;
  /** Message key. */
  key: string;
  /** Message body. */
  payload: Uint8Array;
}

/**
 * Visits one payload: `bytes[at, at + length)` is the payload of the message
 * at partition `offset`. `bytes` is the whole batch; do not keep views of it
 * past the delivery's ack unless copied.
 */
export type PayloadVisit = (bytes: Uint8Array, at: number, length: number, offset: number) => void;

/** A run of messages from one partition. */
export class Delivery implements SourceDelivery {
  /** The partition the messages come from. */
  readonly partition: number;
  /** 1 for a first delivery; more for redeliveries. */
  readonly attempt: number;
  /** Offset of the first message. */
  readonly first: number;
  /** Offset one past the last message: ack(partition, end) acks the whole delivery. */
  readonly end: number;
  /** The broker log's identity (see `Link.serverId`): offsets are positions in that log. */
  readonly source: string;
  /** The assignment generation it belongs to: its ack must carry it. */
  readonly generation: number;
  /**
   * The member's lease on it: write it only while `lease.valid()`, since
   * once the lease ends the broker may hand it to another member.
   */
  readonly lease: Lease;
  #blob: Uint8Array;
  #batchCount: number;
  #from: number;
  #baseOffset: number;
  #messages: DeliveredMessage[] | undefined;

  /**
   * Wraps a DELIVER frame from `source`.
   * @param f a DELIVER frame whose batch was validated
   * @param source the broker log's identity
   * @param lease the member's lease on it
   */
  constructor(f: Deliver, source: string, lease: Lease = UNBOUNDED_LEASE) {
    this.partition = f.partition;
    this.generation = f.generation;
    this.lease = lease;
    this.attempt = f.attempt;
    this.first = f.baseOffset + f.from;
    this.end = f.baseOffset + f.to;
    this.source = source;
    this.#blob = f.batch;
    this.#batchCount = f.count;
    this.#from = f.from;
    this.#baseOffset = f.baseOffset;
  }

  /** The log the messages were published to: for the built-in broker, {@linkcode source}. */
  get origin(): string {
    return this.source;
  }

  /** Messages in this delivery. */
  get count(): number {
    return this.end - this.first;
  }

  /** The messages, decoded on first access (keys as strings, payloads as views). */
  get messages(): DeliveredMessage[] {
    if (this.#messages) return this.#messages;
    const all = decodeBatch(this.#blob, this.#batchCount);
    const out: DeliveredMessage[] = new Array(this.count);
    for (let i = 0; i < out.length; i++) {
      const m = all[this.#from + i];
      out[i] = { offset: this.first + i, key: m.key, payload: m.payload };
    }
    return (this.#messages = out);
  }

  /** Visits every payload in offset order without decoding keys or allocating. */
  forEachPayload(visit: PayloadVisit): void {
    const blob = this.#blob;
    const base = this.#baseOffset;
    walkBatch(
      blob,
      this.#batchCount,
      this.#from,
      this.#from + this.count,
      (i, _keyAt, _keyLen, payAt, payLen) => visit(blob, payAt, payLen, base + i),
    );
  }
}
