import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { join } from "node:path";
import {
  readRange,
  SCAN_CHUNK_BYTES,
  scanLines,
  splitLines,
  WriteHandles,
} from "../../src/datadir/jsonl_files.ts";
import { withDir } from "../_helpers.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

Deno.test("WriteHandles writes at offsets, reports creation, and keeps at most maxOpen handles after trim", () =>
  withDir(async (dir) => {
    const handles = new WriteHandles(2);
    const paths = ["a", "b", "c"].map((n) => join(dir, n));
    const write = (i: number, offset: number, text: string) =>
      handles.writeAt(paths[i], offset, encoder.encode(text), false);
    assertEquals(await handles.writeAt(paths[0], 0, encoder.encode("1\n"), true), {
      created: true,
    });
    assertEquals(await write(0, 2, "2\n"), { created: false });
    await write(1, 0, "x\n");
    await write(2, 0, "y\n");
    handles.trim();
    // "a" was closed by trim; writing reopens it without creating it.
    assertEquals(await write(0, 4, "3\n"), { created: false });
    assertEquals(await Deno.readTextFile(paths[0]), "1\n2\n3\n");
    // A retry at the same offset overwrites what a failed write left.
    assertEquals(await write(0, 2, "two\n"), { created: false });
    assertEquals(await Deno.readTextFile(paths[0]), "1\ntwo\n");
    handles.forget(paths[0]);
    await Deno.remove(paths[0]);
    assertEquals(await write(0, 0, "4\n"), { created: true });
    assertEquals(await Deno.readTextFile(paths[0]), "4\n");
    handles.closeAll();
    handles.closeAll();
    assertThrows(() => new WriteHandles(0), { name: "RangeError" });
  }));

Deno.test("scanLines finds every line across chunk boundaries and excludes a torn tail", () =>
  withDir(async (dir) => {
    const path = join(dir, "big");
    const line = "x".repeat(999) + "\n";
    const count = Math.ceil((SCAN_CHUNK_BYTES * 2.5) / line.length);
    await Deno.writeTextFile(path, line.repeat(count) + "torn");
    let seen = 0;
    let bad = 0;
    const size = (await Deno.stat(path)).size;
    const consumed = await scanLines(path, size, (l) => {
      seen++;
      if (l.length !== 999) bad++;
    });
    assertEquals([seen, bad, consumed], [count, 0, count * 1000]);
    assertEquals(await scanLines(path, 1500, () => {}), 1000);
    assertEquals(decoder.decode(await readRange(path, 1000, 5)), "xxxxx");
    assertEquals((await readRange(path, size - 2, 100)).length, 2);
  }));

Deno.test("splitLines returns the bytes through the last newline", () => {
  const lines: string[] = [];
  const used = splitLines(encoder.encode("a\n\nbc\nd"), (l) => lines.push(decoder.decode(l)));
  assertEquals([lines, used], [["a", "", "bc"], 6]);
});
