import assert from "node:assert/strict";
import { FrameConnection } from "../../src/net/frame_connection.ts";
import { BatchBuilder, encodeFrame, FrameType, type Publish } from "../../src/protocol/mod.ts";
import { mulberry32 } from "../../src/stream/prng.ts";

/** A PUBLISH whose batch holds `n` messages of `size` bytes filled with `fill`. */
function publish(id: number, n: number, size: number): Publish {
  const b = new BatchBuilder();
  for (let i = 0; i < n; i++) b.add(`k${id}`, new Uint8Array(size).fill((id + i) & 0xff));
  return {
    type: FrameType.PUBLISH,
    correlationId: id,
    topic: "t",
    partition: 0,
    count: n,
    producerId: 0,
    sequence: 0,
    batch: b.take(),
  };
}

Deno.test("frames read from a connection stay intact while kept, across slabs and direct reads", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const rnd = mulberry32(7);
  // Small, medium and large frames (large ones are read straight into their own buffer).
  const sent = Array.from({ length: 300 }, (_, id) => {
    const r = rnd();
    return r < 0.6 ? publish(id, 1, 20) : r < 0.9 ? publish(id, 20, 700) : publish(id, 200, 1500);
  });
  const bytes = sent.map((f) => encodeFrame(f));
  const sender = (async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    // Writes of random sizes, so frames straddle reads in every way.
    const all = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of bytes) {
      all.set(b, at);
      at += b.length;
    }
    for (let i = 0; i < all.length;) {
      const n = Math.min(all.length - i, 1 + Math.floor(rnd() * 300_000));
      for (let w = 0; w < n;) w += await conn.write(all.subarray(i + w, i + n));
      i += n;
    }
    conn.close();
  })();
  const conn = await listener.accept();
  const fc = new FrameConnection(conn);
  const kept: Publish[] = [];
  for await (const f of fc.frames()) kept.push(f as Publish);
  await sender;
  listener.close();
  fc.close();
  assert.equal(kept.length, sent.length);
  // Checked only now, after every later read: nothing was overwritten.
  for (let i = 0; i < sent.length; i++) {
    assert.equal(kept[i].correlationId, i);
    assert.deepEqual(kept[i].batch, sent[i].batch, `frame ${i}`);
  }
});

Deno.test("a large frame arrives in a buffer of its own, not inside a shared read slab", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  // 3 MB of 10 KB frames first, so reads are large and slabs have grown to their largest.
  const small = Array.from({ length: 300 }, (_, i) => publish(10 + i, 10, 1000));
  const frames = [...small, publish(1, 200, 1500), publish(2, 1, 20), publish(3, 200, 1500)];
  const sender = (async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const all = frames.map((f) => encodeFrame(f));
    for (const b of all) for (let w = 0; w < b.length;) w += await conn.write(b.subarray(w));
    conn.close();
  })();
  const fc = new FrameConnection(await listener.accept());
  const got: Publish[] = [];
  for await (const f of fc.frames()) got.push(f as Publish);
  await sender;
  listener.close();
  fc.close();
  assert.equal(got.length, 303);
  for (const i of [300, 302]) {
    const slack = got[i].batch.buffer.byteLength - got[i].batch.length;
    assert.ok(slack < 1024, `frame ${i}: ${slack} bytes of other data share its buffer`);
    assert.deepEqual(got[i].batch, frames[i].batch);
  }
});
