/**
 * Seeded generators of hostile client byte streams for the broker fuzz
 * tests: valid frames, valid frames with flipped bytes, wrong lengths,
 * unknown types, truncated bodies, oversized length prefixes, random bytes.
 */
import {
  BatchBuilder,
  encodeFrame,
  encodeHead,
  FrameType,
  PROTOCOL_VERSION,
} from "../../src/protocol/mod.ts";

/** What a fuzz connection sends. */
export type FuzzKind = "random-bytes" | "wrong-token" | "oversized-prefix" | "mutated-frames";

/** One connection's bytes and how it was made. */
export interface FuzzScript {
  kind: FuzzKind;
  /** Frames (or raw chunks) in order; the last one is something the broker must refuse. */
  frames: Uint8Array[];
}

/** Of every thirty connections: one of random bytes, one wrong token, one oversized prefix. */
const KINDS: FuzzKind[] = [
  "random-bytes",
  "wrong-token",
  "oversized-prefix",
  ...new Array<FuzzKind>(27).fill("mutated-frames"),
];

/** A valid HELLO. */
export function hello(token: string): Uint8Array {
  return encodeFrame({ type: FrameType.HELLO, version: PROTOCOL_VERSION, clientId: "fz", token });
}

function validFrame(rnd: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rnd() * n);
  switch (int(7)) {
    case 0:
      return encodeFrame({ type: FrameType.PING, nonce: int(1000) });
    case 1:
      return encodeFrame({ type: FrameType.METADATA, correlationId: int(100), topic: "fz" });
    case 2: {
      const b = new BatchBuilder();
      const n = 1 + int(4);
      for (let i = 0; i < n; i++) b.add(`k${int(9)}`, new Uint8Array(int(40)).fill(0x61));
      const batch = b.take();
      const head = encodeHead({
        type: FrameType.PUBLISH,
        correlationId: int(1000),
        topic: "fz",
        partition: int(10),
        count: n,
        producerId: 0,
        sequence: 0,
        batch,
      });
      const out = new Uint8Array(head.length + batch.length);
      out.set(head);
      out.set(batch, head.length);
      return out;
    }
    case 3:
      return encodeFrame({
        type: FrameType.SUBSCRIBE,
        subscriptionId: int(100),
        topic: "fz",
        group: "fz-g",
        creditMessages: int(50),
        creditBytes: int(1 << 16),
        memberKey: "",
      });
    case 4:
      return encodeFrame({
        type: FrameType.ACK,
        subscriptionId: int(100),
        partition: int(10),
        generation: 0,
        upTo: int(100),
      });
    case 5:
      return encodeFrame({
        type: FrameType.NACK,
        subscriptionId: int(100),
        partition: int(10),
        generation: 0,
        offset: int(100),
      });
    default:
      return encodeFrame({ type: FrameType.PONG, nonce: int(1000) });
  }
}

/** A valid frame with 1 to 3 bytes of its type or body flipped. */
function flipped(rnd: () => number): Uint8Array {
  const f = validFrame(rnd);
  const int = (n: number) => Math.floor(rnd() * n);
  for (let i = 1 + int(3); i > 0; i--) f[4 + int(f.length - 4)] ^= 1 + int(255);
  return f;
}

/** A frame broken so the broker must close: wrong length, unknown type, truncated, HELLO again. */
function broken(rnd: () => number): Uint8Array {
  const f = validFrame(rnd);
  const int = (n: number) => Math.floor(rnd() * n);
  const view = new DataView(f.buffer, f.byteOffset);
  switch (int(4)) {
    case 0: // wrong length: the stream desynchronises
      view.setUint32(0, Math.max(0, view.getUint32(0) + 1 + int(8)));
      return f;
    case 1: // unknown type
      f[4] = 0x30 + int(0xcf);
      return f;
    case 2: // truncated body
      return f.subarray(0, 4 + int(f.length - 4));
    default:
      return hello("again");
  }
}

/** Share of frames of a mutated-frames connection whose bytes are flipped. */
export const FLIP_RATE = 0.002;

/**
 * What fuzz connection `index` sends: the kind cycles by index; the content
 * comes from `rnd`. Every script ends in something the broker must refuse.
 *
 * @param token the broker's token (the wrong-token kind sends another)
 * @param frames frames per mutated-frames connection
 * @param maxFrameBytes the broker's limit (oversized prefixes exceed it)
 */
export function fuzzScript(
  index: number,
  rnd: () => number,
  token: string,
  frames: number,
  maxFrameBytes: number,
): FuzzScript {
  const kind = KINDS[index % KINDS.length];
  const int = (n: number) => Math.floor(rnd() * n);
  const oversized = () => {
    const p = new Uint8Array(5 + int(8));
    new DataView(p.buffer).setUint32(0, maxFrameBytes + 1 + int(0xffffffff - maxFrameBytes - 1));
    return p;
  };
  switch (kind) {
    case "random-bytes":
      return { kind, frames: [Uint8Array.from({ length: 1 + int(4096) }, () => int(256))] };
    case "wrong-token":
      return { kind, frames: [hello(`${token}x${int(100)}`), validFrame(rnd)] };
    case "oversized-prefix": {
      const valid = Array.from({ length: int(4) }, () => validFrame(rnd));
      return { kind, frames: [hello(token), ...valid, oversized()] };
    }
    default: {
      const out = [hello(token)];
      for (let i = 0; i < frames - 2; i++) {
        out.push(rnd() < FLIP_RATE ? flipped(rnd) : validFrame(rnd));
      }
      out.push(rnd() < 0.5 ? broken(rnd) : oversized());
      return { kind, frames: out };
    }
  }
}

/** The parts, one after another. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
