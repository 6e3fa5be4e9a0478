/**
 * Typed frames of protocol v1: one interface per frame type (the encoder is
 * in `encode.ts`, the decoder in `decode.ts`).
 *
 * Offsets are message positions in a partition (u64 on the wire). PUBLISH and
 * DELIVER end with a batch blob (see `batch.ts`), written after the header so
 * the blob is never re-encoded.
 *
 * @module
 */
import type { FrameType } from "./frame.ts";

/** HELLO: the first frame a client sends. */
export interface Hello {
  /** Frame type tag. */
  type: typeof FrameType.HELLO;
  /** Protocol version the client speaks. */
  version: number;
  /** Client's self-chosen name, for logs. */
  clientId: string;
  /** Shared secret; empty when the broker has no token. */
  token: string;
}
/** HELLO_OK: the broker accepted the HELLO. */
export interface HelloOk {
  /** Frame type tag. */
  type: typeof FrameType.HELLO_OK;
  /** Protocol version the broker speaks. */
  version: number;
  /** Broker instance id (new each start of an in-memory broker, stable with a data dir). */
  serverId: string;
}
/** ERROR: a request failed; `correlationId` 0 when it concerns the connection. */
export interface ErrorFrame {
  /** Frame type tag. */
  type: typeof FrameType.ERROR;
  /** Id of the failed request; 0 for the connection. */
  correlationId: number;
  /** Error code (see `ErrorCode`). */
  code: number;
  /** Human-readable reason. */
  message: string;
}
/** PING / PONG: liveness, in either direction. */
export interface Ping {
  /** Frame type tag: PING asks, PONG answers. */
  type: typeof FrameType.PING | typeof FrameType.PONG;
  /** Value a PONG echoes from its PING. */
  nonce: number;
}
/** METADATA: asks for a topic's partition count (creating the topic if new). */
export interface Metadata {
  /** Frame type tag. */
  type: typeof FrameType.METADATA;
  /** Request id echoed by the answer. */
  correlationId: number;
  /** Topic asked about. */
  topic: string;
}
/** METADATA_OK: a topic's partition count. */
export interface MetadataOk {
  /** Frame type tag. */
  type: typeof FrameType.METADATA_OK;
  /** Id of the METADATA this answers. */
  correlationId: number;
  /** Topic asked about. */
  topic: string;
  /** Number of partitions of the topic. */
  partitions: number;
}
/**
 * PUBLISH: a batch of `count` messages for one partition. `producerId` and
 * `sequence` (per partition, from 1) make a resend idempotent; producer 0
 * opts out.
 */
export interface Publish {
  /** Frame type tag. */
  type: typeof FrameType.PUBLISH;
  /** Request id echoed by PUBLISH_OK or ERROR. */
  correlationId: number;
  /** Topic published to. */
  topic: string;
  /** Partition published to. */
  partition: number;
  /** Messages in `batch`. */
  count: number;
  /** Idempotent producer id; 0 opts out of deduplication. */
  producerId: number;
  /** Per-partition batch sequence of this producer, from 1. */
  sequence: number;
  /** Encoded batch of messages (see `batch.ts`). */
  batch: Uint8Array;
}
/** PUBLISH_OK: the batch is stored as the broker's durability policy promises. */
export interface PublishOk {
  /** Frame type tag. */
  type: typeof FrameType.PUBLISH_OK;
  /** Id of the PUBLISH this answers. */
  correlationId: number;
  /** Partition the batch was stored in. */
  partition: number;
  /** Offset of the batch's first message. */
  baseOffset: number;
  /** Messages stored. */
  count: number;
}
/**
 * SUBSCRIBE: join `group` on `topic` with a credit of messages and bytes in
 * flight. `memberKey` is the member's stable identity (a collector's `--id`
 * and worker number; empty for none): a member that rejoins under the same
 * key gets the partitions it owned back.
 */
