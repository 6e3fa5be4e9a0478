import assert from "node:assert/strict";
import { decodeUtf8Strict } from "../../src/record/utf8.ts";

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
