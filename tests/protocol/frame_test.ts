import assert from "node:assert/strict";
import {
  BatchBuilder,
  decodeFrame,
  encodeFrame,
  encodeHead,
  type Frame,
  FrameDecoder,
  FrameTooLargeError,
  FrameType,
  ProtocolError,
} from "../../src/protocol/mod.ts";
import { mulberry32 as prng } from "../../src/stream/prng.ts";

const enc = new TextEncoder();

function sampleBatch(n: number): Uint8Array {
  const b = new BatchBuilder(16);
  for (let i = 0; i < n; i++) b.add(`GPU-${i}`, enc.encode(`{"i":${i},"t":"温度"}`));
  return b.take();
}

const SAMPLES: Frame[] = [
  { type: FrameType.HELLO, version: 1, clientId: "stream-1", token: "" },
  { type: FrameType.HELLO_OK, version: 1, serverId: "broker-x" },
  { type: FrameType.ERROR, correlationId: 7, code: 5, message: "topic name too long" },
  { type: FrameType.PING, nonce: 42 },
  { type: FrameType.PONG, nonce: 42 },
  { type: FrameType.METADATA, correlationId: 1, topic: "telemetry" },
  { type: FrameType.METADATA_OK, correlationId: 1, topic: "telemetry", partitions: 8 },
  {
    type: FrameType.PUBLISH,
    correlationId: 9,
    topic: "telemetry",
    partition: 3,
    count: 3,
    producerId: 2 ** 40 + 3,
    sequence: 17,
    batch: sampleBatch(3),
  },
  { type: FrameType.PUBLISH_OK, correlationId: 9, partition: 3, baseOffset: 2 ** 40 + 5, count: 3 },
  {
    type: FrameType.SUBSCRIBE,
    subscriptionId: 1,
    topic: "telemetry",
    group: "collectors",
    creditMessages: 10_000,
    creditBytes: 8 << 20,
    memberKey: "collector-a/0",
  },
  {
    type: FrameType.SUBSCRIBE_OK,
    subscriptionId: 1,
    memberId: "m-1",
    ackTimeoutMs: 30_000,
    sessionTimeoutMs: 10_000,
  },
  { type: FrameType.ASSIGN, subscriptionId: 1, partitions: [0, 2, 7] },
  {
    type: FrameType.DELIVER,
    subscriptionId: 1,
    partition: 2,
    generation: 7,
    leaseAnchor: 2 ** 32 - 1,
    baseOffset: 1000,
    from: 1,
    to: 3,
    attempt: 2,
    count: 4,
    batch: sampleBatch(4),
  },
  { type: FrameType.ACK, subscriptionId: 1, partition: 2, generation: 7, upTo: 1003 },
  { type: FrameType.NACK, subscriptionId: 1, partition: 2, generation: 7, offset: 1001 },
];

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function decodeAll(decoder: FrameDecoder, chunks: Uint8Array[]): Frame[] {
  return chunks.flatMap((c) => decoder.push(c).map((raw) => decodeFrame(raw)));
}

const stream = concat(SAMPLES.map((f) => encodeFrame(f)));

Deno.test("every frame type survives an encode/decode round trip", () => {
  const frames = decodeAll(new FrameDecoder(), [stream]);
  assert.deepEqual(frames, SAMPLES);
});

Deno.test("FrameDecoder reassembles frames fed one byte at a time", () => {
  const chunks = Array.from(stream, (b) => Uint8Array.of(b));
  assert.deepEqual(decodeAll(new FrameDecoder(), chunks), SAMPLES);
});

Deno.test("FrameDecoder reassembles frames from random chunk sizes (200 seeds)", () => {
  for (let seed = 1; seed <= 200; seed++) {
    const rnd = prng(seed);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < stream.length;) {
      const n = 1 + Math.floor(rnd() * 40);
      chunks.push(stream.slice(at, at + n));
      at += n;
    }
    assert.deepEqual(decodeAll(new FrameDecoder(), chunks), SAMPLES, `seed ${seed}`);
  }
});

