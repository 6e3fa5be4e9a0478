/**
 * The seam the collect role consumes through. Two implementations: the
 * built-in broker's {@linkcode Subscriber} (`src/client/subscriber.ts`) and
 * NATS JetStream (`src/client/nats/`). A test injects its own fake.
 *
 * A source yields deliveries: runs of messages of one partition, each message
 * at a position (`offset`) in the log named by the delivery's `source`. The
 * collector's store skips positions below the one it has stored per
 * (`source`, `partition`), so a source must hand out, under one `source`,
 * each partition's positions in increasing order across deliveries, except
 * for redeliveries of what it handed out before. `origin` names the log a
 * message really comes from: (`origin`, `partition`, `offset`) identifies one
 * published message, whichever member of the group stored it, so read paths
 * can deduplicate by it.
 *
 * @module
 */

import type { Lease } from "./lease.ts";

/** The consumer group collectors join unless told otherwise (`--group`). */
export const DEFAULT_GROUP = "collectors";

/** One message of a delivery. */
export interface SourceMessage {
  /** Its position: in its partition, in the delivery's log. */
  offset: number;
  /** The message key (the GPU key). */
  key: string;
  /** UTF-8 JSON of a telemetry message. */
  payload: Uint8Array;
}

/** A run of messages of one partition, ascending by offset. */
export interface SourceDelivery {
  /** The partition the messages come from. */
  readonly partition: number;
  /** 1 for a first delivery; more for redeliveries. */
  readonly attempt: number;
  /** Offset of the first message. */
  readonly first: number;
  /** One past the last message's offset. */
  readonly end: number;
  /**
   * The log whose positions the offsets are, as the store keeps its
   * per-partition position: the built-in broker's log identity; for
   * JetStream, the stream plus this consumer's session.
   */
  readonly source: string;
  /**
   * The log the messages were published to, the same for every member of
   * every group: the built-in broker's log identity; for JetStream
   * `nats:<stream>@<created>`. With the partition and offset it names one
   * published message.
   */
  readonly origin: string;
  /** The messages. */
  readonly messages: readonly SourceMessage[];
  /**
   * The partition's assignment generation the delivery belongs to, when the
   * transport has partition ownership (the built-in broker): in-flight
   * deliveries of an older generation were taken back by the broker.
   */
  readonly generation?: number;
  /**
   * This member's lease on the delivery, when the transport fences members
   * (the built-in broker does): write it only while `lease.valid()`; once it
   * ended the partition may belong to another member. Absent: no lease.
   */
  readonly lease?: Lease;
}

/**
 * Where the collect role gets deliveries, as one member of a consumer group:
 * every group sees every message; inside a group each message goes to one
 * member at a time and again after an ack deadline or a nack.
 */
export interface Source {
  /** Counters of this member, for `/stats` and `/metrics` (summed per name). */
  readonly counters: Readonly<Record<string, number>>;
  /** Partitions this member owns now (empty when the transport has no ownership). */
  readonly assigned: readonly number[];
  /** Yields deliveries until {@linkcode close}. */
  deliveries(): AsyncIterable<SourceDelivery>;
  /** Every message of `d` is stored durably (or rejected): the transport may forget it. */
  ackDelivery(d: SourceDelivery): void;
  /** Message `offset` of `d` failed: redeliver it, or dead-letter it past its delivery limit. */
  nackMessage(d: SourceDelivery, offset: number): void;
  /** Leaves the group; unacked deliveries go to other members. Safe to call twice. */
  close(): Promise<void>;
}
