import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { join } from "node:path";
import { FileTail } from "../../src/collect/file_tail.ts";

const encoder = new TextEncoder();
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("FileTail reads across what the file holds and what is still in memory", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gputel_tail_" });
  try {
    const path = join(dir, "f.jsonl");
    await Deno.writeTextFile(path, "0123456789");
    const tail = new FileTail(10);
    tail.add(encoder.encode("abc"));
    tail.add(new Uint8Array(0));
    tail.add(encoder.encode("defg"));
    assertEquals([tail.written, tail.size], [10, 17]);
    const read = async (offset: number, length: number) =>
      text(await tail.read(path, offset, length));
    assertEquals(await read(2, 5), "23456");
    assertEquals(await read(8, 6), "89abcd");
    assertEquals(await read(12, 10), "cdefg");
    assertEquals(await read(0, 17), "0123456789abcdefg");

    // A flush takes both chunks in one piece; they stay readable meanwhile.
    const flush = tail.take()!;
    assertEquals([flush.from, text(flush.bytes)], [10, "abcdefg"]);
    assertEquals(tail.take(), undefined);
    tail.add(encoder.encode("h"));
    assertThrows(() => tail.take(), { message: "FileTail.take: a flush is already in progress" });
    assertEquals(await read(9, 10), "9abcdefgh");

    // A failed flush hands its bytes to the next one.
    tail.release();
    const retry = tail.take()!;
    assertEquals([retry.from, text(retry.bytes)], [10, "abcdefgh"]);
    await Deno.writeTextFile(path, "abcdefgh", { append: true });
    tail.flushed(retry);
    assertEquals([tail.written, tail.size, tail.take()], [18, 18, undefined]);
    assertEquals(await read(15, 10), "fgh");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