Deno.test("FrameDecoder handles a length prefix split across chunks", () => {
  const f = encodeFrame({ type: FrameType.PING, nonce: 1 });
  const d = new FrameDecoder();
  assert.deepEqual(d.push(f.subarray(0, 2)), []);
  assert.equal(d.buffered, 2);
  assert.deepEqual(d.push(f.subarray(2, 3)), []);
  const frames = d.push(f.subarray(3));
  assert.equal(frames.length, 1);
  assert.equal(d.buffered, 0);
});

Deno.test("encodeHead plus the batch written separately equals the whole frame", () => {
  const publish = SAMPLES[7] as Extract<Frame, { type: typeof FrameType.PUBLISH }>;
  const head = encodeHead(publish);
  assert.deepEqual(concat([head, publish.batch]), encodeFrame(publish));
});

Deno.test("FrameDecoder refuses a length prefix over the limit before buffering the body", () => {
  const d = new FrameDecoder({ maxFrameBytes: 1024 });
  const prefix = Uint8Array.of(0, 0, 4, 1, FrameType.PING); // 1025
  assert.throws(() => d.push(prefix), (e) => e instanceof FrameTooLargeError && e.size === 1025);
  // poisoned afterwards
  assert.throws(() => d.push(encodeFrame({ type: FrameType.PING, nonce: 1 })), FrameTooLargeError);
});

Deno.test("FrameDecoder refuses an oversized prefix that arrives split", () => {
  const d = new FrameDecoder({ maxFrameBytes: 16 });
  d.push(Uint8Array.of(0xff));
  assert.throws(() => d.push(Uint8Array.of(0xff, 0xff, 0xff)), FrameTooLargeError);
});

Deno.test("FrameDecoder rejects a zero length and an unknown type with ProtocolError", () => {
  assert.throws(() => new FrameDecoder().push(Uint8Array.of(0, 0, 0, 0)), /frame length 0/);
  assert.throws(
    () => new FrameDecoder().push(Uint8Array.of(0, 0, 0, 1, 0x7f)),
    (e) => e instanceof ProtocolError && /unknown frame type 0x7f/.test(e.message),
  );
});

Deno.test("decodeFrame rejects truncated bodies and trailing bytes", () => {
  const ack = encodeFrame({
    type: FrameType.ACK,
    subscriptionId: 1,
    partition: 0,
    generation: 1,
    upTo: 5,
  });
  const short = ack.slice(0, ack.length - 1);
  new DataView(short.buffer).setUint32(0, short.length - 4);
  assert.throws(
    () => decodeFrame(new FrameDecoder().push(short)[0]),
    (e) => e instanceof ProtocolError && /ACK: body truncated reading upTo/.test(e.message),
  );
  const long = concat([ack, Uint8Array.of(9)]);
  new DataView(long.buffer).setUint32(0, long.length - 4);
  assert.throws(() => decodeFrame(new FrameDecoder().push(long)[0]), /1 unexpected trailing bytes/);
});

Deno.test("decodeFrame rejects a DELIVER whose range lies outside its batch", () => {
  const bad = encodeFrame({ ...(SAMPLES[12] as Frame & { type: 0x23 }), from: 3, to: 5 });
  assert.throws(() => decodeFrame(new FrameDecoder().push(bad)[0]), /range \[3, 5\) outside 0..4/);
});

Deno.test("decodeFrame rejects invalid UTF-8 in a string field", () => {
  const f = encodeFrame({ type: FrameType.METADATA, correlationId: 1, topic: "ab" });
  f[f.length - 1] = 0xff;
  assert.throws(() => decodeFrame(new FrameDecoder().push(f)[0]), /topic is not valid UTF-8/);
});

