import assert from "node:assert/strict";
import { fnv1a32 } from "../../src/record/hash.ts";

/** Reference FNV-1a over bytes, to check the string version against. */
function fnv1a32Bytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

Deno.test("fnv1a32 matches the published FNV-1a 32-bit test vectors", () => {
  assert.strictEqual(fnv1a32(""), 0x811c9dc5);
  assert.strictEqual(fnv1a32("a"), 0xe40c292c);
  assert.strictEqual(fnv1a32("foobar"), 0xbf9cf968);
});

Deno.test("fnv1a32 hashes the UTF-8 bytes of non-ASCII text", () => {
  const encoder = new TextEncoder();
  for (const s of ["Größe", "温度", "🌡️ GPU", "é", "\u07ff\u0800\uffff", "\u{10ffff}"]) {
    assert.strictEqual(fnv1a32(s), fnv1a32Bytes(encoder.encode(s)), s);
  }
});

Deno.test("fnv1a32 hashes a lone surrogate like TextEncoder's U+FFFD", () => {
  const encoder = new TextEncoder();
  for (const s of ["\ud800", "a\udc00b", "\ud83c"]) {
    assert.strictEqual(fnv1a32(s), fnv1a32Bytes(encoder.encode(s)), JSON.stringify(s));
  }
});

Deno.test("fnv1a32 returns an unsigned 32-bit integer for DCGM UUIDs", () => {
  const h = fnv1a32("GPU-5fd4f087-86f3-7a43-b711-4771313afc50");
  assert.ok(Number.isInteger(h) && h >= 0 && h <= 0xffffffff);
  assert.strictEqual(
    h,
    fnv1a32Bytes(new TextEncoder().encode("GPU-5fd4f087-86f3-7a43-b711-4771313afc50")),
  );
});