export interface Subscribe {
  /** Frame type tag. */
  type: typeof FrameType.SUBSCRIBE;
  /** Client-chosen id that later frames of this subscription carry. */
  subscriptionId: number;
  /** Topic to consume. */
  topic: string;
  /** Consumer group to join. */
  group: string;
  /** Most messages in flight (delivered, not acked). */
  creditMessages: number;
  /** Most bytes in flight. */
  creditBytes: number;
  /** Stable member identity; empty for none. */
  memberKey: string;
}
/**
 * SUBSCRIBE_OK: the subscription is a member of its group. The timeouts bound
 * a member's lease on a delivery: the broker takes it back `ackTimeoutMs`
 * after sending it, or once the connection was silent `sessionTimeoutMs`.
 */
export interface SubscribeOk {
  /** Frame type tag. */
  type: typeof FrameType.SUBSCRIBE_OK;
  /** Id of the SUBSCRIBE this answers. */
  subscriptionId: number;
  /** Member id the broker gave this subscription. */
  memberId: string;
  /** Lease on a delivery, from its send, in ms. */
  ackTimeoutMs: number;
  /** Silence after which the connection's leases end, in ms. */
  sessionTimeoutMs: number;
}
/** ASSIGN: the partitions this subscription now owns. */
export interface Assign {
  /** Frame type tag. */
  type: typeof FrameType.ASSIGN;
  /** Subscription the partitions are assigned to. */
  subscriptionId: number;
  /** Partitions now owned (replacing any earlier assignment). */
  partitions: number[];
}
/**
 * DELIVER: a stored batch whose first message has offset `baseOffset`; only
 * messages with index in `[from, to)` are delivered, the rest must be ignored.
 * `generation` is the assignment's fencing token: it grows every time the
 * partition moves to another member, and acks must carry it. `leaseAnchor`
 * is the nonce of the last PING the broker had read from this connection
 * before sending (0: none), so the member can date the send by its own clock.
 */
export interface Deliver {
  /** Frame type tag. */
  type: typeof FrameType.DELIVER;
  /** Subscription delivered to. */
  subscriptionId: number;
  /** Partition the batch comes from. */
  partition: number;
  /** Fencing token of the partition's assignment. */
  generation: number;
  /** Nonce of the last PING read before sending; 0 for none. */
  leaseAnchor: number;
  /** Offset of the stored batch's first message. */
  baseOffset: number;
  /** First delivered message index in the batch. */
  from: number;
  /** End (exclusive) of the delivered message indexes. */
  to: number;
  /** 1 for a first delivery, 2 for the first redelivery, … */
  attempt: number;
  /** Messages in `batch` (delivered or not). */
  count: number;
  /** Encoded stored batch (see `batch.ts`). */
  batch: Uint8Array;
}
/**
 * ACK: every delivered message of `partition` with offset < `upTo` is done.
 * `generation` is the one of the deliveries acked; an ack of an older
 * generation is ignored (and counted as stale).
 */
export interface Ack {
  /** Frame type tag. */
  type: typeof FrameType.ACK;
  /** Subscription acking. */
  subscriptionId: number;
  /** Partition acked. */
  partition: number;
  /** Generation of the deliveries acked. */
  generation: number;
  /** Exclusive end offset of the acked messages. */
  upTo: number;
}
/** NACK: the message at `offset` failed; redeliver it (or dead-letter it). */
export interface Nack {
  /** Frame type tag. */
  type: typeof FrameType.NACK;
  /** Subscription nacking. */
  subscriptionId: number;
  /** Partition of the failed message. */
  partition: number;
  /** Generation of the delivery nacked. */
  generation: number;
  /** Offset of the failed message. */
  offset: number;
}

/** Any decoded frame. */
export type Frame =
  | Hello
  | HelloOk
  | ErrorFrame
  | Ping
  | Metadata
  | MetadataOk
  | Publish
  | PublishOk
  | Subscribe
  | SubscribeOk
  | Assign
  | Deliver
  | Ack
  | Nack;

/** A frame as encoders take it: `Omit` distributed over a union, keeping the discriminant. */
export type FrameInput<F> = F extends unknown
  ? Omit<F, "type"> & { type: F extends { type: infer T } ? T : never }
  : never;
