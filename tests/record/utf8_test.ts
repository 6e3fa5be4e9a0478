import assert from "node:assert/strict";
import { decodeUtf8Strict, isPlainAscii } from "../../src/record/utf8.ts";

const fatal = new TextDecoder("utf-8", { fatal: true });
const outcome = (f: () => string) => {
  try {
    return { text: f() };
  } catch (error) {
    return { error: (error as Error).constructor.name + ": " + (error as Error).message };
  }
};

Deno.test("decodeUtf8Strict decodes and refuses exactly as a fatal TextDecoder", () => {
  const enc = new TextEncoder();
  const cases: Uint8Array[] = [
    new Uint8Array(0),
    enc.encode('{"uuid":"GPU-1","value":87}'),
    enc.encode("héllo wörld – 日本 😀"),
    enc.encode("a real \uFFFD replacement character"),
    enc.encode("\uFEFFbom first"),
    new Uint8Array([0xff]),
    new Uint8Array([0x61, 0xc3]), // cut inside a 2-byte sequence
    new Uint8Array([0xe6, 0x97, 0x61]), // bad continuation
    new Uint8Array([0xed, 0xa0, 0x80]), // a surrogate encoded
    new Uint8Array([0xc0, 0xaf]), // overlong
    new Uint8Array([...enc.encode("\uFFFD"), 0xff]), // a real U+FFFD and an invalid byte
  ];
  for (let b = 0; b < 256; b++) cases.push(new Uint8Array([0x22, b, 0x22]));
  for (const bytes of cases) {
    assert.deepEqual(
      outcome(() => decodeUtf8Strict(bytes)),
      outcome(() => fatal.decode(bytes)),
      `bytes ${[...bytes].map((b) => b.toString(16)).join(" ")}`,
    );
  }
  assert.throws(() => decodeUtf8Strict(new Uint8Array([0x7b, 0xff, 0x7d])), TypeError);
});

Deno.test("isPlainAscii: every byte value at every alignment, as the byte rule says", () => {
  const plain = (c: number) => c >= 0x20 && c < 0x80 && c !== 0x5c;
  const buffer = new Uint8Array(64).fill(0x61);
  for (let offset = 0; offset < 4; offset++) {
    for (let length = 0; length <= 23; length++) {
      const view = buffer.subarray(offset, offset + length);
      assert.equal(isPlainAscii(view), true);
      for (let at = 0; at < length; at++) {
        for (let c = 0; c < 256; c++) {
          view[at] = c;
          assert.equal(
            isPlainAscii(view),
            plain(c),
            `offset ${offset} length ${length} at ${at}: ${c}`,
          );
        }
        view[at] = 0x61;
      }
    }
  }
  // Any mix of plain bytes (no false alarm from one word's neighbouring bytes).
  const plainBytes = Array.from({ length: 256 }, (_, c) => c).filter(plain);
  for (let n = 0; n < 2000; n++) {
    const bytes = Uint8Array.from({ length: n % 40 }, (_, i) => plainBytes[(n * 31 + i * 7) % 95]);
    assert.equal(isPlainAscii(bytes), true, String(bytes));
  }
});
