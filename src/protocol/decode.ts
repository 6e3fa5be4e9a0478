/**
 * Decoder of protocol v1's typed frames. Pure: bytes in, values out.
 *
 * @module
 */
import { BodyReader } from "./bytes.ts";
import { ProtocolError } from "./errors.ts";
import { FrameType, frameTypeName, type RawFrame } from "./frame.ts";
import type { Deliver, Frame } from "./messages.ts";

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

/** The frames of greeting and publishing: HELLO to PUBLISH_OK. */
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
    default:
      return decodeConsumerBody(type, r);
  }
}

/** The frames of subscribing and consuming: SUBSCRIBE to NACK. */
function decodeConsumerBody(type: FrameType, r: BodyReader): Frame {
  switch (type) {
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
  throw new ProtocolError(`cannot decode frame type ${frameTypeName(type)}`);
}
