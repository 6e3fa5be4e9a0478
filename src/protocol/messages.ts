/**
 * Typed frames of protocol v1: one interface, encoder and decoder per frame
 * type. Pure: bytes in, values out.
 *
 * Offsets are message positions in a partition (u64 on the wire). PUBLISH and
 * DELIVER end with a batch blob (see `batch.ts`), written after the header so
 * the blob is never re-encoded.
 *
 * @module
 */
import { BodyReader, FrameWriter } from "./bytes.ts";
import { ProtocolError } from "./errors.ts";
import { FrameType, frameTypeName, type RawFrame } from "./frame.ts";

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

/**
 * Encodes a frame header and body. For PUBLISH and DELIVER the batch is
 * appended; use {@linkcode encodeHead} to write the batch separately.
 */
export function encodeFrame(frame: FrameInput<Frame>): Uint8Array {
  if (frame.type === FrameType.PUBLISH || frame.type === FrameType.DELIVER) {
    const head = encodeHead(frame);
    const out = new Uint8Array(head.length + frame.batch.length);
    out.set(head);
    out.set(frame.batch, head.length);
    return out;
  }
  const w = new FrameWriter(frame.type);
  switch (frame.type) {
    case FrameType.HELLO:
      return w.u16(frame.version).str(frame.clientId).str(frame.token).finish();
    case FrameType.HELLO_OK:
      return w.u16(frame.version).str(frame.serverId).finish();
    case FrameType.ERROR:
      return w.u32(frame.correlationId).u16(frame.code).str(truncate(frame.message)).finish();
    case FrameType.PING:
    case FrameType.PONG:
      return w.u32(frame.nonce).finish();
    case FrameType.METADATA:
      return w.u32(frame.correlationId).str(frame.topic).finish();
    case FrameType.METADATA_OK:
      return w.u32(frame.correlationId).str(frame.topic).u16(frame.partitions).finish();
    case FrameType.PUBLISH_OK:
      return w.u32(frame.correlationId).u16(frame.partition).u64(frame.baseOffset)
        .u32(frame.count).finish();
    case FrameType.SUBSCRIBE:
      return w.u32(frame.subscriptionId).str(frame.topic).str(frame.group)
        .u32(frame.creditMessages).u32(frame.creditBytes).str(frame.memberKey).finish();
    case FrameType.SUBSCRIBE_OK:
      return w.u32(frame.subscriptionId).str(frame.memberId).u32(frame.ackTimeoutMs)
        .u32(frame.sessionTimeoutMs).finish();
    case FrameType.ASSIGN: {
      w.u32(frame.subscriptionId).u16(frame.partitions.length);
      for (const p of frame.partitions) w.u16(p);
      return w.finish();
    }
    case FrameType.ACK:
      return w.u32(frame.subscriptionId).u16(frame.partition).u32(frame.generation)
        .u64(frame.upTo).finish();
    case FrameType.NACK:
      return w.u32(frame.subscriptionId).u16(frame.partition).u32(frame.generation)
        .u64(frame.offset).finish();
  }
}

/**
 * Encodes the part of a PUBLISH or DELIVER frame before its batch, with a
 * length prefix that counts the batch: write the head, then the batch.
 */
export function encodeHead(frame: FrameInput<Publish | Deliver>): Uint8Array {
  const w = new FrameWriter(frame.type, 48);
  if (frame.type === FrameType.PUBLISH) {
    w.u32(frame.correlationId).str(frame.topic).u16(frame.partition).u32(frame.count)
      .u64(frame.producerId).u32(frame.sequence);
  } else {
    w.u32(frame.subscriptionId).u16(frame.partition).u32(frame.generation)
      .u32(frame.leaseAnchor).u64(frame.baseOffset).u32(frame.from).u32(frame.to)
      .u16(frame.attempt).u32(frame.count);
  }
  const head = w.finish();
  new DataView(head.buffer, head.byteOffset).setUint32(0, head.length - 4 + frame.batch.length);
  return head;
}

/**
 * Decodes a raw frame's body into its typed form. Batch blobs are views into
 * the raw frame.
 *
 * @throws {ProtocolError} when the body is truncated, has trailing bytes or breaks a field rule
 */