Deno.test("decoding random bytes only ever raises ProtocolError (10,000 seeded inputs)", () => {
  const rnd = prng(7);
  for (let i = 0; i < 10_000; i++) {
    const len = Math.floor(rnd() * 64);
    const bytes = Uint8Array.from({ length: len }, () => Math.floor(rnd() * 256));
    if (rnd() < 0.5 && len >= 5) {
      new DataView(bytes.buffer).setUint32(0, len - 4);
      bytes[4] = SAMPLES[Math.floor(rnd() * SAMPLES.length)].type;
    }
    try {
      for (const raw of new FrameDecoder({ maxFrameBytes: 1 << 20 }).push(bytes)) decodeFrame(raw);
    } catch (e) {
      assert.ok(e instanceof ProtocolError, `input ${i} threw ${e}`);
    }
  }
});

Deno.test("frames with strings far beyond the writer's size hint encode intact", () => {
  const message = "e".repeat(3_000);
  const raw = new FrameDecoder().push(
    encodeFrame({ type: FrameType.ERROR, correlationId: 1, code: 2, message }),
  );
  assert.deepEqual(decodeFrame(raw[0]), {
    type: FrameType.ERROR,
    correlationId: 1,
    code: 2,
    message,
  });
});

Deno.test("an ASSIGN of 64 partitions (numbers past the writer's size hint) encodes intact", () => {
  // The writer grows its buffer mid-frame; a u16 written through the old view
  // threw and took the broker down when a member was assigned ≥ 30 partitions.
  const frame = { type: FrameType.ASSIGN, subscriptionId: 3, partitions: [...Array(64).keys()] };
  assert.deepEqual(decodeFrame(new FrameDecoder().push(encodeFrame(frame))[0]), frame);
});

/** A PUBLISH frame with a batch of `n` messages of 1 KiB. */
function bigPublish(n: number) {
  const b = new BatchBuilder();
  for (let i = 0; i < n; i++) b.add(`GPU-${i}`, new Uint8Array(1024).fill(i & 0xff));
  const batch = b.take();
  const frame = {
    type: FrameType.PUBLISH,
    correlationId: 7,
    topic: "t",
    partition: 1,
    count: n,
    producerId: 9,
    sequence: 2,
    batch,
  } as const;
  return { frame, bytes: encodeFrame(frame) };
}

Deno.test("pendingSpace and commitPending let a connection read a large frame straight into its buffer", () => {
  const { frame, bytes } = bigPublish(100);
  const d = new FrameDecoder();
  assert.equal(d.pendingSpace(), null);
  assert.deepEqual(d.push(bytes.subarray(0, 1000)), []);
  let space = d.pendingSpace()!;
  assert.equal(space.length, bytes.length - 1000);
  assert.throws(() => d.commitPending(space.length + 1), RangeError);
  // Fill it in three reads, as a socket would.
  let at = 1000;
  const frames = [];
  for (const n of [5000, 40_000, bytes.length - 46_000]) {
    space = d.pendingSpace()!;
    space.set(bytes.subarray(at, at + n));
    at += n;
    frames.push(...d.commitPending(n));
  }
  assert.equal(d.pendingSpace(), null);
  assert.equal(frames.length, 1);
  const f = decodeFrame(frames[0]);
  if (f.type !== FrameType.PUBLISH) throw new Error("not a PUBLISH");
  assert.deepEqual(f.batch, frame.batch);
  // The decoder goes on with ordinary chunks afterwards.
  assert.equal(decodeAll(d, [encodeFrame({ type: FrameType.PING, nonce: 5 })]).length, 1);
});

Deno.test("a large frame of an unknown type found by commitPending poisons the decoder", () => {
  const { bytes } = bigPublish(80);
  const bad = bytes.slice();
  bad[4] = 0x7f; // the type byte
  const d = new FrameDecoder();
  d.push(bad.subarray(0, 10));
  const space = d.pendingSpace()!;
  space.set(bad.subarray(10));
  assert.throws(() => d.commitPending(space.length), ProtocolError);
  assert.throws(() => d.push(Uint8Array.of(0)), ProtocolError);
});
