import assert from "node:assert/strict";
import {
  encodeRecord,
  readHeader,
  RECORD_HEADER_BYTES,
  recordIsValid,
  scanRecords,
} from "../../../src/broker/store/record.ts";
import { BatchBuilder } from "../../../src/protocol/mod.ts";

function blob(n: number, tag = "x"): Uint8Array {
  const b = new BatchBuilder();
  for (let i = 0; i < n; i++) b.add(`GPU-${i}`, new TextEncoder().encode(`${tag}${i}`));
  return b.take();
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const r0 = encodeRecord(
  { baseOffset: 0, count: 3, appendedAt: 1000, producerId: 0, sequence: 0 },
  blob(3, "a"),
);
const r1 = encodeRecord({
  baseOffset: 3,
  count: 2,
  appendedAt: 2000,
  producerId: 2 ** 50 + 9,
  sequence: 7,
}, blob(2, "b"));
const r2 = encodeRecord(
  { baseOffset: 5, count: 4, appendedAt: 3000, producerId: 0, sequence: 0 },
  blob(4, "c"),
);

Deno.test("a record round-trips its header and passes its CRC", () => {
  assert.ok(recordIsValid(r1));
  assert.deepEqual(readHeader(r1), {
    baseOffset: 3,
    count: 2,
    blobLength: r1.length - RECORD_HEADER_BYTES,
    appendedAt: 2000,
    producerId: 2 ** 50 + 9,
    sequence: 7,
  });
});

Deno.test("flipping any single byte of a record makes it invalid", () => {
  for (let i = 0; i < r0.length; i++) {
    const bad = r0.slice();
    bad[i] ^= 0x01;
    assert.equal(recordIsValid(bad), false, `byte ${i}`);
  }
});

Deno.test("scanRecords finds every record of an intact log and where it ends", () => {
  const log = concat([r0, r1, r2]);
  const s = scanRecords(log, 0);
  assert.deepEqual(s.records.map((r) => [r.baseOffset, r.count, r.position]), [
    [0, 3, 0],
    [3, 2, r0.length],
    [5, 4, r0.length + r1.length],
  ]);
  assert.equal(s.validEnd, log.length);
  assert.deepEqual(s.skipped, []);
});

Deno.test("scanRecords stops before a torn tail and before appended garbage", () => {
  const torn = concat([r0, r1, r2.subarray(0, 40)]);
  assert.equal(scanRecords(torn, 0).validEnd, r0.length + r1.length);
  const junk = concat([r0, r1, Uint8Array.from({ length: 500 }, (_, i) => (i * 37) & 0xff)]);
  const s = scanRecords(junk, 0);
  assert.equal(s.records.length, 2);
  assert.equal(s.validEnd, r0.length + r1.length);
});

Deno.test("scanRecords skips a corrupt record in the middle and resynchronises after it", () => {
  const mid = r1.slice();
  mid[RECORD_HEADER_BYTES + 3] ^= 0xff; // inside the blob
  const s = scanRecords(concat([r0, mid, r2]), 0);
  assert.deepEqual(s.records.map((r) => r.baseOffset), [0, 5]);
  assert.deepEqual(s.skipped, [{ from: r0.length, to: r0.length + r1.length }]);
});

Deno.test("scanRecords also resynchronises when the length field itself is damaged", () => {
  const mid = r1.slice();
  mid[9] ^= 0x40; // blob length
  const s = scanRecords(concat([r0, mid, r2]), 0);
  assert.deepEqual(s.records.map((r) => r.baseOffset), [0, 5]);
});

Deno.test("scanRecords refuses records whose offsets go backwards (a stale copy)", () => {
  const s = scanRecords(concat([r0, r1, r0]), 0);
  assert.deepEqual(s.records.map((r) => r.baseOffset), [0, 3]);
});
