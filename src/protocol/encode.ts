/**
 * Encoders of protocol v1's typed frames. Pure: values in, bytes out. PUBLISH
 * and DELIVER end with a batch blob, written after the header so the blob is
 * never re-encoded.
 *
 * @module
 */
import { FrameWriter } from "./bytes.ts";
import { FrameType } from "./frame.ts";
import type { Deliver, Frame, FrameInput, Publish } from "./messages.ts";

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

function truncate(message: string): string {
  return message.length > 4000 ? message.slice(0, 4000) + "…" : message;
}
