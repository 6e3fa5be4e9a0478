import assert from "node:assert/strict";
import {
  BatchBuilder,
  decodeBatch,
  ProtocolError,
  sliceBatch,
  validateBatch,
} from "../../src/protocol/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function build(keys: string[]): Uint8Array {
  const b = new BatchBuilder(8); // tiny, so it must grow
  keys.forEach((k, i) => b.add(k, enc.encode(`payload-${i}`)));
  assert.equal(b.count, keys.length);
  return b.take();
}

Deno.test("BatchBuilder and decodeBatch round-trip keys and payloads, unicode included", () => {
  const keys = ["GPU-1", "", "温度-センサー", "x".repeat(300)];
  const msgs = decodeBatch(build(keys), keys.length);
  assert.deepEqual(msgs.map((m) => m.key), keys);
  assert.deepEqual(msgs.map((m) => dec.decode(m.payload)), keys.map((_, i) => `payload-${i}`));
});

Deno.test("BatchBuilder.take empties the builder and returns an independent copy", () => {
  const b = new BatchBuilder();
  b.add("a", enc.encode("1"));
  const first = b.take();
  assert.equal(b.count, 0);
  assert.equal(b.bytes, 0);
  b.add("b", enc.encode("2"));
  b.take();
  assert.equal(decodeBatch(first, 1)[0].key, "a");
});

Deno.test("BatchBuilder refuses a key longer than 65535 bytes", () => {
  assert.throws(() => new BatchBuilder().add("k".repeat(70_000), new Uint8Array()), RangeError);
});

Deno.test("decodeBatch and validateBatch reject wrong counts, truncation and trailing bytes", () => {
  const blob = build(["a", "b", "c"]);
  assert.throws(() => decodeBatch(blob, 4), /message 3 of 4 runs past the end/);
  assert.throws(() => validateBatch(blob, 2), ProtocolError);
  assert.throws(() => validateBatch(blob.subarray(0, blob.length - 1), 3), /message 2 of 3/);
  validateBatch(blob, 3);
});

Deno.test("sliceBatch copies exactly messages [from, to)", () => {
  const keys = ["a", "b", "c", "d", "e"];
  const blob = build(keys);
  assert.deepEqual(decodeBatch(sliceBatch(blob, 5, 1, 4), 3).map((m) => m.key), ["b", "c", "d"]);
  assert.deepEqual(decodeBatch(sliceBatch(blob, 5, 0, 5), 5).map((m) => m.key), keys);
  assert.equal(sliceBatch(blob, 5, 2, 2).length, 0);
  assert.throws(() => sliceBatch(blob, 5, 4, 6), RangeError);
});

Deno.test("a BatchBuilder fed used, unzeroed buffers (a pool's) still builds exact blobs", () => {
  const alloc = (n: number) => new Uint8Array(n).fill(0xaa);
  const b = new BatchBuilder(16, alloc);
  const keys = ["a", "GPU-1", "é", "x".repeat(40)];
  for (let round = 0; round < 3; round++) {
    for (const k of keys) b.add(k, new TextEncoder().encode(`${k}:${round}`));
    const blob = b.take();
    const msgs = decodeBatch(blob, keys.length);
    assert.deepEqual(msgs.map((m) => m.key), keys);
    assert.deepEqual(
      msgs.map((m) => new TextDecoder().decode(m.payload)),
      keys.map((k) => `${k}:${round}`),
    );
  }
});