export function decodeFrame(raw: RawFrame): Frame {
  const r = new BodyReader(raw.body, frameTypeName(raw.type));
  const f = decodeBody(raw.type, r);
  if (f.type !== FrameType.PUBLISH && f.type !== FrameType.DELIVER) r.end();
  return f;
}

function decodeBody(type: FrameType, r: BodyReader): Frame {
  switch (type) {
    case FrameType.HELLO:
      return {
        type,
        version: r.u16("version"),
        clientId: r.str("clientId"),
        token: r.str("token"),
      };
    case FrameType.HELLO_OK:
      return { type, version: r.u16("version"), serverId: r.str("serverId") };
    case FrameType.ERROR:
      return {
        type,
        correlationId: r.u32("correlationId"),
        code: r.u16("code"),
        message: r.str("message"),
      };
    case FrameType.PING:
    case FrameType.PONG:
      return { type, nonce: r.u32("nonce") };
    case FrameType.METADATA:
      return { type, correlationId: r.u32("correlationId"), topic: r.str("topic") };
    case FrameType.METADATA_OK:
      return {
        type,
        correlationId: r.u32("correlationId"),
        topic: r.str("topic"),
        partitions: r.u16("partitions"),
      };
    case FrameType.PUBLISH:
      return {
        type,
        correlationId: r.u32("correlationId"),
        topic: r.str("topic"),
        partition: r.u16("partition"),
        count: r.u32("count"),
        producerId: r.u64("producerId"),
        sequence: r.u32("sequence"),
        batch: r.rest(),
      };
    case FrameType.PUBLISH_OK:
      return {
        type,
        correlationId: r.u32("correlationId"),
        partition: r.u16("partition"),
        baseOffset: r.u64("baseOffset"),
        count: r.u32("count"),
      };
    case FrameType.SUBSCRIBE:
      return {
        type,
        subscriptionId: r.u32("subscriptionId"),
        topic: r.str("topic"),
        group: r.str("group"),
        creditMessages: r.u32("creditMessages"),
        creditBytes: r.u32("creditBytes"),
        memberKey: r.str("memberKey"),
      };
    case FrameType.SUBSCRIBE_OK:
      return {
        type,
        subscriptionId: r.u32("subscriptionId"),
        memberId: r.str("memberId"),
        ackTimeoutMs: r.u32("ackTimeoutMs"),
        sessionTimeoutMs: r.u32("sessionTimeoutMs"),
      };
    case FrameType.ASSIGN: {
      const subscriptionId = r.u32("subscriptionId");
      const n = r.u16("partitions");
      const partitions: number[] = [];
      for (let i = 0; i < n; i++) partitions.push(r.u16("partition"));
      return { type, subscriptionId, partitions };
    }
    case FrameType.DELIVER: {
      const f: Deliver = {
        type,
        subscriptionId: r.u32("subscriptionId"),
        partition: r.u16("partition"),
        generation: r.u32("generation"),
        leaseAnchor: r.u32("leaseAnchor"),
        baseOffset: r.u64("baseOffset"),
        from: r.u32("from"),
        to: r.u32("to"),
        attempt: r.u16("attempt"),
        count: r.u32("count"),
        batch: r.rest(),
      };
      if (!(f.from <= f.to && f.to <= f.count)) {
        throw new ProtocolError(`DELIVER: range [${f.from}, ${f.to}) outside 0..${f.count}`);
      }
      return f;
    }
    case FrameType.ACK:
      return {
        type,
        subscriptionId: r.u32("subscriptionId"),
        partition: r.u16("partition"),
        generation: r.u32("generation"),
        upTo: r.u64("upTo"),
      };
    case FrameType.NACK:
      return {
        type,
        subscriptionId: r.u32("subscriptionId"),
        partition: r.u16("partition"),
        generation: r.u32("generation"),
        offset: r.u64("offset"),
      };
  }
}

function truncate(message: string): string {
  return message.length > 4000 ? message.slice(0, 4000) + "…" : message;
}
